import { BASELINE_WORDS, type StoredRun } from '../bench/store.js';
import type { StoredSnapshot } from '../health/store.js';
import type { Section } from './sections.js';
import type { KafkaBaseline } from './sections/benchmarks.js';
import type { CertificateExpiry } from './sections/certificates.js';
import type { PhaseState } from './sections/phases.js';
import type { VaultCoverage } from './sections/vault.js';
import { formatTime } from './time.js';

/** The platform health the seed reports set as the production target ("95%+ platform health"). */
export const HEALTH_TARGET_PCT = 95;

export interface ReadinessCheck {
  name: string;
  state: 'pass' | 'fail' | 'not-measured';
  /** The figure and where it came from, or why it is not measured. */
  detail: string;
}

export interface Readiness {
  checks: ReadinessCheck[];
  passing: number;
  /** Checks that could be evaluated: the score's denominator. */
  measured: number;
  /** passing ÷ measured in percent, rounded; undefined when nothing could be measured. */
  score?: number;
}

export interface ReadinessInputs {
  tz: string;
  /** The latest cluster-wide snapshot. */
  snapshot?: StoredSnapshot;
  /** The latest Kafka benchmark run made like the baseline (Benchmarks.latestBaseline) against KAFKA_BROKERS. */
  latestRun?: StoredRun;
  baseline: KafkaBaseline;
  certificates: Section<CertificateExpiry>;
  vault: Section<VaultCoverage>;
  phases: Section<PhaseState>;
}

const pass = (name: string, ok: boolean, detail: string): ReadinessCheck => ({
  name,
  state: ok ? 'pass' : 'fail',
  detail,
});
const missing = (name: string, detail: string): ReadinessCheck => ({ name, state: 'not-measured', detail });

/**
 * The production readiness checks, each measured or not. The score is only ever the share of measured
 * checks passing, shown with the list: a check without data is listed as such and left out of both.
 */
export function readiness(input: ReadinessInputs): Readiness {
  return scored([
    ...snapshotChecks(input),
    kafkaCheck(input),
    certificateCheck(input),
    vaultCheck(input),
    ...phaseChecks(input),
  ]);
}

/** The checks read from the latest cluster-wide health snapshot. */
function snapshotChecks({ snapshot, tz }: ReadinessInputs): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [];
  const snap = snapshot ? `snapshot #${snapshot.id}, ${formatTime(snapshot.takenAt, tz)}` : '';
  const noSnapshot = 'no cluster-wide health snapshot yet';

  const healthName = `Platform health ≥ ${HEALTH_TARGET_PCT}%`;
  if (snapshot?.healthPct === null || snapshot === undefined)
    checks.push(missing(healthName, snapshot ? `no pods counted (${snap})` : noSnapshot));
  else
    checks.push(
      pass(healthName, snapshot.healthPct >= HEALTH_TARGET_PCT, `${snapshot.healthPct.toFixed(1)}% (${snap})`),
    );

  const critical = snapshot?.services.filter((s) => s.critical) ?? [];
  const upName = 'Every critical service fully up';
  if (snapshot === undefined) checks.push(missing(upName, noSnapshot));
  else {
    const down = critical.filter((s) => s.status !== 'up');
    checks.push(
      pass(
        upName,
        down.length === 0,
        down.length === 0
          ? `${critical.length} of ${critical.length} up (${snap})`
          : `not up: ${down.map((s) => `${s.name} ${s.ready}/${s.desired}`).join(', ')} (${snap})`,
      ),
    );
  }

  const haName = 'Every critical service runs 2 or more replicas';
  if (snapshot === undefined) checks.push(missing(haName, noSnapshot));
  else {
    const single = singleReplica(snapshot);
    checks.push(
      pass(
        haName,
        single.length === 0,
        single.length === 0
          ? `all ${critical.length} do (${snap})`
          : `single replica: ${single.map((s) => s.name).join(', ')} (${snap})`,
      ),
    );
  }

  const crashName = 'No pod in CrashLoopBackOff';
  if (snapshot === undefined) checks.push(missing(crashName, noSnapshot));
  else {
    const crashing = snapshot.problems.find((p) => p.reason === 'CrashLoopBackOff')?.count ?? 0;
    checks.push(
      pass(crashName, crashing === 0, `${crashing} pod${crashing === 1 ? '' : 's'} in CrashLoopBackOff (${snap})`),
    );
  }
  return checks;
}

