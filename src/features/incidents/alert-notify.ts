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
 * place, with what changed posted in its thread. The group's row is locked while it runs, so a redelivered
 * or concurrent notification of the same group waits and then finds nothing left to show.
 */
export const alertNotify: ScheduledJobDefinition<AlertNotifyData> = {
  attempts: 5,
  async run({ data, deps }) {
    const { notification: n, channel } = data;
    const id = groupId(n.groupKey);
    const states = alertStates(n.alerts);
    const status: AlertGroup['status'] = Object.values(states).includes('firing') ? 'firing' : 'resolved';
    let summary = 'unchanged';
    await deps.store.alertGroups.update(
      { groupId: id, groupKey: n.groupKey, channel, status, groupLabels: n.groupLabels, commonLabels: n.commonLabels },
      async (group) => {
        const receivedAt = new Date(data.receivedAt);
        const change = { status, groupLabels: n.groupLabels, commonLabels: n.commonLabels, states, receivedAt };
        const message = groupMessage(n, id);
        if (group.messageTs === undefined) {
          await paceChannel(deps.queue, group.channel);
          const ts = await deps.chat.post(group.channel, message).catch(refused);
          summary = `posted ${n.alerts.length} alert(s)`;
          return { ...change, messageTs: ts };
        }
        if (sameStates(group.states, states)) return undefined; // a redelivery: nothing new to show
        // A retried or slow job of an earlier notification: the message already shows a later one.
        if (group.receivedAt !== undefined && group.receivedAt > receivedAt) return undefined;
        await deps.chat.update(group.channel, group.messageTs, message).catch(refused);
        const reply = changeMessage(n, group.states);
        if (reply !== undefined) {
          await paceChannel(deps.queue, group.channel);
          await deps.chat.post(group.channel, reply, group.messageTs).catch(refused);
        }
        summary = `updated: ${status}`;
        return { ...change, messageTs: group.messageTs };
      },
    );
    return summary;
  },
};

/** Slack refused the post for good (a channel the bot is not in): retrying will not help. */
function refused(error: unknown): never {
  const code = (error as { data?: { error?: string } }).data?.error;
  if (code === 'channel_not_found' || code === 'not_in_channel' || code === 'is_archived' || code === 'invalid_blocks')
    throw new UnrecoverableError(`Slack refused the alert group's message: ${code}`);
  throw error;
}
