import type { KnownBlock } from '@slack/types';
import type { CronSchedule } from './schedule.js';
import { formatTime } from './time.js';
import type { PostRecord } from './store.js';
import { context, escapeMrkdwn, header, section, type Message } from '../../message.js';

export interface ScheduleView {
  /** The settings of this process. */
  schedule: CronSchedule;
  channel?: string;
  /** The next ticks by these settings, computed like BullMQ does. */
  next: number[];
  queueName: string;
  /** The scheduler as BullMQ holds it in the shared queue; undefined when none is registered. */
  registered?: { pattern?: string; tz?: string; next?: number; iterations?: number; channel?: string };
  lastPost?: PostRecord;
  now: Date;
}

/** `/carbon schedule`: when and where the daily status is posted, the next runs and the last post. Pure. */
export function renderSchedule(view: ScheduleView): Message {
  const { schedule, now } = view;
  const tz = schedule.tz;
  const at = (ms: number) => formatTime(new Date(ms), tz, { weekday: true });
  const blocks: KnownBlock[] = [header('Daily status schedule')];
  const cron = `\`${escapeMrkdwn(schedule.pattern)}\` in ${escapeMrkdwn(tz)} (STATUS_CRON, STATUS_TZ)`;
  const nextRuns = view.next.length > 0 ? view.next.map(at).join(', ') : 'none (the pattern does not fire again)';
  if (view.channel === undefined) {
    blocks.push(
      section(
        '*Daily status posts are off:* STATUS_CHANNEL is not set. ' +
          'Set it to a channel ID and restart the bot and the workers; ' +
          `\`/carbon status\` posts on demand meanwhile.\n*Cron:* ${cron}\n*Would run:* ${nextRuns}`,
      ),
    );
  } else {
    blocks.push(section(`*When:* ${cron}\n*Where:* <#${view.channel}>\n*Next runs:* ${nextRuns}`));
    blocks.push(section(registration(view, at)));
  }
  const last = view.lastPost;
  blocks.push(
    section(
      last
        ? `*Last post:* for ${at(last.tickAt.getTime())}, ` +
            `posted ${last.postedAt ? formatTime(last.postedAt, tz, { seconds: true }) : '?'}` +
            `${last.late ? ' (late)' : ''} in <#${last.channel}>` +
            `${last.snapshotId ? `, health snapshot #${last.snapshotId}` : ''}`
        : '*Last post:* none yet.',
    ),
    context(
      'Every `carbon bot` and `carbon worker` registers the schedule when it starts: ' +
        'one scheduler and one post per tick however many run. ' +
        `A tick missed while none ran is posted once, marked late, when one starts. Shown ${formatTime(now, tz)}.`,
    ),
  );
  return {
    text:
      view.channel === undefined
        ? 'Daily status posts are off (STATUS_CHANNEL is not set).'
        : `Daily status: ${schedule.pattern} ${tz} → next ${view.next[0] !== undefined ? at(view.next[0]) : 'never'}`,
    blocks,
  };
}

function registration(view: ScheduleView, at: (ms: number) => string): string {
  const r = view.registered;
  const queue = `queue \`${escapeMrkdwn(view.queueName)}\``;
  if (r === undefined)
    return (
      `*Registered:* ⚠️ no scheduler in ${queue} yet: ` +
      'no `carbon bot` or `carbon worker` with these settings has started.'
    );
  const next = r.next !== undefined ? `, next job ${at(r.next)}` : '';
  const runs = r.iterations !== undefined ? `, ${r.iterations} job${r.iterations === 1 ? '' : 's'} made so far` : '';
  const differs =
    r.pattern !== view.schedule.pattern ||
    r.tz !== view.schedule.tz ||
    (r.channel !== undefined && r.channel !== view.channel);
  const stale = differs
    ? `\n⚠️ The registered scheduler has other settings (\`${escapeMrkdwn(r.pattern ?? '?')}\` ` +
      `in ${escapeMrkdwn(r.tz ?? '?')}${r.channel ? ` → <#${r.channel}>` : ''}): ` +
      'the last process to start wins; restart the others with the same settings.'
    : '';
  return `*Registered:* ✅ in ${queue}${next}${runs}.${stale}`;
}
