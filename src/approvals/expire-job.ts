import type { DataOf, RequestJobName } from '../contracts/jobs.js';
import type { ApprovalKind } from './index.js';
import { UserError } from '../errors.js';
import type { ApprovalRequest } from './store.js';
import type { JobDefinition } from '../jobs/job.js';

/**
 * Delayed until a request's expiry: a request still pending then expires (with its audit row) and its
 * buttons go. Idempotent: the conditional UPDATE expires it once, whichever process gets there first.
 * Its reply is the plan message, re-rendered as the request now stands. One per kind of request.
 */
export function approvalExpireJob<J extends RequestJobName, R extends ApprovalRequest>(
  kind: () => ApprovalKind<R>,
): JobDefinition<J> {
  return {
    attempts: 3,
    async run({ data, deps, log }) {
      const { noun, requests: of, statusMessage, planMessage } = kind();
      const id = (data as DataOf<RequestJobName>).request;
      if (id === undefined) throw new UserError(`No ${noun} given.`);
      const requests = of(deps.store);
      const [expired] = await requests.expireDue(id);
      const request = expired ?? (await requests.get(id));
      if (request === undefined) throw new UserError(`No ${noun} ${id}.`);
      if (expired !== undefined) {
        log.info({ request: id }, `${noun} expired`);
        await deps.chat
          .update(request.channel, request.statusTs, statusMessage(request))
          .catch((error: unknown) => log.warn({ err: error }, 'status update failed'));
      }
      return planMessage(request);
    },
  };
}
