import type { Logger } from '../log.js';

/**
 * Runs `attempt` until it succeeds, every `retryMs` after a failure (logged with `what`), until stopped:
 * for what a process registers on start (a job scheduler) and must not give up on while Redis is down.
 * `done` is the first successful attempt's result, or undefined once stopped. `again()` runs it once
 * more (and keeps trying until that succeeds): after Redis came back, maybe empty (a restart without
 * persistence loses the job schedulers), so every process registers its schedulers again.
 */
export function keepTrying<T>(
  attempt: () => Promise<T>,
  options: { retryMs: number; log: Logger; what: string },
): { done: Promise<T | undefined>; stop(): void; again(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running = false;
  let rerun = false;
  let settle: (value: T | undefined) => void = () => undefined;
  const done = new Promise<T | undefined>((resolve) => (settle = resolve));
  const run = async (): Promise<void> => {
    if (stopped) return;
    if (running) {
      rerun = true; // asked again while an attempt is on its way: one more once it ends
      return;
    }
    running = true;
    try {
      settle(await attempt());
    } catch (error) {
      options.log.warn({ err: error, retryInMs: options.retryMs }, `${options.what} not registered yet; retrying`);
      if (!stopped) timer = setTimeout(() => void run(), options.retryMs);
    } finally {
      running = false;
    }
    if (rerun) {
      rerun = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await run();
    }
  };
  void run();
  return {
    done,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      settle(undefined);
    },
    again() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      void run();
    },
  };
}
