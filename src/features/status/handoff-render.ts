import type { KnownBlock } from '@slack/types';
import type { HandoffData, KeyMetric } from './handoff.js';
import type { Readiness } from './readiness.js';
import type { Section } from './sections.js';
import { RESULT_OUTCOMES } from './sections/actions.js';
import { formatTime } from './time.js';
import { capBlocks, clip, context, header, section, table, type Message } from '../../message.js';
import {
  actionLine,
  benchmarkLine,
  certificateLine,
  certificateNames,
  listSection,
  MARKDOWN,
  outcomeCounts,
  signed,
  SLACK,
  type Flavor,
} from './render-parts.js';

/**
 * The handoff summary (the seed's executive summary, computed): the same content twice, as Block Kit
 * for the channel and as Markdown for the uploaded file. Pure.
 */

interface Part {
  title: string;
  lines: string[];
  footer?: string;
}

const COLUMNS = ['METRIC', 'START', 'END', 'CHANGE'];

export function formatChange(change: KeyMetric['change']): string {
  if (change === undefined) return '—';
  switch (change.unit) {
    case 'points':
      return `${signed(change.delta)} points`;
    case 'percent':
      return `${signed(change.delta)}%`;
    default:
      return signed(change.delta, 0);
  }
}

function keyRows(data: HandoffData): string[][] {
  return data.keyMetrics.map((m) => [
    m.name,
    m.start?.text ?? (m.missing ? 'not measured' : '—'),
    m.end?.text ?? (m.missing ? 'not measured' : '—'),
    m.missing && !m.end ? '—' : formatChange(m.change),
  ]);
}

/** Where each row's figures come from, one line per source, and why a row has none. */
function keyNotes(data: HandoffData, f: Flavor): string[] {
  const notes: string[] = [];
  const snapshotRows = data.keyMetrics.filter(
    (m) => m.start?.source.startsWith('snapshot') && m.end?.source.startsWith('snapshot'),
  );
  if (snapshotRows.length > 0) {
    const first = snapshotRows[0]!;
    notes.push(
      `${snapshotRows.map((m) => m.name).join(', ')}: start = ${f.text(first.start!.source)}, ` +
        `end = ${f.text(first.end!.source)}.`,
    );
    if (first.note) notes.push(`${f.text(first.note)}.`);
  }
  for (const m of data.keyMetrics.filter((x) => !snapshotRows.includes(x))) {
    if (m.start || m.end) {
      const sources = [m.start && `start = ${f.text(m.start.source)}`, m.end && `end = ${f.text(m.end.source)}`]
        .filter(Boolean)
        .join(', ');
      notes.push(`${m.name}: ${sources}${m.note ? ` (${f.text(m.note)})` : ''}.`);
    } else if (m.missing) {
      notes.push(`${m.name}: not measured: ${f.text(m.missing)}`);
    }
  }
  notes.push(
    'Health = ready pods ÷ (all pods − Succeeded). ' +
      'Start = the first snapshot or run at or after the period start; end = the latest.',
  );
  return notes;
}

function readinessPart(r: Readiness, f: Flavor): Part {
  const icon = { pass: '✅', fail: '❌', 'not-measured': '❔' } as const;
  const unmeasured = r.checks.length - r.measured;
  const title =
    r.score === undefined
      ? `${f.bold('Production readiness score: not measured')} (no readiness check could be evaluated)`
      : `${f.bold(`Production readiness score: ${r.score}%`)} = ${r.passing} of ${r.measured} measured ` +
        'readiness checks passing';
  const formula =
    'Formula: checks passing ÷ checks measured' +
    `${unmeasured > 0 ? `; ${unmeasured} not measured, left out of both` : ''}. The checks:`;
  return {
    title: `${title}\n${formula}`,
    lines: r.checks.map(
      (c) =>
        `${icon[c.state]} ${f.text(c.name)}: ${c.state === 'not-measured' ? 'not measured: ' : ''}${f.text(c.detail)}`,
    ),
  };
}

function missingPart(title: string, section: Extract<Section<unknown>, { state: 'not-measured' }>, f: Flavor): Part {
  return { title: f.bold(title), lines: [`Not measured: ${f.text(section.reason)}`] };
}

