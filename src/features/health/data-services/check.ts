import type { CheckKindName } from '../../../catalogue.js';

/** A check of the Data services section: the catalogue's kinds, and the cluster's node resources. */
export type CheckKind = CheckKindName | 'nodes';

/**
 * ok: measured and healthy. failed: the service answered, and badly (sealed, a broker missing, a certificate about
 * to expire, an HTTP 5xx): its service is ❌ even with every pod ready. not-measured: it could not be reached or is
 * not configured; the reason says which, and nothing is guessed.
 */
export type CheckState = 'ok' | 'failed' | 'not-measured';

/** One measurement, as rendered and stored with the health snapshot. Never holds a credential. */
export interface DataCheck {
  kind: CheckKind;
  /** The catalogue services it speaks for (one endpoint may serve several); none for node resources. */
  services: string[];
  /** What was measured: `kafka default`, `https://grafana.254carbon.com`, `postgres dolphinscheduler@…`. */
  target: string;
  /** Where the figures come from: `kafkajs admin, 127.0.0.1:9092`, `Vault sys/health at …`. */
  source: string;
  /** ISO time the measurement ended. */
  measuredAt: string;
  state: CheckState;
  /** The figures in one line (ok and failed), or why it was not measured. */
  summary: string;
  /** Why it failed: each failing condition, e.g. `2 under-replicated partitions`. */
  problems?: string[];
}

export type CheckOutcome = Pick<DataCheck, 'state' | 'summary'> & { problems?: string[] };

export const ok = (summary: string): CheckOutcome => ({ state: 'ok', summary });
export const notMeasured = (why: string): CheckOutcome => ({ state: 'not-measured', summary: why });
/** Failed when any problem is listed, else ok. */
export const judged = (summary: string, problems: string[]): CheckOutcome =>
  problems.length > 0 ? { state: 'failed', summary, problems } : { state: 'ok', summary };

export class CheckTimeout extends Error {
  override readonly name = 'CheckTimeout';
}

/**
 * `work` bounded by `ms`: a dependency that hangs becomes a CheckTimeout, never a hung job. `onTimeout` releases
 * what the work holds (a socket, a client), so nothing is left running behind the report.
 */
export async function bounded<T>(
  ms: number,
  what: string,
  work: Promise<T>,
  onTimeout?: () => void,
  /** The bound the message names when `ms` is what is left of it (see deadline). */
  bound = ms,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        // Settled before the release: a request whose socket is destroyed fails at once ("socket hang up"), and the
        // report must say the bound was reached, not that.
        reject(new CheckTimeout(`${what}: no answer within ${(bound / 1000).toFixed(bound % 1000 === 0 ? 0 : 1)} s`));
        onTimeout?.();
      },
      Math.max(0, ms),
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One deadline, `ms` from now, for work done in stages (connect, handshake, request): each stage is bounded by what is
 * left of it, so the whole is bounded by `ms`, not `ms` per stage.
 */
export function deadline(ms: number, onTimeout?: () => void): <T>(what: string, work: Promise<T>) => Promise<T> {
  const end = performance.now() + ms;
  return (what, work) => bounded(end - performance.now(), what, work, onTimeout, ms);
}

/** Network errors that mean "not reached" (nothing answered), as opposed to a server that answered badly. */
const UNREACHED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
]);

/** The error's code when it (or its cause) is a network error that means nothing answered. */
export function unreachedCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHED.has(code)) return code;
    if (e instanceof CheckTimeout) return 'timeout';
  }
  return undefined;
}

/** One line of an error, for a reason shown in Slack: the first line, at most 200 characters. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
