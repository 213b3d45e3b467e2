// The admin CLI's logger: everything to stderr, so stdout carries only the command's JSON result.
import { LoggerService, LogLevel } from '@nestjs/common';

export class StderrLogger implements LoggerService {
  constructor(private readonly levels: LogLevel[]) {}

  private write(level: LogLevel, message: unknown, context: unknown): void {
    if (!this.levels.includes(level)) return;
    const text = message instanceof Error ? message.stack ?? message.message : String(message);
    process.stderr.write(`${level.toUpperCase()}${typeof context === 'string' ? ` [${context}]` : ''} ${text}\n`);
  }

  log(message: unknown, context?: unknown): void {
    this.write('log', message, context);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest[rest.length - 1]);
  }

  warn(message: unknown, context?: unknown): void {
    this.write('warn', message, context);
  }

  debug(message: unknown, context?: unknown): void {
    this.write('debug', message, context);
  }

  verbose(message: unknown, context?: unknown): void {
    this.write('verbose', message, context);
  }
}
