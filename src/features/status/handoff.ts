import type { PeriodStart } from '../../contracts/commands.js';
import { UserError } from '../../errors.js';
import type { ClusterInfo } from '../../integrations/kubernetes.js';
import type { StoredRun } from '../bench/store.js';
import type { CoverageSnapshot } from '../vault/coverage-store.js';
import type { StoredSnapshot } from '../health/store.js';
import type { DataCheck } from '../health/data-services/check.js';
import { readiness, singleReplica, type Readiness } from './readiness.js';
import { collect, measured, notMeasured, type Section, type SectionContext } from './sections.js';
import { recentActions, type RecentActions } from './sections/actions.js';
import { baselineOf, type KafkaBaseline } from './sections/benchmarks.js';
import { certificateExpiry, type CertificateExpiry } from './sections/certificates.js';
import { phaseProgress, type PhaseState } from './sections/phases.js';
import { vaultCoverage, type VaultCoverage } from './sections/vault.js';
import { formatTime, zonedInstant } from './time.js';

/** A figure of the key metrics table and the measurement it was read from. */
export interface Figure {
  value: number;
  text: string;
  /** e.g. `snapshot #12 (2025-10-24 09:00:03 UTC, job health-ab12)` */
  source: string;
}

export interface KeyMetric {
  name: string;
  start?: Figure;
  end?: Figure;
  /** end − start: in percentage points, in a count, or in percent of the start (throughput). */
  change?: { delta: number; unit: 'points' | 'count' | 'percent' };
  /** Why the row has no figures. */
  missing?: string;
  note?: string;
}

export interface Period {
  since: Date;
  until: Date;
  /** As asked: `24h`, `2025-10-24`. */
  asked: string;
}

export interface HandoffData {
  cluster: ClusterInfo;
  tz: string;
  jobId: string;
  generatedAt: Date;
  period: Period;
  start?: StoredSnapshot;
  end?: StoredSnapshot;
  keyMetrics: KeyMetric[];
  readiness: Readiness;
  /** Phase task states with the period's history and applied objects: deliverables and next steps. */
  phases: Section<PhaseState>;
  actions: Section<RecentActions>;
  performance: Section<{ runs: StoredRun[]; baseline: KafkaBaseline }>;
  singleReplica: Section<{ services: StoredSnapshot['services']; snapshot: StoredSnapshot }>;
  certificates: Section<CertificateExpiry>;
  vault: Section<VaultCoverage>;
}

/** The instant a period starts: a duration back from `now`, or a date read in `tz` (or at its own offset). */
export function periodStart(spec: PeriodStart, now: Date, tz: string): Date {
  if (spec.kind === 'ago') return new Date(now.getTime() - spec.ms);
  if (spec.offsetMinutes !== undefined) {
    return new Date(
      Date.UTC(spec.year, spec.month - 1, spec.day, spec.hour, spec.minute, spec.second) - spec.offsetMinutes * 60_000,
    );
  }
  return zonedInstant(tz, spec.year, spec.month, spec.day, spec.hour, spec.minute, spec.second);
}

export const snapshotSource = (s: StoredSnapshot, tz: string): string =>
  `snapshot #${s.id} (${formatTime(s.takenAt, tz, { seconds: true })}${s.jobId ? `, job ${s.jobId}` : ''})`;

export const runSource = (r: StoredRun, tz: string): string =>
  `run #${r.id} (${formatTime(r.startedAt, tz, { seconds: true })}${r.jobId ? `, job ${r.jobId}` : ''})`;

const count = (n: number) => n.toLocaleString('en-US');

/** What the key metrics table is read from. */
export interface KeyMetricsInput {
  start?: StoredSnapshot;
  end?: StoredSnapshot;
  runs: readonly StoredRun[];
  vault: Section<VaultCoverage>;
  /** The first coverage snapshot of the period, when one was taken before this handoff's own. */
  vaultStart?: CoverageSnapshot;
  tz: string;
  since: Date;
}

/**
 * The key metrics table: start = the first snapshot (run) at or after the period start, end = the
 * latest. Every figure carries its source; a row without data says why instead of showing a number.
 */
export function keyMetrics(input: KeyMetricsInput): KeyMetric[] {
  return [
    ...snapshotMetrics(input),
    ...dataServiceMetrics(input),
    vaultCoverageMetric(input),
    kafkaThroughputMetric(input),
  ];
}

