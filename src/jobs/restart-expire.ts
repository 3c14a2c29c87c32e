import type { Command } from '../commands/index.js';
import { UserError } from '../errors.js';
import { planMessage, statusMessage } from '../reports/restart.js';
import type { JobDefinition } from './job.js';

/**
 * Delayed until a request's expiry: a request still pending then expires (with its audit row) and its
 * buttons go. Idempotent: the conditional UPDATE expires it once, whichever process gets there first.
 * Its reply is the plan message, re-rendered as the request now stands.
 */
export const restartExpire: JobDefinition<Command> = {
  attempts: 3,
  async run({ data, deps, log }) {
    const id = data.request;
    if (id === undefined) throw new UserError('No restart request given.');
    const [expired] = await deps.store.restarts.expireDue(id);
    const request = expired ?? (await deps.store.restarts.get(id));
    if (request === undefined) throw new UserError(`No restart request ${id}.`);
    if (expired !== undefined) {
      log.info({ request: id }, 'restart request expired');
      await deps.chat.update(request.channel, request.statusTs, statusMessage(request)).catch((error: unknown) => log.warn({ err: error }, 'status update failed'));
    }
    return planMessage(request);
  },
};
