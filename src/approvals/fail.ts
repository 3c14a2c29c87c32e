/**
 * Every request that ends failed has its `failed` audit row. It is written with the state change when
 * the audit takes it; when the audit refuses writes the request ends all the same (it must not hold its
 * target, and the user is told), the miss is logged as an error with how many rows are missing, and the
 * row is written late, dated then and saying when the request failed, by the kind's next planning job or
 * the approvals sweep.
 */
import type { Chat } from '../integrations/slack.js';
import type { JobDeps } from '../jobs/job.js';
import type { Logger } from '../log.js';
import { showRequest, type ApprovalKind } from './index.js';
import type { ApprovalRequest } from './store.js';

/**
 * Ends the request as failed and shows it in its thread. True when its `failed` row was written, false
 * when the audit refused it, `unended` with PostgreSQL's error when it refused even to end it (the sweep
 * ends it later).
 */
export async function failRequest<R extends ApprovalRequest>(
  kind: ApprovalKind<R>,
  deps: { store: JobDeps['store']; chat: Chat; log: Logger },
  failure: { id: string; result: string; jobId: string },
): Promise<boolean | { unended: unknown }> {
  const { id, result, jobId } = failure;
  const requests = kind.requests(deps.store);
  let ended;
  try {
    ended = await requests.fail(id, result, jobId);
  } catch (error) {
    deps.log.error({ err: error, request: id }, `${kind.noun} ${id} could not be ended as failed`);
    return { unended: error };
  }
  if (!ended.audited) {
    const missing = await requests.unaudited().then(
      (ids) => ids.length,
      () => undefined,
    );
    deps.log.error(
      { request: id, unaudited: missing },
      `${kind.noun} ${id} failed without its audit row (the audit trail refuses writes): ` +
        `${missing ?? 'some'} failed ${kind.noun}(s) lack it; written once the audit takes writes again`,
    );
  }
  if (ended.request !== undefined) await showRequest(deps.chat, kind, ended.request, deps.log);
  return ended.audited;
}

/** Network failures of a connection: PostgreSQL's, when the error came from one of its statements. */
const NO_CONNECTION = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Why PostgreSQL could not be used, when `error` (thrown by a statement) says it was unreachable: a
 * network code, SQLSTATE class 08 (connection exception) or 57P01-57P03 (shutting down, starting up), or
 * node-postgres' own words for a connection that never came or broke (pool timeout, terminated, no answer).
 * Undefined for any other error (a refused statement, a privilege).
 */
export function postgresUnreachable(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NO_CONNECTION.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code)))
    return `PostgreSQL was unreachable (${code})`;
  const text = typeof message === 'string' ? message : '';
  if (/timeout exceeded when trying to connect|Connection terminated|Query read timeout/i.test(text))
    return 'PostgreSQL was unreachable (no connection)';
  return undefined;
}

/**
 * Thrown by a follow-up whose request could not be ended because PostgreSQL was unreachable: BullMQ keeps
 * its message as the job's failedReason, where the sweep that settles the request later reads the cause
 * (lostCause in recover.ts) instead of guessing "worker lost".
 */
export class RequestLeftOpen extends Error {
  override readonly name = 'RequestLeftOpen';
  constructor(readonly reason: string) {
    super(`${reason}: the request could not be ended; the approvals sweep settles it`);
  }
}

/**
 * Writes the `failed` rows `failRequest` could not write (`missing`: the ids settleOverdue found): each
 * planning job of the kind and the approvals sweep call it. Best effort: while the audit still refuses
 * writes, how many are missing is logged as an error and they wait for the next call.
 */
export async function recordLateFailures<R extends ApprovalRequest>(
  kind: ApprovalKind<R>,
  deps: { store: JobDeps['store']; log: Logger },
  missing: readonly string[],
): Promise<void> {
  const requests = kind.requests(deps.store);
  for (const [written, id] of missing.entries()) {
    try {
      if (await requests.recordLateFailure(id))
        deps.log.warn({ request: id }, `${kind.noun} ${id}: failed row written late`);
    } catch (error) {
      const left = missing.length - written;
      deps.log.error(
        { err: error, unaudited: left },
        `${left} failed ${kind.noun}(s) still lack their audit row: the audit trail refuses writes`,
      );
      return;
    }
  }
}
