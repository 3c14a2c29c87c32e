/**
 * Coalesces progress updates: at most one edit per `intervalMs` (Slack's chat.update allows about
 * 50 a minute per workspace), and the latest text always lands eventually.
 */
export function coalesce(
  send: (text: string) => Promise<void>,
  intervalMs: number,
): { push(text: string): Promise<void>; flush(): Promise<void> } {
  let last = 0;
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const fire = () => {
    timer = undefined;
    if (pending === undefined) return inFlight;
    const text = pending;
    pending = undefined;
    last = Date.now();
    inFlight = inFlight.then(() => send(text)).catch(() => undefined); // progress is best effort
    return inFlight;
  };

  return {
    push(text) {
      pending = text;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0 && timer === undefined) return fire();
      timer ??= setTimeout(fire, Math.max(wait, 0));
      return Promise.resolve();
    },
    async flush() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pending = undefined; // the final result replaces any progress not yet shown
      await inFlight;
    },
  };
}
