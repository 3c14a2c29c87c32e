import { until as untilWithin } from './until.js';

/**
 * How long a test waits for an event it expects (a message, a status, a job's end) unless it says
 * otherwise. Only a bound on waiting, never a budget for the behaviour: a loaded 2-core CI machine running
 * two copies of the suite is slow, not wrong. The stand-ins' own defaults (5 s) are too short for that.
 */
export const EVENT_WAIT_MS = 60_000;

/** `until` from ./until.js with EVENT_WAIT_MS as its default timeout. */
export function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = EVENT_WAIT_MS): Promise<T> {
  return untilWithin(what, probe, timeoutMs);
}
