/** The clock a coalescer reads and sets timers on: the real one, or a test's fake one. */
export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export interface CoalesceOptions {
  /** At most one send per this many milliseconds. */
  intervalMs: number;
  /** At most this many sends in all (the last one kept for `flush({ last: true })`); unlimited when absent. */
  maxSends?: number;
  clock?: Clock;
}

export interface Coalesced {
  /**
   * Offers the newest text: sent at once when the interval has passed, otherwise kept (replacing any
   * text kept before) and sent when it has. Rejects with the error of an earlier send that failed.
   */
  push(text: string): Promise<void>;
  /**
   * Ends it: with `last`, the text kept and not yet sent is sent (the last state always lands); without,
   * it is dropped (a final result replaces it). Resolves once every send has ended; later pushes are ignored.
   */
  flush(options?: { last?: boolean }): Promise<void>;
  /** How many sends were made. */
  readonly sent: number;
}

/**
 * Coalesces progress updates: at most one send per `intervalMs` (Slack's chat.update allows about 50 a
 * minute per workspace; each Redis write is a command), at most `maxSends` per job, sent one after
 * another in order. A 10,000-pod health report reports every page; a handful of sends shows it moving.
 */
export function coalesce(send: (text: string) => Promise<void>, options: CoalesceOptions): Coalesced {
  const { intervalMs, maxSends = Infinity, clock = REAL_CLOCK } = options;
  let last = -Infinity;
  let sent = 0;
  let pending: string | undefined;
  let timer: unknown;
  let failure: { error: unknown } | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let ended = false;

  const fire = (): Promise<void> => {
    timer = undefined;
    if (pending === undefined || sent >= maxSends) return inFlight;
    const text = pending;
    pending = undefined;
    last = clock.now();
    sent++;
    inFlight = inFlight
      .then(() => send(text))
      .catch((error: unknown) => {
        failure ??= { error };
      });
    return inFlight;
  };
  const rethrow = () => {
    if (failure) throw failure.error;
  };
  // One send is kept back for flush({ last: true }), so the last state can always land.
  const mayFireBeforeEnd = () => sent < maxSends - 1;

  return {
    async push(text) {
      rethrow();
      if (ended) return;
      pending = text;
      if (timer !== undefined || !mayFireBeforeEnd()) return;
      const wait = last + intervalMs - clock.now();
      if (wait > 0) {
        timer = clock.setTimeout(() => void fire(), wait);
        return;
      }
      await fire();
      rethrow();
    },
    async flush({ last: sendLast = false } = {}) {
      ended = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      if (sendLast) await fire();
      pending = undefined;
      await inFlight;
    },
    get sent() {
      return sent;
    },
  };
}