/**
 * The Data services rows, from the same first and latest snapshots: checks passing of those measured, and checks
 * failing. A snapshot taken without data checks (before they existed) gives the row's reason instead of a number.
 */
function dataServiceMetrics(input: KeyMetricsInput): KeyMetric[] {
  const { start, end, tz } = input;
  // No snapshot of the period has data checks (none in the catalogue, or taken before them): no rows to show.
  if (start === undefined || end === undefined || (start.dataServices ?? end.dataServices) === undefined) return [];
  const row = (name: string, read: (checks: DataCheck[]) => { value: number; text: string }): KeyMetric => {
    if (start.dataServices === undefined || end.dataServices === undefined)
      return { name, missing: 'a snapshot of the period was taken without data checks' };
    const a = read(start.dataServices);
    const b = read(end.dataServices);
    return {
      name,
      start: { ...a, source: snapshotSource(start, tz) },
      end: { ...b, source: snapshotSource(end, tz) },
      change: { delta: b.value - a.value, unit: 'count' },
      ...(start.id === end.id ? { note: 'one snapshot in the period: start and end are the same' } : {}),
    };
  };
  const count = (checks: DataCheck[], state: DataCheck['state']) => checks.filter((c) => c.state === state).length;
  return [
    row('Data checks passing', (checks) => {
      const ok = count(checks, 'ok');
      const measuredChecks = checks.length - count(checks, 'not-measured');
      return { value: ok, text: `${ok}/${measuredChecks}` };
    }),
    row('Data checks failing', (checks) => {
      const failed = checks.filter((c) => c.state === 'failed');
      const kinds = [...new Set(failed.map((c) => c.kind))].join(', ');
      return { value: failed.length, text: `${failed.length}${kinds ? ` (${kinds})` : ''}` };
    }),
  ];
}

/** The rows read from the period's first and latest health snapshots. */
function snapshotMetrics(input: KeyMetricsInput): KeyMetric[] {
  const { start, end, tz } = input;
  const noSnapshot =
    `no cluster-wide health snapshot since ${formatTime(input.since, tz)} (\`/carbon health\` ` +
    'or the daily post takes one)';
  const fromSnapshots = (
    name: string,
    read: (s: StoredSnapshot) => { value: number; text: string } | undefined,
    unit: 'points' | 'count',
  ): KeyMetric => {
    if (start === undefined || end === undefined) return { name, missing: noSnapshot };
    const a = read(start);
    const b = read(end);
    if (a === undefined || b === undefined) return { name, missing: 'no pods counted in a snapshot of the period' };
    return {
      name,
      start: { ...a, source: snapshotSource(start, tz) },
      end: { ...b, source: snapshotSource(end, tz) },
      change: { delta: b.value - a.value, unit },
      ...(start.id === end.id ? { note: 'one snapshot in the period: start and end are the same' } : {}),
    };
  };
  return [
    fromSnapshots(
      'Platform health',
      (s) => (s.healthPct === null ? undefined : { value: s.healthPct, text: `${s.healthPct.toFixed(1)}%` }),
      'points',
    ),
    fromSnapshots('Ready pods', (s) => ({ value: s.podsReady, text: count(s.podsReady) }), 'count'),
    fromSnapshots('Pods (all − Succeeded)', (s) => ({ value: s.podsCounted, text: count(s.podsCounted) }), 'count'),
    fromSnapshots(
      'Critical services up',
      (s) => {
        const critical = s.services.filter((x) => x.critical);
        const up = critical.filter((x) => x.status === 'up').length;
        return { value: up, text: `${up}/${critical.length}` };
      },
      'count',
    ),
  ];
}

/** Vault coverage now (measured for this handoff) against the period's first coverage snapshot. */
function vaultCoverageMetric(input: KeyMetricsInput): KeyMetric {
  const { tz } = input;
  if (input.vault.state === 'not-measured') return { name: 'Vault coverage', missing: input.vault.reason };
  const v = input.vault.value;
  const coverage = (inVault: number, total: number, source: string): Figure => {
    const pct = total === 0 ? 0 : Math.round((inVault / total) * 1000) / 10;
    return { value: pct, text: `${pct.toFixed(1)}% (${inVault}/${total})`, source };
  };
  const end = coverage(
    v.migrated,
    v.total,
    `coverage${v.snapshotId ? ` snapshot #${v.snapshotId}` : ''} ` +
      `(${formatTime(v.measuredAt, tz, { seconds: true })}, measured for this handoff)`,
  );
  const s0 = input.vaultStart;
  const start = s0
    ? coverage(
        s0.inVault,
        s0.total,
        `coverage snapshot #${s0.id} (${formatTime(s0.takenAt, tz, { seconds: true })}` +
          `${s0.jobId ? `, job ${s0.jobId}` : ''})`,
      )
    : end;
  return {
    name: 'Vault coverage',
    start,
    end,
    change: { delta: end.value - start.value, unit: 'points' },
    ...(s0 ? {} : { note: 'no coverage was measured earlier in the period: start and end are the same measurement' }),
  };
}

