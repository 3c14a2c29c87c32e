import type { KnownBlock } from '@slack/types';
import type { StatusData } from './status-data.js';
import { RESULT_OUTCOMES } from './sections/actions.js';
import { formatDate, formatDuration, formatTime, wallClock } from './time.js';
import { headline } from '../health/render.js';
import { checkLine, tally } from '../health/data-services/render.js';
import { dataChanges } from '../health/data-services/changes.js';
import { capBlocks, clip, context, divider, escapeMrkdwn, header, section, type Message } from '../../message.js';
import { dashboardBox } from '../phases/render.js';
import {
  actionLine,
  benchmarkLine,
  certificateLine,
  certificateNames,
  listSection,
  missingText,
  outcomeCounts,
  percent,
  signed,
} from './render-parts.js';

/**
 * The daily status post (and `/carbon status`): health measured now with the change since the previous
 * post, phase progress, benchmarks, Vault coverage, the last 24 h of actions, expiring certificates.
 * Pure: data in, Block Kit out, inside Slack's limits.
 */
export function renderStatusPost(data: StatusData): Message {
  const { tz } = data;
  const title = data.tick
    ? `Daily status · ${data.cluster.name} · ${wallClock(data.tick.at, tz).weekday} ${formatDate(data.tick.at, tz)}`
    : `Status · ${data.cluster.name}`;
  const blocks: KnownBlock[] = [header(title)];
  if (data.cluster.simulated)
    blocks.push(context('⚠️ *Simulated*: this is the built-in demo cluster, not a real one.'));
  if (data.tick?.late) {
    blocks.push(
      context(
        `⏰ *Posted late*: this is the post due ${formatTime(data.tick.at, tz, { weekday: true })}, ` +
          `${formatDuration(data.at.getTime() - data.tick.at.getTime())} ago; ` +
          'carbon-ops could not post it on time (no worker was running), so it is posted once now, ' +
          'with today’s figures.',
      ),
    );
  }
  blocks.push(
    ...healthBlocks(data),
    ...dataServiceBlocks(data),
    ...phaseBlocks(data),
    ...benchmarkBlocks(data),
    ...vaultBlocks(data),
    ...actionBlocks(data),
    ...certificateBlocks(data),
  );
  blocks.push(divider(), context(trendNote(data)), context(provenance(data)));
  return { text: fallback(data, title), blocks: capBlocks(blocks) };
}

function fallback(data: StatusData, title: string): string {
  const health = data.health.state === 'measured' ? headline(data.health.value.report) : 'health not measured';
  return (
    `${title}: ${health}${data.tick?.late ? ' (posted late)' : ''}` +
    `${data.cluster.simulated ? ' [simulated demo cluster]' : ''}`
  );
}

function healthBlocks(data: StatusData): KnownBlock[] {
  if (data.health.state === 'not-measured') return [section(missingText('Platform health', data.health))];
  const { report, snapshotId, baseline } = data.health.value;
  let change = '';
  if (baseline && baseline.snapshot.healthPct !== null && report.healthPct !== null) {
    const points = signed(report.healthPct - baseline.snapshot.healthPct);
    change =
      `, ${points} points since ${baseline.label} (${percent(baseline.snapshot.healthPct)}, ` +
      `snapshot #${baseline.snapshot.id}, ${formatTime(baseline.snapshot.takenAt, data.tz)})`;
  } else if (!baseline) {
    change = ' (no earlier snapshot to compare with)';
  }
  const critical = report.services.filter((s) => s.critical);
  const up = critical.filter((s) => s.status === 'up');
  const notUp = critical
    .filter((s) => s.status !== 'up')
    .map((s) => `${escapeMrkdwn(s.name)} ${s.status === 'missing' ? 'missing' : `${s.ready}/${s.desired}`}`);
  const problems = report.problems.slice(0, 5).map((p) => `${escapeMrkdwn(p.reason)} ${p.count}`);
  const notReady = report.pods.counted - report.pods.ready;
  const lines = [
    `*${headline(report)}*${change}`,
    critical.length > 0
      ? `Critical services: ${up.length} of ${critical.length} fully up` +
        `${notUp.length > 0 ? `; not up: ${notUp.join(', ')}` : ''}`
      : 'No critical services in the catalogue.',
    notReady > 0
      ? `Problem pods: ${notReady} (${problems.join(', ')}${report.problems.length > 5 ? ', …' : ''}); ` +
        '`/carbon health` lists them'
      : 'Problem pods: none.',
  ];
  return [
    section(lines.join('\n')),
    context(
      `snapshot #${snapshotId} · measured ${formatTime(report.takenAt, data.tz, { seconds: true })} from ` +
        'the Kubernetes API',
    ),
  ];
}

