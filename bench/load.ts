/**
 * The ack-path bench's load generators. Both keep CONNECTIONS connections busy with the pool of
 * pre-signed events, request n of a run getting pool[from + n]:
 *   - wrk (Debian's `wrk`, written in C), used when it is installed: it costs the shared cores
 *     about a third less per request than autocannon, whose JavaScript takes up to a core of the
 *     two — which caps a server that uses both cores and not one bound to a single thread;
 *   - autocannon, the fallback. It also tells which request each response answers, so the
 *     inbox check is per event; wrk only counts responses, so with it the check is by count.
 */
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const CONNECTIONS = 50;

export interface Signed {
  body: string;
  headers: Record<string, string>;
}

export interface LoadRun {
  rps: number;
  /** Latency percentiles in ms (autocannon: whole ms, 2xx only; wrk: µs resolution, all responses). */
  p50: number;
  p99: number;
  responses: number;
  ok: number;
  /** Socket errors, timeouts and non-2xx responses. */
  bad: number;
  /** Requests sent (pool entries used), answered or not. */
  sent: number;
  /** CPU seconds the load generator used during the run. */
  cpuSeconds: number;
}

export interface LoadGenerator {
  name: 'wrk' | 'autocannon';
  /** Whether `acked` is filled per event (autocannon) or only counted (wrk). */
  perEvent: boolean;
  /**
   * Sends pool[from], pool[from + 1], … for `seconds`; marks acked[i] for each 2xx (perEvent only).
   * `onStart` is called as the first request goes out (wrk first spends a second or two loading the pool).
   */
  run(url: string, seconds: number, from: number, acked: Uint8Array, onStart?: () => void): Promise<LoadRun>;
  close(): void;
}

/** User + system CPU seconds of a process (/proc/<pid>/stat fields 14 and 15, 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** wrk when it is on the PATH (or BENCH_LOADGEN=autocannon asks otherwise), else autocannon. */
export function loadGenerator(pool: Signed[], path: string): LoadGenerator {
  const wanted = process.env.BENCH_LOADGEN;
  const hasWrk = spawnSync('wrk', ['--version']).error === undefined;
  if (wanted === 'wrk' && !hasWrk) throw new Error('BENCH_LOADGEN=wrk but wrk is not installed (apt-get install wrk)');
  return hasWrk && wanted !== 'autocannon' ? wrkGenerator(pool, path) : autocannonGenerator(pool, path);
}

function autocannonGenerator(pool: Signed[], path: string): LoadGenerator {
  return {
    name: 'autocannon',
    perEvent: true,
    async run(url, seconds, from, acked, onStart) {
      let next = from;
      onStart?.();
      const cpu0 = process.cpuUsage();
      const r = await autocannon({
        url: url + path,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            setupRequest: (req, ctx) => {
              const i = next++ % pool.length;
              (ctx as { i: number }).i = i;
              return { ...req, method: 'POST', path, body: pool[i]!.body, headers: pool[i]!.headers };
            },
            onResponse: (status, _body, ctx) => {
              if (status >= 200 && status < 300) acked[(ctx as { i: number }).i] = 1;
            },
          },
        ],
      });
      const cpu = process.cpuUsage(cpu0);
      return {
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        responses: r.requests.total,
        ok: r['2xx'],
        bad: r.errors + r.timeouts + r.non2xx,
        sent: next - from,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
      };
    },
    close() {},
  };
}

function wrkGenerator(pool: Signed[], path: string): LoadGenerator {
  const dir = mkdtempSync(join(tmpdir(), 'salesdesk-wrk-'));
  const file = join(dir, 'pool.tsv');
  const h = (s: Signed, name: string) => s.headers[name] ?? '';
  writeFileSync(file, pool.map((s) => `${h(s, 'x-lark-request-timestamp')}\t${h(s, 'x-lark-request-nonce')}\t${h(s, 'x-lark-signature')}\t${s.body}\n`).join(''));
  const script = new URL('./wrk-pool.lua', import.meta.url).pathname;
  return {
    name: 'wrk',
    perEvent: false,
    run(url, seconds, from, _acked, onStart) {
      // One thread: wrk's event loop drives the 50 connections, on at most one core.
      const child = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url + path, '--', file, String(from % pool.length), path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      return new Promise((resolve, reject) => {
        let cpuAtReady = 0;
        let done: Record<string, number> | undefined;
        child.once('error', reject);
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if (line.startsWith('{"ready"')) {
            cpuAtReady = cpuSeconds(child.pid!); // loading the pool is not the run
            onStart?.();
          }
          if (!line.startsWith('{"done"')) return;
          done = (JSON.parse(line) as { done: Record<string, number> }).done;
          done.cpu = cpuSeconds(child.pid!) - cpuAtReady; // the process is still there: done() runs just before it exits
        });
        child.once('exit', (code) => {
          if (!done) return reject(new Error(`wrk exited with ${code} without a summary`));
          const d = done;
          resolve({
            rps: d.responses! / (d.duration_us! / 1e6),
            p50: Math.round(d.p50_us! / 100) / 10,
            p99: Math.round(d.p99_us! / 100) / 10,
            responses: d.responses!,
            ok: d.responses! - d.status!,
            bad: d.connect! + d.read! + d.write! + d.status! + d.timeout!,
            sent: d.sent!,
            cpuSeconds: d.cpu!,
          });
        });
      });
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
