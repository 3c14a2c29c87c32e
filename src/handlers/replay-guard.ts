import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { within } from '../concurrency.js';
import type { Logger } from '../log.js';
import { MAX_CLOCK_SKEW_SEC } from './slack-intake.js';

/**
 * How long a request's id is remembered. A signed request is accepted while its timestamp is within
 * MAX_CLOCK_SKEW_SEC of the clock, either way: for at most twice that from the moment it is first seen,
 * and Slack's last retry of an event comes about 5 minutes after the first delivery. Then a minute to spare.
 */
export const REPLAY_WINDOW_SEC = 2 * MAX_CLOCK_SKEW_SEC + 60;

/** The claim is made before the ack (Slack allows 3 s): a Redis that does not answer in time is not waited for. */
const CLAIM_WAIT_MS = 1_000;

/** Where ids are claimed: Redis (SET NX EX), shared by every replica of the bot. */
export interface RequestIds {
  claim(id: string, ttlSec: number): Promise<boolean>;
}

/**
 * The id Slack gives one request, the same on its retries and in any replay of it: a slash command's
 * trigger_id, an event's event_id, a click's action_ts with the action and the clicker (a double click is
 * two clicks, decided by the approval's own rules). Undefined when the request lacks it: the listener
 * refuses such a request, naming the field.
 */
export function slackRequestId(body: Record<string, unknown>): string | undefined {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  if (body['type'] === 'event_callback') return text(body['event_id']) && `event:${String(body['event_id'])}`;
  if (typeof body['command'] === 'string') return text(body['trigger_id']) && `slash:${String(body['trigger_id'])}`;
  if (body['type'] === 'block_actions') {
    const user = text((body['user'] as { id?: unknown } | undefined)?.id);
    const action = (body['actions'] as { action_id?: unknown; action_ts?: unknown }[] | undefined)?.[0];
    const ts = text(action?.action_ts);
    return user && ts && `action:${user}:${String(action?.action_id)}:${ts}`;
  }
  return undefined;
}

/**
 * Every Slack request runs once, whichever replica gets it and however often it arrives (Slack's retries,
 * a replayed capture): the first claims its id, a later one is acked and dropped. Bolt's global middleware,
 * so it holds for every listener, inline answers included, in HTTP and Socket Mode alike.
 */
export function replayGuard(ids: RequestIds, log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const id = slackRequestId(args.body as unknown as Record<string, unknown>);
    if (id === undefined) return args.next();
    let first: boolean;
    try {
      first = await within(ids.claim(id, REPLAY_WINDOW_SEC), CLAIM_WAIT_MS, 'Redis did not answer in time');
    } catch (error) {
      // Without Redis nothing can be queued anyway, and the listener says so; an answer (help, audit) still works.
      log.warn({ err: error, id }, 'could not check whether a Slack request was seen before; handling it');
      first = true;
    }
    if (first) return args.next();
    const { retryNum, retryReason } = args.context;
    log.debug({ id, retryNum, retryReason }, 'Slack request seen before: acked, not run again');
    if ('ack' in args && args.ack !== undefined) await (args.ack as () => Promise<void>)();
  };
}
