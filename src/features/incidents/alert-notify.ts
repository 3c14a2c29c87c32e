import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { slackErrorCode } from '../../errors.js';
import type { JobDeps, ScheduledJobDefinition } from '../../jobs/job.js';
import type { Message } from '../../message.js';
import { alertStates, groupId, type Notification } from './notification.js';
import { earlierPost } from './earlier-post.js';
import { paceChannel } from './pace.js';
import type { AlertGroup, GroupChange, PendingPost } from './store.js';
import { changeMessage, groupMessage } from './render.js';

export interface AlertNotifyData {
  /** The channel the routes chose when the notification arrived. */
  channel: string;
  notification: Notification;
  /** When the bot received it (ms since the epoch): an older notification is never shown over a newer one. */
  receivedAt: number;
}

const sameStates = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * One Alertmanager notification shown in Slack: the group's message posted the first time, then edited in
 * place, with what changed posted in its thread; a group that fires again after it resolved gets a new
 * message (a reply in an old thread is seen by nobody). The group is locked while it runs, so a redelivered
 * or concurrent notification of the same group waits and then finds nothing left to show. A new message's ts
 * is recorded as soon as it is posted, so a retry edits it rather than posting again; retries back off
 * exponentially for about an hour (the state comparison makes a retry of a shown notification do nothing).
 * A job that dies between a post and recording it leaves the post's key saved (`pendingPost`): the next job of
 * the group looks for that post in Slack first and records it, so nothing is posted twice.
 */
export const alertNotify: ScheduledJobDefinition<AlertNotifyData> = {
  // BullMQ's exponential backoff from 2 s (src/jobs/queue.ts): 12 attempts span about 68 minutes.
  attempts: 12,
  async run({ data, deps }) {
    const { notification: n, channel } = data;
    const id = groupId(n.groupKey);
    const states = alertStates(n.alerts);
    const status: AlertGroup['status'] = Object.values(states).includes('firing') ? 'firing' : 'resolved';
    const fresh = {
      groupId: id,
      groupKey: n.groupKey,
      channel,
      status,
      groupLabels: n.groupLabels,
      commonLabels: n.commonLabels,
    };
    // The channel's turn is waited for before the lock: a paced job holds no lock and no connection.
    const before = await deps.store.alertGroups.get(id);
    const paced = before?.messageTs === undefined || !sameStates(before.states, states);
    if (paced) await paceChannel(deps.queue, channel);
    return deps.store.alertGroups.withGroup(fresh, async (found, record, intend) => {
      const group = await settlePending(deps, found, record, intend);
      const receivedAt = new Date(data.receivedAt);
      const change = { status, groupLabels: n.groupLabels, commonLabels: n.commonLabels, states, receivedAt };
      const message = groupMessage(n, id);
      const firesAgain = group.status === 'resolved' && status === 'firing';
      if (group.messageTs !== undefined && sameStates(group.states, states)) return 'unchanged'; // a redelivery
      // A retried or slow job of an earlier notification: the message already shows a later one.
      if (group.messageTs !== undefined && group.receivedAt !== undefined && group.receivedAt > receivedAt)
        return 'unchanged';
      // Another job changed the group while this one waited unpaced: the retry waits its turn.
      if (!paced) throw new Error('the alert group changed while its job waited; retried');
      if (group.messageTs === undefined || firesAgain) {
        const ts = await postRecorded(deps, group.channel, message, intend, change);
        await record({ ...change, messageTs: ts });
        return firesAgain ? `fires again: posted anew` : `posted ${n.alerts.length} alert(s)`;
      }
      const messageTs = group.messageTs;
      await deps.chat.update(group.channel, messageTs, message).catch(refused);
      const reply = changeMessage(n, group.states);
      if (reply !== undefined) await postRecorded(deps, group.channel, reply, intend, change, messageTs);
      await record({ ...change, messageTs });
      return `updated: ${status}`;
    });
  },
};

/**
 * Posts `message` with a fresh key, saved first (with what the job records once the post is made) so that a job
 * dying before `record` leaves enough behind for the next one to find the post instead of posting it again.
 */
async function postRecorded(
  deps: JobDeps,
  channel: string,
  message: Message,
  intend: (post: PendingPost | undefined) => Promise<void>,
  change: GroupChange,
  threadTs?: string,
): Promise<string> {
  const key = randomUUID();
  await intend({ key, since: new Date(), change, ...(threadTs && { threadTs }) });
  return deps.chat.post(channel, message, threadTs, key).catch(refused);
}

/**
 * The group with an earlier job's pending post settled: that post found in Slack (the job died before recording
 * it) is recorded as that job would have; one not found was never made and is forgotten.
 */
async function settlePending(
  deps: JobDeps,
  group: AlertGroup,
  record: (change: GroupChange) => Promise<AlertGroup>,
  intend: (post: PendingPost | undefined) => Promise<void>,
): Promise<AlertGroup> {
  const pending = group.pendingPost;
  if (pending === undefined) return group;
  const ts = await earlierPost(deps.chat, { channel: group.channel, ...pending }, deps.log);
  // The group's message is recorded as its own ts, a reply as its parent's.
  if (ts !== undefined) return record({ ...pending.change, messageTs: pending.threadTs ?? ts });
  await intend(undefined);
  const { pendingPost: _forgotten, ...settled } = group;
  return settled;
}

/** Slack's refusals of a post that a retry will not change: a channel the bot is not in, a message it will not take. */
const REFUSED_FOR_GOOD = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'metadata_too_large',
]);

/** Slack refused the post for good: retrying will not help, and nothing was posted. */
function refused(error: unknown): never {
  const code = slackErrorCode(error);
  if (code !== undefined && REFUSED_FOR_GOOD.has(code))
    throw new UnrecoverableError(`Slack refused the alert group's message: ${code}`);
  throw error;
}
