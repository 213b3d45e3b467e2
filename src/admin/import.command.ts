// `import <files or folders>...`: loads Synthea output (transaction/batch Bundles, NDJSON) through the batch and
// transaction code that POST /fhir runs; safe to rerun. https://hl7.org/fhir/R4/http.html#transaction
import { BundleInteraction } from '../interactions/bundle/bundle.interaction';
import { AdminCommand, UsageError } from './admin-command';
import { collectFiles, ImportFile } from './import-files';
import { ImportRunner } from './import.runner';

interface ImportOptions {
  files: ImportFile[];
  concurrency: number;
}

// Bundles in flight at once: validation and indexing of one overlap PostgreSQL's writes of the others (measured
// best on 2 cores with Synthea patients; more only adds lock waits on the organizations they share).
const DEFAULT_CONCURRENCY = 4;

export const importCommand: AdminCommand<ImportOptions> = {
  name: 'import',
  usage: 'import [--concurrency N] <file or folder>...',
  summary: 'load transaction/batch Bundles (.json) and NDJSON resources (.ndjson), e.g. Synthea output',

  parse(args) {
    let concurrency = DEFAULT_CONCURRENCY;
    const targets: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--concurrency') {
        concurrency = Number(args[++i]);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new UsageError('--concurrency takes a whole number from 1 to 16');
      } else if (args[i].startsWith('--')) {
        throw new UsageError(`Unknown option ${args[i]}`);
      } else targets.push(args[i]);
    }
    if (targets.length === 0) throw new UsageError('import needs at least one file or folder');
    let files: ImportFile[];
    try {
      files = collectFiles(targets);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (files.length === 0) throw new UsageError('No .json or .ndjson files were found there');
    return { files, concurrency };
  },

  async run({ files, concurrency }, { app, logger }) {
    const runner = new ImportRunner(app.get(BundleInteraction), concurrency, (line) => logger.warn(line));
    await runner.run(files);
    const t = runner.tally;
    const seconds = runner.seconds;
    const output = {
      files: t.files,
      skippedFiles: t.skippedFiles,
      bundles: t.bundles,
      resources: t.resources,
      created: t.created,
      updated: t.updated,
      unchanged: t.unchanged,
      failed: t.failed,
      seconds: Number(seconds.toFixed(2)),
      resourcesPerSecond: Math.round(t.resources / Math.max(seconds, 0.001)),
      errors: t.errors,
    };
    return { output, exitCode: t.failed > 0 ? 1 : 0 };
  },
};
