import { handoffMarkdown, renderHandoff } from './handoff-render.js';
import { composeHandoff } from './handoff.js';
import { formatDate } from './time.js';
import type { JobDefinition } from '../../jobs/job.js';
import { sectionContext } from './status-report.js';

/**
 * `/carbon handoff`: the executive summary of a period computed from stored snapshots, benchmark runs
 * and the audit log (and the cluster's certificates, read now). Posted in the channel; the same as a
 * Markdown file in its thread. It reads, and writes one thing: a Vault coverage snapshot measured for the
 * handoff (the period's end figure, kept so the next handoff can start from it). A retried job writes
 * another snapshot, which is harmless: snapshots are measurements, and each says when it was taken.
 */
export const handoffReport: JobDefinition<'handoff-report'> = {
  attempts: 2,
  async run({ jobId, data, deps, log, progress }) {
    const handoff = await composeHandoff(sectionContext(deps, log, jobId), {
      since: data.command.since,
      tz: deps.config.STATUS_TZ,
      progress,
    });
    const markdown = handoffMarkdown(handoff);
    const name =
      `handoff-${handoff.cluster.name}-${formatDate(handoff.period.since, handoff.tz)}-to-` +
      `${formatDate(handoff.period.until, handoff.tz)}.md`;
    let markdownUploaded = true;
    try {
      await deps.chat.upload(
        data.reply.channel,
        { filename: name, title: `Handoff ${handoff.cluster.name} (Markdown)`, bytes: Buffer.from(markdown, 'utf8') },
        data.reply.threadTs ?? data.reply.ts,
      );
    } catch (error) {
      log.warn({ err: error }, 'handoff Markdown not uploaded');
      markdownUploaded = false;
    }
    return renderHandoff(handoff, { markdownUploaded });
  },
};