function deliverablesPart(data: HandoffData, f: Flavor): Part {
  const title = 'Deliverables';
  if (data.phases.state === 'not-measured') return missingPart(title, data.phases, f);
  const { phases, history, objects } = data.phases.value;
  const titles = new Map(phases.flatMap((p) => p.tasks.map((t) => [`${p.phase}/${t.task}`, t.title] as const)));
  // A task completed in the period: its latest change in the period made it done.
  const latest = new Map<string, (typeof history)[number]>();
  for (const event of history) latest.set(`${event.phase}/${event.task}`, event);
  const done = [...latest.values()].filter((e) => e.state === 'done');
  const byKind = new Map<string, Partial<Record<string, number>>>();
  for (const o of objects.filter((x) => x.action !== 'unchanged')) {
    const counts = byKind.get(o.kind) ?? {};
    counts[o.action] = (counts[o.action] ?? 0) + 1;
    byKind.set(o.kind, counts);
  }
  const kinds = [...byKind.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, counts]) => {
      const n = Object.values(counts).reduce((sum: number, c) => sum + (c ?? 0), 0);
      return `${n} ${f.text(kind)} (${Object.entries(counts)
        .map(([action, c]) => `${c} ${action}`)
        .join(', ')})`;
    });
  const unchanged = objects.filter((o) => o.action === 'unchanged').length;
  return {
    title: `${f.bold(title)}: ${done.length} task${done.length === 1 ? '' : 's'} completed in the period`,
    lines: [
      ...done.map(
        (e) =>
          `✅ Phase ${e.phase} · ${f.text(titles.get(`${e.phase}/${e.task}`) ?? e.task)} ` +
          `(${formatTime(e.at, data.tz)}, by ${f.user(e.by)}${e.jobId ? `, job ${f.text(e.jobId)}` : ''})`,
      ),
      kinds.length > 0
        ? `Objects applied by kind: ${kinds.join(', ')}${unchanged > 0 ? `; ${unchanged} applied unchanged` : ''}`
        : 'Objects applied: none in the period.',
    ],
    footer: 'From the phase task history and the objects phase applies recorded (PostgreSQL).',
  };
}

function actionsPart(data: HandoffData, f: Flavor): Part {
  const title = 'Actions';
  if (data.actions.state === 'not-measured') return missingPart(title, data.actions, f);
  const { results, truncated, counts } = data.actions.value;
  const others = outcomeCounts(counts, RESULT_OUTCOMES);
  return {
    title:
      `${f.bold(title)}: ${results.length}${truncated ? '+' : ''} finished in the period (audit log: who, ` +
      'what, when, result)',
    lines: results.length === 0 ? ['None finished in the period.'] : results.map((r) => actionLine(r, data.tz, f)),
    ...(others ? { footer: `Also in the audit log: ${others}.` } : {}),
  };
}

function performancePart(data: HandoffData, f: Flavor): Part {
  const title = 'Performance';
  if (data.performance.state === 'not-measured') return missingPart(title, data.performance, f);
  const { runs, baseline } = data.performance.value;
  return {
    title: `${f.bold(title)}: ${runs.length} Kafka benchmark run${runs.length === 1 ? '' : 's'} in the period`,
    lines: runs.map((r) => `• ${benchmarkLine(r, baseline, data.tz, f)}`),
  };
}

