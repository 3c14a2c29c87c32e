import type { KnownBlock } from '@slack/types';
import type { CertificateState } from '../../integrations/cert-manager.js';
import type { Section } from './sections.js';
import type { ExpiringCertificate } from './sections/certificates.js';
import type { KafkaBaseline } from './sections/benchmarks.js';
import { formatTime } from './time.js';
import type { AuditOutcome, AuditRow } from '../../store/audit-log.js';
import type { StoredRun } from '../bench/store.js';
import { clip, escapeMrkdwn, LIMITS, section } from '../../message.js';

/** Pieces shared by the status post and the handoff: one wording for a figure wherever it appears. */

/** How text is marked up: Slack mrkdwn in messages, Markdown in the uploaded handoff file. */
export interface Flavor {
  bold(text: string): string;
  code(text: string): string;
  user(id: string): string;
  /** Text that came from outside (targets, details, names): made inert. */
  text(value: string): string;
}

export const SLACK: Flavor = {
  bold: (t) => `*${t}*`,
  code: (t) => `\`${escapeMrkdwn(t.replace(/`/g, "'"))}\``,
  user: (id) => `<@${id}>`,
  text: escapeMrkdwn,
};

export const MARKDOWN: Flavor = {
  bold: (t) => `**${t}**`,
  code: (t) => `\`${t.replace(/`/g, "'")}\``,
  user: (id) => id,
  // Only what would change the document's layout: emphasis, table cells, HTML.
  text: (v) => v.replace(/([\\*_|<>])/g, '\\$1'),
};

const grouped = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const percent = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(1)}%`);

/** `+2.3`, `−1.0`, `±0.0` (a real minus sign, as the health report writes it). */
export function signed(delta: number, digits = 1): string {
  const rounded = Number(delta.toFixed(digits));
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '±';
  return `${sign}${grouped(Math.abs(rounded), digits)}`;
}

/** "not measured" wording for a section: its reason, never a number. */
export const missingText = (
  title: string,
  section: Extract<Section<unknown>, { state: 'not-measured' }>,
  f: Flavor = SLACK,
): string => `${f.bold(`${title}:`)} not measured: ${f.text(section.reason)}`;

export const recordsPerSec = (n: number) => `${grouped(n)} records/s`;

/** One benchmark run with where it came from, compared with the baseline. */
export function benchmarkLine(run: StoredRun, baseline: KafkaBaseline, tz: string, f: Flavor = SLACK): string {
  const share = Math.round((run.recordsPerSec / baseline.recordsPerSec) * 100);
  const job = run.jobId ? `, job ${f.text(run.jobId)}` : '';
  return (
    `run #${run.id} ${formatTime(run.startedAt, tz)}: ` +
    `${f.bold(recordsPerSec(run.recordsPerSec))} (${grouped(run.mbPerSec, 2)} MB/s), ` +
    `avg ${grouped(run.avgLatencyMs, 1)} ms, p95 ${run.p95} ms; ` +
    `${share}% of the baseline ${grouped(baseline.recordsPerSec)}/s` +
    ` (${grouped(run.params.records)} × ${run.params.recordSize} B, ` +
    `acks=${run.params.acks === -1 ? 'all' : run.params.acks}${job})`
  );
}

const OUTCOME_ICON: Partial<Record<AuditOutcome, string>> = {
  succeeded: '✅',
  failed: '❌',
  expired: '⌛',
  rejected: '🚫',
};

/** Who did what to which target, when, with what result, and the audit row it is read from. */
export function actionLine(row: AuditRow, tz: string, f: Flavor = SLACK): string {
  const target = row.target ? ` ${f.code(clip(row.target, 80))}` : '';
  const approver = row.approver ? `, approved by ${f.user(row.approver)}` : '';
  const detail = row.detail ? `: ${f.text(clip(row.detail, 140))}` : '';
  const refs = [
    `audit #${row.id}`,
    row.jobId && `job ${f.text(row.jobId)}`,
    row.requestId && `request ${f.text(row.requestId)}`,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    `${OUTCOME_ICON[row.outcome] ?? '•'} ${formatTime(row.at, tz)} ${f.bold(f.text(row.action))}${target} ` +
    `by ${f.user(row.actor)}${approver}: ${row.outcome}${detail} (${refs})`
  );
}

/** Counts of the audit rows that are not results: `3 requested, 1 denied`. */
export function outcomeCounts(counts: Partial<Record<AuditOutcome, number>>, skip: readonly AuditOutcome[]): string {
  return COUNT_ORDER.filter((outcome) => !skip.includes(outcome) && (counts[outcome] ?? 0) > 0)
    .map((outcome) => `${counts[outcome]} ${outcome}`)
    .join(', ');
}

/** An action's life: asked, decided, run, ended; then the refusals. */
const COUNT_ORDER: readonly AuditOutcome[] = [
  'requested',
  'approved',
  'started',
  'succeeded',
  'failed',
  'rejected',
  'expired',
  'denied',
  'refused',
];

export function certificateLine(c: ExpiringCertificate, tz: string, f: Flavor = SLACK): string {
  const when =
    c.daysLeft < 0
      ? `${f.bold('expired')} ${formatTime(c.notAfter, tz)}`
      : `expires ${formatTime(c.notAfter, tz)} (${c.daysLeft === 0 ? 'within a day' : `in ${c.daysLeft} d`})`;
  const ready = c.ready === false ? ', not Ready' : '';
  return `• ${f.code(`${c.namespace}/${c.name}`)} ${when}${ready}`;
}

export const certificateNames = (items: readonly CertificateState[], max = 8, f: Flavor = SLACK): string =>
  items
    .slice(0, max)
    .map((c) => f.code(`${c.namespace}/${c.name}`))
    .join(', ') + (items.length > max ? ` and ${items.length - max} more` : '');

/**
 * A section of bullet lines under a bold title: lines that would pass Slack's 3,000 characters are
 * left out and counted, so the message is always accepted.
 */
export function listSection(title: string, lines: readonly string[], footer?: string): KnownBlock {
  const budget = LIMITS.sectionText - 60 - (footer?.length ?? 0);
  const kept: string[] = [];
  let size = title.length;
  for (const line of lines) {
    const piece = clip(line, 600);
    if (size + piece.length + 1 > budget) break;
    kept.push(piece);
    size += piece.length + 1;
  }
  const omitted = lines.length - kept.length;
  const more = omitted > 0 ? [`… and ${omitted} more`] : [];
  return section([title, ...kept, ...more, ...(footer ? [footer] : [])].join('\n'));
}