/**
 * The health snapshot's Data services: the count by state, the checks that are not ok (the ok ones are counted, so
 * the post stays short), and what changed since the baseline snapshot.
 */
function dataServiceBlocks(data: StatusData): KnownBlock[] {
  if (data.health.state === 'not-measured') return [];
  const { report, baseline, baselineDataServices } = data.health.value;
  const checks = report.dataServices;
  if (checks === undefined || checks.length === 0) return [];
  const notOk = checks
    .filter((c) => c.state !== 'ok')
    .sort((a, b) => Number(b.state === 'failed') - Number(a.state === 'failed'))
    .map((c) => checkLine(c, { source: false }));
  const changes = dataChanges(checks, baselineDataServices).map(
    (c) => `${escapeMrkdwn(c.target)} (${c.kind}): ${c.before} → ${c.now}`,
  );
  const since = baseline ? ` since ${baseline.label} (snapshot #${baseline.snapshot.id})` : '';
  const changeLine =
    baselineDataServices === undefined
      ? 'Changes: no earlier snapshot with data checks to compare with.'
      : changes.length === 0
        ? `Changes${since}: none.`
        : `Changes${since}: ${changes.slice(0, 8).join('; ')}${changes.length > 8 ? `; and ${changes.length - 8} more` : ''}`;
  return [
    listSection(`*Data services* (${tally(checks)})`, notOk, clip(changeLine, 1000)),
    context(
      `snapshot #${data.health.value.snapshotId} · each check at its endpoint (\`/carbon health\` lists every check ` +
        'with its source and time)',
    ),
  ];
}

function phaseBlocks(data: StatusData): KnownBlock[] {
  if (data.phases.state === 'not-measured') return [section(missingText('Phase progress', data.phases))];
  const { phases, stale } = data.phases.value;
  const box = dashboardBox(phases, { cluster: data.cluster.name, simulated: data.cluster.simulated, at: data.at });
  const failing = phases.flatMap((p) =>
    p.tasks.filter((t) => t.state === 'failed').map((t) => `phase ${p.phase} \`${escapeMrkdwn(t.task)}\``),
  );
  const notes = [
    'phase % = tasks done ÷ tasks of the phase; a task is done only when its check passed (`/carbon phase status N`)',
    failing.length > 0
      ? `❌ failing: ${failing.slice(0, 6).join(', ')}${failing.length > 6 ? ` and ${failing.length - 6} more` : ''}`
      : '',
    stale ? `⚠️ the runbooks could not be re-read (${escapeMrkdwn(clip(stale, 200))}): stored definitions shown` : '',
  ].filter(Boolean);
  return [section(`*Phase progress*\n\`\`\`${box}\`\`\``), context(notes.join(' · '))];
}

function benchmarkBlocks(data: StatusData): KnownBlock[] {
  if (data.benchmarks.state === 'not-measured') return [section(missingText('Kafka benchmarks', data.benchmarks))];
  const { runs, baseline } = data.benchmarks.value;
  return [
    listSection(
      '*Latest Kafka benchmarks* (benchmark_runs)',
      runs.map((r) => `• ${benchmarkLine(r, baseline, data.tz)}`),
    ),
  ];
}

