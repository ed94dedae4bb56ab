import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

export const BENCHMARKS_MD = new URL('../docs/BENCHMARKS.md', import.meta.url);

/** Machine, Node version, date and how busy the machine was, for the top of a results section. */
export function machineLine(): string {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const ram = (totalmem() / 2 ** 30).toFixed(1);
  return `Machine: ${availableParallelism()} cores (nproc), ${cpu}, ${ram} GiB RAM · Node ${process.version} · ${new Date().toISOString()} · load average at start ${loadavg()[0]!.toFixed(2)}`;
}

/** Put this in a section body where hand-written interpretation goes: it survives re-runs. */
export const KEPT = '<!-- kept: hand-written notes between these markers survive re-runs -->';
const KEPT_END = '<!-- /kept -->';

/**
 * Replaces the `## heading` section of docs/BENCHMARKS.md (up to the next `## `), or appends it.
 * Other sections — written by other benches — are kept as they are, and so is the KEPT block.
 */
export function writeSection(heading: string, body: string, file: URL | string = BENCHMARKS_MD): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nResults of `npm run bench` (`bench/*.bench.ts`); each section is rewritten by the bench that owns it.\n';
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  let end = lines.findIndex((l, i) => start >= 0 && i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  const old = start < 0 ? '' : lines.slice(start, end).join('\n');
  const kept = old.includes(KEPT) && old.includes(KEPT_END) ? old.slice(old.indexOf(KEPT), old.indexOf(KEPT_END) + KEPT_END.length) : `${KEPT}\n${KEPT_END}`;
  const section = `## ${heading}\n\n${body.replace(KEPT, () => kept).trim()}\n`;
  if (start < 0) return writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
  const before = lines.slice(0, start).join('\n').trimEnd();
  const after = lines.slice(end).join('\n').trim();
  writeFileSync(file, `${before}\n\n${section}${after ? `\n${after}\n` : ''}`);
}
