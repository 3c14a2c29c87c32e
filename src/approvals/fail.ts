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
 * when the audit refused it, undefined when PostgreSQL refused even to end it (the sweep ends it later).
 */
export async function failRequest<R extends ApprovalRequest>(
  kind: ApprovalKind<R>,
  deps: { store: JobDeps['store']; chat: Chat; log: Logger },
  failure: { id: string; result: string; jobId: string },
): Promise<boolean | undefined> {
  const { id, result, jobId } = failure;
  const requests = kind.requests(deps.store);
  let ended;
  try {
    ended = await requests.fail(id, result, jobId);
  } catch (error) {
    deps.log.error({ err: error, request: id }, `${kind.noun} ${id} could not be ended as failed`);
    return undefined;
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

/**
 * Writes the `failed` rows `failRequest` could not write: each planning job of the kind and the approvals
 * sweep call it. Best effort: while the audit still refuses writes, how many are missing is logged as an
 * error and they wait for the next call.
 */
export async function recordLateFailures<R extends ApprovalRequest>(
  kind: ApprovalKind<R>,
  deps: { store: JobDeps['store']; log: Logger },
): Promise<void> {
  const requests = kind.requests(deps.store);
  let missing: string[];
  try {
    missing = await requests.unaudited();
  } catch (error) {
    deps.log.warn({ err: error }, `could not look for failed ${kind.noun}s that lack their audit row`);
    return;
  }
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
