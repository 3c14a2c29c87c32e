import { UnrecoverableError } from 'bullmq';
import type { ScheduledJobDefinition } from '../../jobs/job.js';
import { alertStates, groupId, type Notification } from './notification.js';
import { paceChannel } from './pace.js';
import type { AlertGroup } from './store.js';
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
    return deps.store.alertGroups.withGroup(fresh, async (group, record) => {
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
        const ts = await deps.chat.post(group.channel, message).catch(refused);
        await record({ ...change, messageTs: ts });
        return firesAgain ? `fires again: posted anew` : `posted ${n.alerts.length} alert(s)`;
      }
      await deps.chat.update(group.channel, group.messageTs, message).catch(refused);
      const reply = changeMessage(n, group.states);
      if (reply !== undefined) await deps.chat.post(group.channel, reply, group.messageTs).catch(refused);
      await record({ ...change, messageTs: group.messageTs });
      return `updated: ${status}`;
    });
  },
};

/** Slack refused the post for good (a channel the bot is not in): retrying will not help. */
function refused(error: unknown): never {
  const code = (error as { data?: { error?: string } }).data?.error;
  if (code === 'channel_not_found' || code === 'not_in_channel' || code === 'is_archived' || code === 'invalid_blocks')
    throw new UnrecoverableError(`Slack refused the alert group's message: ${code}`);
  throw error;
}
