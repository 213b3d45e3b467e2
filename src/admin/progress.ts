// Progress of a long admin command on stderr: a redrawn bar when stderr is a terminal, otherwise a line every few
// seconds (so logs of a scripted run stay readable).
const LINE_INTERVAL_MS = 5000;
const REDRAW_INTERVAL_MS = 200;
const BAR_WIDTH = 30;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private lastWrite = 0;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly unit: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  get rate(): number {
    return this.done / Math.max(this.elapsedSeconds, 0.001);
  }

  advance(by: number): void {
    this.done += by;
    const now = Date.now();
    if (now - this.lastWrite >= (this.tty ? REDRAW_INTERVAL_MS : LINE_INTERVAL_MS)) {
      this.lastWrite = now;
      this.write();
    }
  }

  finish(): void {
    this.write();
    if (this.tty) this.stream.write('\n');
  }

  private write(): void {
    const share = this.total > 0 ? Math.min(this.done / this.total, 1) : 1;
    const rate = this.rate;
    const eta = rate > 0 ? (this.total - this.done) / rate : NaN;
    const text = `${this.done}/${this.total} ${this.unit}  ${rate.toFixed(0)} ${this.unit}/s  ETA ${duration(eta)}`;
    if (this.tty) {
      const filled = Math.round(share * BAR_WIDTH);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${text}\x1b[K`);
    } else {
      this.stream.write(`${(share * 100).toFixed(1)}% ${text}\n`);
    }
  }
}
