// Retained memory per sign-in on the embedded default (issue 18 item 4): N full password sign-ins
// (8 at a time) on PGlite + the in-memory store, then a forced GC; prints heap and RSS growth per
// sign-in and the in-memory store's key count.
//   node scripts/node24.cjs --expose-gc scripts/bench-memory.ts [N]   (default 1000)
import { startDeadbolt } from './bench-load-flows.ts';

const N = Number(process.argv[2] ?? 1000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

async function settle(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage();
}

const d = await startDeadbolt('embedded');
const run = async (count: number) => {
  let left = count;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (left-- > 0) await d.signInPassword();
    }),
  );
};
await run(100); // warm-up: compiled code, pools, caches
const before = await settle();
await run(N);
const after = await settle();
const per = (k: 'heapUsed' | 'rss' | 'external') => ((after[k] - before[k]) / N).toFixed(0).padStart(7);
console.log(`${N} password sign-ins on the embedded stores, retained after GC, bytes per sign-in:`);
console.log(`  heapUsed ${per('heapUsed')}   external ${per('external')}   rss ${per('rss')}`);
await d.close();