function risksPart(data: HandoffData, f: Flavor): Part {
  const lines: string[] = [];
  const failing = data.readiness.checks.filter((c) => c.state === 'fail');
  if (failing.length === 0)
    lines.push(
      'No measured readiness check fails' +
        `${data.readiness.measured < data.readiness.checks.length ? ' (some are not measured, see above)' : ''}.`,
    );
  for (const c of failing) lines.push(`❌ Failing check: ${f.text(c.name)}: ${f.text(c.detail)}`);

  if (data.singleReplica.state === 'not-measured')
    lines.push(`Single-replica critical services: not measured: ${f.text(data.singleReplica.reason)}`);
  else {
    const { services, snapshot } = data.singleReplica.value;
    const from = `snapshot #${snapshot.id}, ${formatTime(snapshot.takenAt, data.tz)}`;
    lines.push(
      services.length === 0
        ? `Single-replica critical services: none (${from}).`
        : `⚠️ Single-replica critical services (${services.length}): ` +
            `${services.map((s) => `${f.text(s.name)} (${f.text(s.workload)} ${s.ready}/${s.desired})`).join(', ')} ` +
            `(${from}).`,
    );
  }

  // The latest snapshot's failing data checks (a service ❌ with its pods ready); nothing when it has no data checks.
  if (data.singleReplica.state === 'measured') {
    const { snapshot } = data.singleReplica.value;
    const failed = (snapshot.dataServices ?? []).filter((c) => c.state === 'failed');
    if (failed.length > 0)
      lines.push(
        `❌ Failing data checks (${failed.length}, snapshot #${snapshot.id}): ` +
          failed
            .slice(0, 8)
            .map((c) => `${f.text(c.target)} (${c.kind}: ${f.text((c.problems ?? []).join(', '))})`)
            .join('; ') +
          `${failed.length > 8 ? ` and ${failed.length - 8} more` : ''}.`,
      );
  }

  if (data.certificates.state === 'not-measured')
    lines.push(`Certificates expiring within 14 days: not measured: ${f.text(data.certificates.reason)}`);
  else {
    const c = data.certificates.value;
    if (c.total === 0)
      lines.push('Certificates expiring within 14 days: none; the cluster has no cert-manager Certificates.');
    else if (c.expiring.length === 0) lines.push(`Certificates expiring within 14 days: none of ${c.total}.`);
    else
      lines.push(
        `⚠️ Certificates expiring within 14 days (${c.expiring.length} of ${c.total}):`,
        ...c.expiring.map((e) => certificateLine(e, data.tz, f)),
      );
    if (c.unissued.length > 0)
      lines.push(`Not issued yet (expiry not measured): ${certificateNames(c.unissued, 8, f)}.`);
  }

  if (data.vault.state === 'not-measured') lines.push(`Unmigrated secrets: not measured: ${f.text(data.vault.reason)}`);
  else {
    const v = data.vault.value;
    lines.push(
      v.unmigrated.length === 0
        ? `Unmigrated secrets: none (${v.migrated} of ${v.total} in Vault).`
        : `⚠️ Unmigrated secrets (${v.unmigrated.length}): ${v.unmigrated
            .slice(0, 8)
            .map((s) => f.code(s))
            .join(
              ', ',
            )}${v.unmigrated.length > 8 ? ` and ${v.unmigrated.length - 8} more (\`/carbon vault status\`)` : ''}.`,
    );
  }
  return { title: f.bold('Risks'), lines };
}

function nextStepsPart(data: HandoffData, f: Flavor): Part {
  const title = 'Next steps';
  if (data.phases.state === 'not-measured') return missingPart(title, data.phases, f);
  const pending = data.phases.value.phases.flatMap((p) => p.tasks.filter((t) => t.state !== 'done'));
  const lines = pending.map((t, i) => {
    const why = t.state === 'pending' ? '' : ` (${t.state}${t.detail ? `: ${f.text(clip(t.detail, 120))}` : ''})`;
    return `${i + 1}. Phase ${t.phase} · ${f.text(t.title)}${why}`;
  });
  return {
    title: `${f.bold(title)}: ${pending.length} pending task${pending.length === 1 ? '' : 's'}, in phase order`,
    lines: pending.length === 0 ? ['Every phase task is done.'] : lines,
  };
}

function parts(data: HandoffData, f: Flavor): Part[] {
  return [
    readinessPart(data.readiness, f),
    deliverablesPart(data, f),
    actionsPart(data, f),
    performancePart(data, f),
    risksPart(data, f),
    nextStepsPart(data, f),
  ];
}

const periodLine = (data: HandoffData) =>
  `${formatTime(data.period.since, data.tz)} → ${formatTime(data.period.until, data.tz)} ` +
  `(--since ${data.period.asked})`;

const SIMULATED = '⚠️ Simulated: this is the built-in demo cluster, not a real one.';

export function renderHandoff(data: HandoffData, options: { markdownUploaded?: boolean } = {}): Message {
  const f = SLACK;
  const blocks: KnownBlock[] = [header(`Handoff · ${data.cluster.name}`)];
  if (data.cluster.simulated) blocks.push(context(SIMULATED.replace('Simulated', '*Simulated*')));
  blocks.push(section(`*Period:* ${f.text(periodLine(data))}`));
  blocks.push(table(COLUMNS, keyRows(data), '*Key metrics*'));
  blocks.push(context(keyNotes(data, f).join('\n')));
  for (const part of parts(data, f)) blocks.push(listSection(part.title, part.lines, part.footer));
  const file =
    options.markdownUploaded === false
      ? '⚠️ the Markdown file could not be uploaded (logged)'
      : 'the same summary as Markdown in the thread';
  blocks.push(
    context(
      `Generated ${formatTime(data.generatedAt, data.tz, { seconds: true })} · job ${f.text(data.jobId)} ` +
        `· ${file} · figures without data say so instead of guessing`,
    ),
  );
  const health = data.keyMetrics[0];
  const headline =
    health?.start && health.end
      ? `platform health ${health.start.text} → ${health.end.text}`
      : 'platform health not measured in the period';
  return {
    text:
      `Handoff · ${data.cluster.name} · ${periodLine(data)}: ` +
      `${headline}${data.cluster.simulated ? ' [simulated demo cluster]' : ''}`,
    blocks: capBlocks(blocks),
  };
}

/** The handoff as a Markdown document, for the uploaded file. */
export function handoffMarkdown(data: HandoffData): string {
  const f = MARKDOWN;
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const out: string[] = [`# Handoff: ${f.text(data.cluster.name)}`, ''];
  out.push(
    `**Period:** ${f.text(periodLine(data))}  `,
    `**Generated:** ${formatTime(data.generatedAt, data.tz, { seconds: true })}, job ${f.text(data.jobId)}`,
    '',
  );
  if (data.cluster.simulated) out.push(`> ${SIMULATED}`, '');
  out.push('## Key Metrics', '', `| Metric | Start | End | Change |`, '|---|---:|---:|---:|');
  for (const row of keyRows(data)) out.push(`| ${row.map(cell).join(' | ')} |`);
  out.push('', ...keyNotes(data, f).map((n) => `- ${n}`), '');
  for (const part of parts(data, f)) {
    const [first, ...rest] = part.title.split('\n');
    out.push(`## ${first!.replace(/\*\*/g, '')}`, '', ...rest.map((r) => `${r}`), ...(rest.length > 0 ? [''] : []));
    out.push(...part.lines.map((l) => (/^(\d+\.|•|- )/.test(l) ? l.replace(/^• /, '- ') : `- ${l}`)));
    if (part.footer) out.push('', part.footer);
    out.push('');
  }
  return out.join('\n');
}
