import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Event-loop delay of a bench target: how long a ready request can wait for the JS thread.
 * The parent sends SIGUSR2 when the measured run starts; `stats()` is printed at SIGTERM.
 */
export function trackLoopDelay() {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  process.on('SIGUSR2', () => h.reset());
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  return () => ({ loopDelayMs: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) } });
}
