import type { Logger } from '../log.js';

/**
 * Runs `attempt` until it succeeds, every `retryMs` after a failure (logged with `what`), until stopped:
 * for what a process registers on start (a job scheduler) and must not give up on while Redis is down.
 * `done` is the attempt's result, or undefined once stopped.
 */
export function keepTrying<T>(
  attempt: () => Promise<T>,
  options: { retryMs: number; log: Logger; what: string },
): { done: Promise<T | undefined>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let settle: (value: T | undefined) => void = () => undefined;
  const done = new Promise<T | undefined>((resolve) => (settle = resolve));
  const run = async () => {
    if (stopped) return;
    try {
      settle(await attempt());
    } catch (error) {
      options.log.warn({ err: error, retryInMs: options.retryMs }, `${options.what} not registered yet; retrying`);
      if (!stopped) timer = setTimeout(() => void run(), options.retryMs);
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
  };
}