function vaultBlocks(data: StatusData): KnownBlock[] {
  if (data.vault.state === 'not-measured') return [section(missingText('Vault coverage', data.vault))];
  const v = data.vault.value;
  const pct = v.total === 0 ? null : Math.round((v.migrated / v.total) * 1000) / 10;
  const missing =
    v.unmigrated.length > 0
      ? `\nNot in Vault yet: ${v.unmigrated
          .slice(0, 10)
          .map((s) => `\`${escapeMrkdwn(s)}\``)
          .join(', ')}${v.unmigrated.length > 10 ? ` and ${v.unmigrated.length - 10} more` : ''}`
      : '';
  return [
    section(`*Vault coverage ${percent(pct)}* (${v.migrated} of ${v.total} secrets in Vault)${missing}`),
    context(
      `${escapeMrkdwn(v.source)} · ${v.snapshotId ? `coverage snapshot #${v.snapshotId} · ` : ''}` +
        `${formatTime(v.measuredAt, data.tz)}`,
    ),
  ];
}

function actionBlocks(data: StatusData): KnownBlock[] {
  if (data.actions.state === 'not-measured') return [section(missingText('Actions of the last 24 h', data.actions))];
  const { results, truncated, counts } = data.actions.value;
  const others = outcomeCounts(counts, RESULT_OUTCOMES);
  const footer = others ? `Also in the audit log: ${others}.` : undefined;
  if (results.length === 0)
    return [
      section(`*Restarts and other actions, last 24 h:* none finished (audit log).${footer ? `\n${footer}` : ''}`),
    ];
  const count = `${results.length}${truncated ? '+' : ''}`;
  const title = `*Restarts and other actions, last 24 h* (${count}, from the audit log)`;
  return [
    listSection(
      title,
      results.map((r) => actionLine(r, data.tz)),
      footer,
    ),
  ];
}

function certificateBlocks(data: StatusData): KnownBlock[] {
  const title = 'Certificates expiring within 14 days';
  if (data.certificates.state === 'not-measured') return [section(missingText(title, data.certificates))];
  const c = data.certificates.value;
  const notes = [
    c.unissued.length > 0
      ? `${c.unissued.length} not issued yet (no \`status.notAfter\`, ` +
        `expiry not measured): ${certificateNames(c.unissued)}`
      : '',
    c.notReady.length > 0 ? `${c.notReady.length} not Ready: ${certificateNames(c.notReady)}` : '',
  ].filter(Boolean);
  const footer = notes.length > 0 ? notes.join('\n') : undefined;
  if (c.expiring.length === 0) {
    const none =
      c.total === 0
        ? 'no Certificates in the cluster.'
        : `none of ${c.total} Certificates expires by ` +
          `${formatDate(new Date(data.at.getTime() + c.withinDays * 86_400_000), data.tz)}.`;
    return [section(`*${title}:* ${none}${footer ? `\n${footer}` : ''}`)];
  }
  return [
    listSection(
      `*${title}: ${c.expiring.length}* of ${c.total}`,
      c.expiring.map((e) => certificateLine(e, data.tz)),
      footer,
    ),
  ];
}

function trendNote(data: StatusData): string {
  if (data.trend.state === 'not-measured') return `📈 Health trend: not measured: ${escapeMrkdwn(data.trend.reason)}`;
  const { points } = data.trend.value;
  const first = points[0]!;
  return (
    `📈 Health trend chart in the thread: ${points.length} cluster-wide ` +
    `snapshot${points.length === 1 ? '' : 's'} since ${formatTime(first.takenAt, data.tz)} (#${first.id} to ` +
    `#${points.at(-1)!.id}).`
  );
}

function provenance(data: StatusData): string {
  return [
    `Generated ${formatTime(data.at, data.tz, { seconds: true })}`,
    data.tick ? `tick ${formatTime(data.tick.at, data.tz)}` : 'on demand',
    `job ${escapeMrkdwn(data.jobId)}`,
    'health = ready ÷ (all pods − Succeeded)',
    'sections without data say so instead of guessing',
  ].join(' · ');
}
