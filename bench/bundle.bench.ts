/**
 * Workers bundle benchmark (issue 11, item 5): the size of the Cloudflare Workers bundle against
 * the goal (< 1 MiB gzipped), with a hello-world Hono worker built the same way as the baseline.
 *
 * Both bundles come from `wrangler deploy --dry-run --outdir <tmp>` — the real pipeline, with
 * nodejs_compat and the [define]s of wrangler.toml — so the only difference is the code. The
 * hello-world worker is a temp entry + temp wrangler.toml (same compatibility date and flags) in a
 * temp dir whose node_modules is a symlink to the repo's, so it bundles the same Hono.
 * wrangler has no --metafile for deploy, so the per-package breakdown comes from a separate esbuild
 * build of src/worker.ts with wrangler-like options (ESM, workerd/worker/browser conditions, node:*
 * and bare Node built-ins external, same defines); its total is printed next to wrangler's to show how close it is.
 *
 * It exits non-zero when the bundle is over the goal, so `npm run bench` reports it as failed.
 *
 *   npx tsx bench/bundle.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { KEPT, machineLine, writeSection } from './report';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GOAL_GZIP = 2 ** 20;
const machine = machineLine();
const tmp = mkdtempSync(join(tmpdir(), 'salesdesk-bundle-'));

interface Size {
  raw: number;
  gzip: number;
  files: string[];
  seconds: number;
  wranglerSays: string;
}

/** `wrangler deploy --dry-run --outdir` with cwd `cwd`; sizes every emitted file except source maps and README. */
function wranglerBundle(cwd: string, outdir: string): Size {
  const started = performance.now();
  const r = spawnSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', outdir], {
    cwd,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
    encoding: 'utf8',
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`wrangler failed in ${cwd} (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const files = readdirSync(outdir).filter((f) => !f.endsWith('.map') && f !== 'README.md');
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const bytes = readFileSync(join(outdir, f));
    raw += bytes.length;
    gzip += gzipSync(bytes).length;
  }
  return { raw, gzip, files, seconds, wranglerSays: /Total Upload: ([^\n]+)/.exec(r.stdout)?.[1]?.trim() ?? '?' };
}

// ─── Salesdesk and the hello-world baseline, both through wrangler ───────────────────────────────

console.log('wrangler deploy --dry-run: Salesdesk…');
const salesdesk = wranglerBundle(ROOT, join(tmp, 'salesdesk-out'));

const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
const compatDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? '2026-04-01';
const helloDir = join(tmp, 'hello');
mkdirSync(helloDir);
symlinkSync(join(ROOT, 'node_modules'), join(helloDir, 'node_modules'));
writeFileSync(join(helloDir, 'index.ts'), `import { Hono } from 'hono';\nconst app = new Hono();\napp.get('/', (c) => c.text('Hello World'));\nexport default app;\n`);
writeFileSync(join(helloDir, 'wrangler.toml'), `name = "hello"\nmain = "index.ts"\ncompatibility_date = "${compatDate}"\ncompatibility_flags = ["nodejs_compat"]\n`);
console.log('wrangler deploy --dry-run: hello-world Hono worker…');
const hello = wranglerBundle(helloDir, join(tmp, 'hello-out'));

// ─── Per-package breakdown from an esbuild metafile ──────────────────────────────────────────────

const meta = await build({
  entryPoints: [join(ROOT, 'src/worker.ts')],
  absWorkingDir: ROOT,
  bundle: true,
  write: false,
  metafile: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  external: ['node:*', 'cloudflare:*', ...builtinModules, ...builtinModules.map((m) => `${m}/*`)],
  define: { __dirname: '"/"', 'import.meta.url': '"file:///worker.js"' },
  loader: { '.wasm': 'binary', '.sql': 'text' },
  logLevel: 'silent',
});
const esbuildOut = meta.outputFiles[0]!.contents;
const byPackage = new Map<string, number>();
for (const [input, info] of Object.entries(meta.metafile.outputs).flatMap(([, o]) => Object.entries(o.inputs))) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.slice(input.lastIndexOf('node_modules/')));
  const pkg = m ? m[1]! : input.startsWith('src/') ? '(Salesdesk src/)' : '(other)';
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + info.bytesInOutput);
}
const ranked = [...byPackage].sort((a, b) => b[1] - a[1]);
const packages = ranked.filter(([p]) => !p.startsWith('('));
const own = byPackage.get('(Salesdesk src/)') ?? 0;

rmSync(tmp, { recursive: true, force: true });

// ─── report ──────────────────────────────────────────────────────────────────────────────────────

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const esbuildTotal = esbuildOut.length;
const met = salesdesk.gzip < GOAL_GZIP;
const table = [
  '| bundle (wrangler deploy --dry-run) | raw | gzip (node:zlib, level 6) | wrangler reports | files | build time |',
  '|---|---:|---:|---|---|---:|',
  ...[
    ['Salesdesk `src/worker.ts`', salesdesk],
    ['Hono hello world (baseline)', hello],
  ].map(([name, s]) => {
    const z = s as Size;
    return `| ${name as string} | ${kib(z.raw)} | ${kib(z.gzip)} | ${z.wranglerSays} | ${z.files.join(', ')} | ${z.seconds.toFixed(1)} s |`;
  }),
].join('\n');
const pkgTable = [
  '| input | bytes in the esbuild output | share |',
  '|---|---:|---:|',
  ...packages.slice(0, 3).map(([p, b]) => `| \`${p}\` | ${kib(b)} | ${((b / esbuildTotal) * 100).toFixed(0)} % |`),
  `| Salesdesk's own \`src/\` | ${kib(own)} | ${((own / esbuildTotal) * 100).toFixed(0)} % |`,
].join('\n');

const section = `${machine}

Reproduce: \`npm run bench\` (all benches) or \`npx tsx bench/bundle.bench.ts\` (this one). Needs no network.

Both bundles are built by \`wrangler deploy --dry-run --outdir <tmp>\` (WRANGLER_SEND_METRICS=false): Salesdesk with the repo's wrangler.toml, the baseline a temp \`index.ts\` (Hono app with one \`GET /\` route) and a temp wrangler.toml with the same compatibility date and \`nodejs_compat\`. Sizes are of the emitted modules (source maps excluded), gzipped here with node:zlib.

${table}

Goal (issues 10 and 11): < 1 MiB gzipped — **${met ? 'met' : 'not met'}** (${kib(salesdesk.gzip)}, ${((salesdesk.gzip / GOAL_GZIP) * 100).toFixed(0)} % of the budget; ${(salesdesk.gzip / hello.gzip).toFixed(0)}× the hello world).

Largest input packages (wrangler has no \`--metafile\` for deploy, so from a separate esbuild build of src/worker.ts with wrangler-like options — ESM, \`workerd\`/\`worker\`/\`browser\` conditions, Node built-ins external as nodejs_compat provides them, the same defines; unminified, ${kib(esbuildTotal)} against wrangler's ${kib(salesdesk.raw)}):

${pkgTable}

${KEPT}`;

writeSection('Workers bundle', section);
console.log(`\n${table}\n\n${pkgTable}\n\ngoal < 1 MiB gzip: ${met ? 'met' : 'NOT met'}`);
console.log('\nresults: docs/BENCHMARKS.md (## Workers bundle)');
if (!met) process.exitCode = 1;
