import type { Chat } from '../../integrations/slack.js';
import type { Logger } from '../../log.js';
import { healthTrendChart, renderPng } from '../../charts/index.js';
import { renderStatusPost } from './post-render.js';
import type { SectionContext } from './sections.js';
import { STATUS_SCHEDULER_ID } from './schedule.js';
import { composeStatus, type StatusData } from './status-data.js';
import { formatDate } from './time.js';
import type { JobDefinition, JobDeps } from '../../jobs/job.js';

/** `/carbon status`: the daily post's content, now, in the asker's channel; the trend chart in its thread. */
export const statusReport: JobDefinition<'status-report'> = {
  attempts: 2,
  async run({ jobId, data, deps, log, progress }) {
    const previousPost = await deps.store.statusPosts.lastPosted(STATUS_SCHEDULER_ID);
    const status = await composeStatus(sectionContext(deps, log, jobId), {
      tz: deps.config.STATUS_TZ,
      ...(previousPost ? { previousPost } : {}),
      progress,
    });
    await uploadTrendChart(deps.chat, data.reply.channel, data.reply.threadTs ?? data.reply.ts, status, log);
    return renderStatusPost(status);
  },
};

export function sectionContext(deps: JobDeps, log: Logger, jobId: string, now = new Date()): SectionContext {
  const { config, kube, cluster, store, catalogue, vault } = deps;
  return { config, kube, cluster, store, catalogue, ...(vault ? { vault } : {}), log, jobId, now };
}

/** The trend chart is a bonus: a failed render or upload is logged and the post stands. */
export async function uploadTrendChart(
  chat: Chat,
  channel: string,
  threadTs: string,
  status: StatusData,
  log: Logger,
): Promise<boolean> {
  if (status.trend.state !== 'measured') return false;
  try {
    const points = status.trend.value.points.map((p) => ({ at: p.takenAt, healthPct: p.healthPct }));
    const png = await renderPng(healthTrendChart(points, `Platform health · ${status.cluster.name}`));
    const day = formatDate(status.tick?.at ?? status.at, status.tz);
    await chat.upload(
      channel,
      {
        filename: `health-trend-${day}.png`,
        title: `Platform health, last 14 days (${points.length} snapshots)`,
        bytes: png,
      },
      threadTs,
    );
    return true;
  } catch (error) {
    log.warn({ err: error }, 'health trend chart not uploaded');
    return false;
  }
}