/** The latest Kafka benchmark run made like the baseline, against the baseline's throughput. */
function kafkaCheck({ latestRun: run, baseline, tz }: ReadinessInputs): ReadinessCheck {
  const kafkaName = `Kafka throughput ≥ the baseline ${baseline.recordsPerSec.toLocaleString('en-US')} records/s`;
  if (run === undefined)
    return missing(
      kafkaName,
      `no Kafka benchmark run with the baseline's parameters (${BASELINE_WORDS}) against KAFKA_BROKERS yet`,
    );
  return pass(
    kafkaName,
    run.recordsPerSec >= baseline.recordsPerSec,
    `${Math.round(run.recordsPerSec).toLocaleString('en-US')} records/s (run ` +
      `#${run.id}, ${formatTime(run.startedAt, tz)}${run.jobId ? `, job ${run.jobId}` : ''}; ` +
      `${BASELINE_WORDS}, against ${run.brokers.join(',')})`,
  );
}

function certificateCheck({ certificates }: ReadinessInputs): ReadinessCheck {
  const certName = 'No certificate expires within 14 days';
  if (certificates.state === 'not-measured') return missing(certName, certificates.reason);
  if (certificates.value.total === 0) return missing(certName, 'the cluster has no cert-manager Certificates to check');
  const c = certificates.value;
  return pass(
    certName,
    c.expiring.length === 0,
    c.expiring.length === 0
      ? `${c.total} Certificates read from the cluster`
      : `${c.expiring.length} expiring: ${c.expiring.map((e) => `${e.namespace}/${e.name}`).join(', ')}`,
  );
}

function vaultCheck({ vault }: ReadinessInputs): ReadinessCheck {
  const vaultName = 'Every secret in Vault';
  if (vault.state === 'not-measured') return missing(vaultName, vault.reason);
  const v = vault.value;
  return pass(
    vaultName,
    v.total > 0 && v.migrated === v.total,
    `${v.migrated} of ${v.total} secret-looking ConfigMap keys` +
      `${v.snapshotId ? ` (coverage snapshot #${v.snapshotId})` : ''}`,
  );
}

/** The runbooks' own readiness checks, as `phase verify` last recorded them. */
function phaseChecks({ phases, tz }: ReadinessInputs): ReadinessCheck[] {
  if (phases.state !== 'measured') return [];
  const tasks = phases.value.phases.flatMap((p) => p.tasks).filter((t) => t.kind === 'check');
  return tasks.map((task) => {
    const name = `Phase ${task.phase} check: ${task.title}`;
    const when = task.checkedAt
      ? `verified ${formatTime(task.checkedAt, tz)}${task.jobId ? `, job ${task.jobId}` : ''}`
      : '';
    const detail = [task.detail, when].filter(Boolean).join('; ');
    if (task.state === 'done' || task.state === 'failed')
      return pass(name, task.state === 'done', detail || task.state);
    return missing(
      name,
      task.state === 'pending'
        ? 'not verified yet (`/carbon phase verify N`)'
        : `${task.state}${detail ? `: ${detail}` : ''}`,
    );
  });
}

/** The checks, measured first, with the share of measured ones passing. */
function scored(checks: ReadinessCheck[]): Readiness {
  // The measured checks first (a long list is cut in Slack, never the ones the score counts).
  checks.sort((a, b) => Number(a.state === 'not-measured') - Number(b.state === 'not-measured'));
  const measured = checks.filter((c) => c.state !== 'not-measured').length;
  const passing = checks.filter((c) => c.state === 'pass').length;
  return { checks, passing, measured, ...(measured > 0 ? { score: Math.round((passing / measured) * 100) } : {}) };
}

/** Critical services that run (or want) a single replica: one pod away from an outage. */
export function singleReplica(snapshot: StoredSnapshot) {
  return snapshot.services.filter((s) => s.critical && s.status !== 'missing' && s.desired <= 1);
}
