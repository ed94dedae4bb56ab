import type { Logger } from './logger';

/**
 * A single-flight work loop: `kick()` starts draining unless a drain is running (then it asks
 * that drain to go round once more), so bursts of kicks never run two drains at once.
 * `step` handles one batch and returns how many items it handled; 0 means nothing is left.
 */
export class Pump {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly step: () => Promise<number>,
    private readonly log: Logger,
    private readonly afterDrain?: () => void,
  ) {}

  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while (!this.stopped && (await this.step()) > 0) {}
        } while (this.again && !this.stopped);
      } catch (err) {
        this.log.error(`${this.name} failed`, { err });
      } finally {
        this.running = null;
        if (!this.stopped) this.afterDrain?.();
      }
    })();
    return this.running;
  }

  /** Resolves once no drain is running (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
  }
}
