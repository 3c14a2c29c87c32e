import { UserError } from '../../errors.js';
import { Alertmanager, AlertmanagerError, type Silence } from '../../integrations/alertmanager.js';
import type { JobDefinition, JobDeps, ScheduledJobDefinition } from '../../jobs/job.js';
import { escapeMrkdwn, utc, type Message } from '../../message.js';
import type { AuditEntry } from '../../store/audit-log.js';

/** The `silence-expired` job: a note in the group's thread once the silence has run out. */
export interface SilenceExpiredData {
  silenceId: string;
  channel: string;
  threadTs: string;
  /** How many times the silence was found extended at its end (0 or absent the first time). */
  look?: number;
}

function alertmanager(deps: JobDeps): Alertmanager {
  if (deps.config.ALERTMANAGER_URL === undefined)
    throw new UserError('carbon-ops does not know where Alertmanager is (ALERTMANAGER_URL): nothing was silenced.');
  return new Alertmanager(deps.config.ALERTMANAGER_URL);
}

/**
 * A silence of one alert group: its group labels (what Alertmanager grouped it by; its common labels when it
 * groups by nothing) as equality matchers, for the asked time. Audited before (`started`, so an audit trail that
 * is down stops it) and after. A retried job finds the silence its first run made by the job id in its comment.
 * A `silence-expired` job is queued for its end, which notes it in the thread.
 */
export const incidentSilence: JobDefinition<'incident-silence'> = {
  attempts: 3,
  async run({ jobId, data, deps, progress }) {
    const { command, requester } = data;
    const group = await deps.store.alertGroups.get(command.group);
    if (group === undefined)
      throw new UserError(`No alert group \`${escapeMrkdwn(command.group)}\` was posted by carbon-ops.`);
    const labels = Object.keys(group.groupLabels).length > 0 ? group.groupLabels : group.commonLabels;
    if (Object.keys(labels).length === 0) throw new UserError('This alert group has no labels to silence it by.');
    const am = alertmanager(deps);
    const entry: AuditEntry = {
      actor: requester.user,
      channel: requester.channel,
      action: 'silence',
      command: `silence ${command.group} --for ${command.minutes}m`,
      target: `alert-group/${command.group}`,
      jobId,
      outcome: 'started',
    };
    try {
      await deps.store.audit.record(entry);
    } catch {
      throw new UserError('The audit trail cannot be written, so nothing was silenced.');
    }
    await progress('Creating the silence in Alertmanager…');
    const marker = `carbon-ops job ${jobId}`;
    let silence: Silence | undefined;
    try {
      const earlier = (await am.silences()).find((s) => s.comment.includes(marker) && s.status.state !== 'expired');
      const id =
        earlier?.id ??
        (await am.createSilence({
          matchers: Object.entries(labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
          startsAt: new Date(),
          endsAt: new Date(Date.now() + command.minutes * 60_000),
          createdBy: `carbon-ops for Slack user ${requester.user}`,
          comment: `Silenced from Slack (${marker})`,
        }));
      silence = await am.silence(id);
      if (silence === undefined) throw new AlertmanagerError(`Alertmanager does not show silence ${id}`);
    } catch (error) {
      await deps.store.audit
        .record({ ...entry, outcome: 'failed', detail: (error as Error).message })
        .catch(() => undefined);
      if (error instanceof AlertmanagerError && error.status !== undefined && error.status < 500)
        throw new UserError(`Alertmanager refused the silence: ${error.message}`);
      throw error;
    }
    await deps.store.audit.record({ ...entry, outcome: 'succeeded', detail: `silence ${silence.id}` });
    const endsAt = new Date(silence.endsAt);
    const threadTs = data.reply.threadTs ?? data.reply.ts;
    const expired: SilenceExpiredData = { silenceId: silence.id, channel: data.reply.channel, threadTs };
    await deps.queue.enqueueOwn('silence-expired', expired, `silence-expired-${silence.id}`, {
      delayMs: Math.max(0, endsAt.getTime() - Date.now()) + 1_000,
    });
    return silenced(silence, labels, requester.user);
  },
};

export function silenced(silence: Silence, labels: Record<string, string>, user: string): Message {
  const matchers = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return {
    text:
      `🔕 <@${user}> silenced this alert group until ${utc(new Date(silence.endsAt))} ` +
      `(Alertmanager silence \`${escapeMrkdwn(silence.id)}\`, matching \`${escapeMrkdwn(matchers).slice(0, 500)}\`).`,
  };
}

/** At the silence's end: a note in the thread when it expired; a silence someone extended is looked at again at its new end. */
export const silenceExpired: ScheduledJobDefinition<SilenceExpiredData> = {
  attempts: 5,
  async run({ data, deps }) {
    const silence = await alertmanager(deps).silence(data.silenceId);
    if (silence !== undefined && silence.status.state !== 'expired') {
      const delayMs = Math.max(0, new Date(silence.endsAt).getTime() - Date.now()) + 1_000;
      // BullMQ job ids may not hold colons (an ISO time has them): the end as ms, and which look this is.
      const next = { ...data, look: (data.look ?? 0) + 1 };
      await deps.queue.enqueueOwn(
        'silence-expired',
        next,
        `silence-expired-${silence.id}-${Date.parse(silence.endsAt)}-${next.look}`,
        { delayMs },
      );
      return 'still active: looked at again at its end';
    }
    const when = silence !== undefined ? ` at ${utc(new Date(silence.endsAt))}` : '';
    await deps.chat.post(
      data.channel,
      { text: `🔔 The silence \`${escapeMrkdwn(data.silenceId)}\` has expired${when}: this group alerts again.` },
      data.threadTs,
    );
    return 'noted in the thread';
  },
};
