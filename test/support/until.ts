/**
 * How long a test waits for an event it expects (a message, a status, a job's end) unless it says
 * otherwise. Only a bound on waiting, never a budget for the behaviour: a loaded 2-core CI machine running
 * two copies of the suite is slow, not wrong. The stand-ins' own defaults (5 s) are too short for that.
 */
export const EVENT_WAIT_MS = 60_000;

/**
 * The timeout the rigs give one request to a stand-in (the Kubernetes API, Vault) that is expected to
 * answer: it only ends a request that hangs. A test about the timeout itself sets a short one of its own.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** How long a child process the tests run to its end (`carbon run …`, kubectl) may take before it is killed. */
export const PROCESS_WAIT_MS = 240_000;

/** Polls `probe` until it returns something (not undefined), or fails after `timeoutMs` with `what`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = EVENT_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Resolves once the bot's /readyz answers 200 (Redis and PostgreSQL reachable), as Kubernetes waits for
 * readiness before it sends a pod any traffic: the bot's producer refuses commands until it is connected.
 */
export async function untilReady(eventsUrl: string): Promise<void> {
  const readyz = new URL('/readyz', eventsUrl).toString();
  await until('the bot to be ready', async () =>
    (await fetch(readyz).then(
      (r) => r.status,
      () => 0,
    )) === 200
      ? true
      : undefined,
  );
}
