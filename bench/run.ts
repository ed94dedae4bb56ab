/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after another (in parallel
 * they would steal each other's CPU), then lists the result files they wrote.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).sort();
const started = Date.now();
const failed: string[] = [];
for (const file of files) {
  console.log(`\n━━ ${file} ━━`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', benchDir + file], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${file} (${r.status ?? r.signal})`);
}

const list = (dir: string) => {
  try {
    return readdirSync(dir).map((f) => dir + f);
  } catch {
    return [];
  }
};
const candidates = [fileURLToPath(new URL('../docs/BENCHMARKS.md', import.meta.url)), ...list(`${benchDir}results/`)];
const written = candidates.filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile() && statSync(p).mtimeMs >= started);
console.log(`\nRan ${files.length} bench file(s) in ${((Date.now() - started) / 1000).toFixed(0)} s: ${files.join(', ')}`);
console.log(`Results:\n${written.map((p) => `  ${p}`).join('\n') || '  (no result files written)'}`);
if (failed.length) {
  console.error(`Failed: ${failed.join(', ')}`);
  process.exit(1);
}
