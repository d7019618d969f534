// CLI: `deadbolt user import FILE` (A4) — JSON lines or CSV, see src/import/. Prints a JSON
// summary (imported, unchanged, rejected rows with line and reason) on stdout; a progress bar on
// stderr only when it is a terminal. Exit 0 when every row was imported or unchanged, 1 otherwise.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Config } from '../config/index.ts';
import { ImportFileError, parseImportFile } from '../import/rows.ts';
import { importRows } from '../import/run.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import { print, UsageError } from './args.ts';

function options(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        'create-orgs': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'batch-size': { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function progressBar(): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    const pct = Math.floor((done / Math.max(total, 1)) * 100);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${pct}%`);
    if (done >= total) process.stderr.write('\n');
  };
}

export async function importCommand(sor: SystemOfRecord, config: Config, argv: string[]): Promise<number> {
  const { values, positionals } = options(argv);
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0)
    throw new UsageError('user import FILE [--create-orgs] [--dry-run] [--batch-size N]');
  const batch = values['batch-size'];
  if (batch !== undefined && !/^[1-9]\d{0,4}$/.test(batch))
    throw new UsageError('--batch-size must be 1-99999');
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: ReturnType<typeof parseImportFile>;
  try {
    parsed = parseImportFile(file, content);
  } catch (err) {
    if (err instanceof ImportFileError) throw new UsageError(err.message);
    throw err;
  }
  const started = performance.now();
  const onProgress = progressBar();
  const summary = await importRows(sor, parsed, {
    factorKeys: config.factorKeys,
    createOrgs: values['create-orgs'] === true,
    dryRun: values['dry-run'] === true,
    ...(batch ? { batchSize: Number(batch) } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  print({ file, ...summary, seconds: Number(seconds.toFixed(2)) });
  return summary.rejected === 0 ? 0 : 1;
}
