/** The one source of "now": tests and the simulator move it; jobs get it from --now. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that runs from an offset the simulator can change ("jump to"). */
export class ShiftableClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  jumpTo(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }
  reset(): void {
    this.offsetMs = 0;
  }
}

/** Parses Feishu's create_time (seconds, ms or µs — FEISHU.md §1.3) and never returns a time after receipt. */
export function actionTime(raw: string | number | undefined | null, receivedAt: Date): Date {
  const n = Number(raw);
  if (!raw || !Number.isFinite(n) || n <= 0) return receivedAt;
  const ms = n > 1e14 ? n / 1000 : n < 1e11 ? n * 1000 : n;
  return new Date(Math.min(Math.floor(ms), receivedAt.getTime()));
}