/** Kafka throughput of the period's first benchmark run against its last. */
function kafkaThroughputMetric(input: KeyMetricsInput): KeyMetric {
  const { runs, tz } = input;
  if (runs.length === 0)
    return {
      name: 'Kafka throughput',
      missing: `no Kafka benchmark run since ${formatTime(input.since, tz)} (\`/carbon bench kafka\`)`,
    };
  const first = runs[0]!;
  const last = runs.at(-1)!;
  const figure = (r: StoredRun): Figure => ({
    value: r.recordsPerSec,
    text: `${count(Math.round(r.recordsPerSec))}/s`,
    source: runSource(r, tz),
  });
  const comparable =
    JSON.stringify(first.params) === JSON.stringify(last.params) && first.brokers.join() === last.brokers.join();
  return {
    name: 'Kafka throughput',
    start: figure(first),
    end: figure(last),
    change: { delta: ((last.recordsPerSec - first.recordsPerSec) / first.recordsPerSec) * 100, unit: 'percent' },
    ...(first.id === last.id
      ? { note: 'one run in the period: start and end are the same' }
      : !comparable
        ? { note: 'the two runs used different parameters or brokers: not comparable' }
        : {}),
  };
}

/** Reads everything a handoff needs for the period; each source separately, a missing one reported. */
export async function composeHandoff(
  ctx: SectionContext,
  input: { since: PeriodStart; tz: string; progress?: (text: string) => Promise<void> },
): Promise<HandoffData> {
  const { store, cluster, config } = ctx;
  const until = ctx.now;
  const since = periodStart(input.since, until, input.tz);
  if (since.getTime() >= until.getTime())
    throw new UserError(
      `The period would start ${formatTime(since, input.tz)}, which is not in the past. ` +
        'Give a duration like 24h or an earlier date.',
    );
  const period: Period = { since, until, asked: input.since.text };
  await input.progress?.('Reading snapshots, benchmark runs, the audit log, phases, Vault coverage and certificates…');
  // The period's first coverage snapshot is read before this handoff records its own.
  const vaultStart = await store.vaultCoverage.firstFrom(cluster.name, since, until);
  const [start, latest, runs, recentRun, actions, certificates, vault, phases] = await Promise.all([
    store.health.firstFrom(cluster.name, since, until),
    store.health.latest(cluster.name, until),
    store.benchmarks.between(since, until, 200, cluster.name),
    // The readiness check compares the latest run made like the baseline against the configured Kafka.
    store.benchmarks.latestBaseline(config.KAFKA_BROKERS, { cluster: cluster.name, until }),
    collect(recentActions, ctx, { since, until }),
    collect(certificateExpiry, ctx, { withinDays: 14 }),
    collect(vaultCoverage, ctx, {}),
    collect(phaseProgress, ctx, { since, until }),
  ]);
  const end =
    latest !== undefined && start !== undefined && latest.takenAt.getTime() >= since.getTime() ? latest : undefined;
  const baseline = baselineOf(config);
  const single: HandoffData['singleReplica'] =
    latest === undefined
      ? notMeasured('no cluster-wide health snapshot yet.')
      : measured({ services: singleReplica(latest), snapshot: latest });
  return {
    cluster,
    tz: input.tz,
    jobId: ctx.jobId,
    generatedAt: until,
    period,
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    keyMetrics: keyMetrics({
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
      runs,
      vault,
      ...(vaultStart ? { vaultStart } : {}),
      tz: input.tz,
      since,
    }),
    readiness: readiness({
      tz: input.tz,
      ...(latest ? { snapshot: latest } : {}),
      ...(recentRun ? { latestRun: recentRun } : {}),
      baseline,
      certificates,
      vault,
      phases,
    }),
    phases,
    actions,
    performance:
      runs.length === 0
        ? notMeasured(`no Kafka benchmark run in the period (\`/carbon bench kafka\`).`)
        : measured({ runs, baseline }),
    singleReplica: single,
    certificates,
    vault,
  };
}
