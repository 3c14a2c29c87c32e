import type { HandoffCommand, PeriodStart } from '../../src/contracts/commands.js';
import { COMMANDS } from '../../src/app/commands.js';
import type { HealthReport, ServiceState } from '../../src/features/health/measure.js';
import { keyMetrics, type HandoffData } from '../../src/features/status/handoff.js';
import { readiness, singleReplica } from '../../src/features/status/readiness.js';
import { measured, notMeasured } from '../../src/features/status/sections.js';
import type { KafkaBaseline } from '../../src/features/status/sections/benchmarks.js';
import { expiryOf } from '../../src/features/status/sections/certificates.js';
import type { StatusData } from '../../src/features/status/status-data.js';
import type { AuditRow } from '../../src/store/audit-log.js';
import type { StoredRun } from '../../src/features/bench/store.js';
import type { StoredSnapshot } from '../../src/features/health/store.js';
import type { PhaseProgress, TaskStatus } from '../../src/features/phases/store.js';
import type { PhaseState } from '../../src/features/status/sections/phases.js';

/** Data for the status and handoff renderers' unit tests: realistic, and every figure known. */

const utc = (text: string) => new Date(`${text}Z`);

export const parseHandoffSince = (args: string): PeriodStart =>
  (COMMANDS.parse(`handoff ${args}`) as HandoffCommand).since;

export const baseline: KafkaBaseline = { recordsPerSec: 7153, mbPerSec: 6.99, avgLatencyMs: 2.4, p95: 3.5 };

/** 14 critical services, all up; the last 10 with a single replica (as in the demo catalogue). */
export function services(up = 14): ServiceState[] {
  return Array.from({ length: 14 }, (_, i) => {
    const desired = i < 4 ? 3 : 1;
    const isUp = i < up;
    return {
      name: `svc-${String(i).padStart(2, '0')}`,
      namespace: 'data-platform',
      workload: `deployment/svc-${i}`,
      critical: true,
      ready: isUp ? desired : 0,
      desired,
      status: isUp ? 'up' : 'down',
    } satisfies ServiceState;
  });
}

export function snapshot(input: {
  id: string;
  at: string;
  ready: number;
  counted: number;
  up: number;
  crashLoop?: number;
}): StoredSnapshot {
  return {
    id: input.id,
    takenAt: utc(input.at),
    healthPct: Math.round((input.ready / input.counted) * 1000) / 10,
    podsReady: input.ready,
    podsCounted: input.counted,
    cluster: '254carbon-demo',
    simulated: true,
    podsTotal: input.counted + 4,
    podsSucceeded: 4,
    services: services(input.up),
    problems: input.crashLoop ? [{ reason: 'CrashLoopBackOff', count: input.crashLoop, restarts: 10 }] : [],
    namespaces: [],
    jobId: `health-${input.id}`,
  };
}

export function run(input: { id: string; rps: number; at?: string }): StoredRun {
  return {
    id: input.id,
    startedAt: utc(input.at ?? '2025-10-26T08:00:00'),
    brokers: ['kafka-0:9092'],
    params: { records: 100_000, recordSize: 1024, throughput: -1, acks: -1, partitions: 3 },
    records: 100_000,
    recordsPerSec: input.rps,
    mbPerSec: (input.rps * 1024) / 2 ** 20,
    avgLatencyMs: 2.5,
    maxLatencyMs: 40,
    p50: 2,
    p95: 4,
    p99: 9,
    p999: 30,
    requestedBy: 'U0OPERATOR',
    jobId: `bench-kafka-${input.id}`,
  };
}

export function action(overrides: Partial<AuditRow> = {}): AuditRow {
  return {
    id: '42',
    at: utc('2025-10-26T10:00:00'),
    actor: 'U0OPERATOR',
    approver: 'U0APPROVER',
    action: 'restart',
    command: 'restart deployment/trino-coordinator -n data-platform',
    target: 'data-platform/deployment/trino-coordinator',
    outcome: 'succeeded',
    detail: '1 of 1 pods updated and ready in 2.0 s',
    jobId: 'restart-rollout-1',
    requestId: 'hqu57um2',
    ...overrides,
  };
}

function report(): HealthReport {
  return {
    cluster: { name: '254carbon-demo', simulated: true },
    takenAt: utc('2025-10-27T09:00:03'),
    pods: { total: 144, succeeded: 4, counted: 140, ready: 127 },
    healthPct: 90.7,
    services: services(14),
    problems: [
      { reason: 'CrashLoopBackOff', count: 8, restarts: 40, pods: [] },
      { reason: 'Pending', count: 5, restarts: 0, pods: [] },
    ],
    namespaces: [],
  };
}

export function statusData(overrides: Partial<StatusData> & { late?: boolean } = {}): StatusData {
  const { late, ...rest } = overrides;
  const tickAt = utc('2025-10-27T09:00:00');
  const at = late ? utc('2025-10-27T12:20:00') : utc('2025-10-27T09:00:03');
  return {
    cluster: { name: '254carbon-demo', simulated: true },
    at,
    tz: 'UTC',
    jobId: `repeat:status-daily:${tickAt.getTime()}`,
    tick: { at: tickAt, late: late === true },
    health: measured({
      report: report(),
      snapshotId: '7',
      baseline: {
        snapshot: { id: '1', takenAt: utc('2025-10-24T09:00:00'), healthPct: 76.6, podsReady: 118, podsCounted: 154 },
        label: 'the previous daily post',
      },
    }),
    phases: notMeasured('no phase runbooks are defined (RUNBOOKS_DIR holds none).'),
    benchmarks: measured({ runs: [run({ id: '3', rps: 7010 })], baseline }),
    vault: notMeasured('no secret-looking ConfigMap keys were found and none were migrated: nothing to cover.'),
    actions: measured({
      since: utc('2025-10-26T09:00:00'),
      until: at,
      results: [action()],
      truncated: false,
      counts: { succeeded: 1, requested: 1, denied: 2 },
    }),
    certificates: measured(
      expiryOf(
        [
          { namespace: 'data-platform', name: 'trino-tls', notAfter: utc('2025-11-03T12:00:00'), ready: true },
          { namespace: 'data-platform', name: 'portal-tls', notAfter: utc('2026-01-20T09:00:00'), ready: true },
        ],
        at,
        14,
      ),
    ),
    trend: measured({
      since: utc('2025-10-13T09:00:00'),
      points: [
        { id: '1', takenAt: utc('2025-10-24T09:00:00'), healthPct: 76.6, podsReady: 118, podsCounted: 154 },
        { id: '7', takenAt: utc('2025-10-27T09:00:03'), healthPct: 90.7, podsReady: 127, podsCounted: 140 },
      ],
    }),
    ...rest,
  };
}

export function handoffData(overrides: Partial<HandoffData> & { runs?: StoredRun[] } = {}): HandoffData {
  const { runs: runList, ...rest } = overrides;
  const since = utc('2025-10-24T08:00:00');
  const until = utc('2025-10-27T08:00:00');
  const start = snapshot({ id: '11', at: '2025-10-24T09:00:00', ready: 118, counted: 154, up: 14 });
  const end = snapshot({ id: '19', at: '2025-10-25T09:00:00', ready: 127, counted: 140, up: 14 });
  const runs = runList ?? [run({ id: '3', rps: 7010.5 }), run({ id: '5', rps: 7200, at: '2025-10-26T20:00:00' })];
  const certificates = notMeasured(
    'this cluster does not serve certificates.cert-manager.io/v1 (cert-manager is not installed).',
  );
  const vault = notMeasured('no secret-looking ConfigMap keys were found and none were migrated: nothing to cover.');
  const phases = notMeasured('no phase runbooks are defined (RUNBOOKS_DIR holds none).');
  return {
    cluster: { name: '254carbon-demo', simulated: true },
    tz: 'UTC',
    jobId: 'handoff-1234',
    generatedAt: until,
    period: { since, until, asked: '3d' },
    start,
    end,
    keyMetrics: keyMetrics({ start, end, runs, vault, tz: 'UTC', since }),
    readiness: readiness({ tz: 'UTC', snapshot: end, latestRun: runs.at(-1)!, baseline, certificates, vault, phases }),
    phases,
    actions: measured({ since, until, results: [action()], truncated: false, counts: { succeeded: 1 } }),
    performance: measured({ runs, baseline }),
    singleReplica: measured({ services: singleReplica(end), snapshot: end }),
    certificates,
    vault,
    ...rest,
  };
}

const task = (
  phase: number,
  id: string,
  title: string,
  kind: TaskStatus['kind'],
  state: TaskStatus['state'],
  extra: Partial<TaskStatus> = {},
): TaskStatus => ({
  phase,
  task: id,
  title,
  kind,
  after: [],
  state,
  ...extra,
});

function phase(number: number, title: string, tasks: TaskStatus[]): PhaseProgress {
  const done = tasks.filter((t) => t.state === 'done').length;
  return { phase: number, title, total: tasks.length, done, pct: Math.round((done / tasks.length) * 1000) / 10, tasks };
}

/** Phase 1 at 90% (9 of 10), phase 4 with a failed check, objects applied and tasks done in the period. */
export function phaseState(): PhaseState {
  const verified = { checkedAt: utc('2025-10-25T10:00:00'), by: 'U0OPERATOR', jobId: 'phase-verify-1' };
  return {
    phases: [
      phase(1, 'Infrastructure Stabilization', [
        ...Array.from({ length: 9 }, (_, i) => task(1, `t${i}`, `Task ${i}`, 'apply', 'done')),
        task(1, 'vault-unsealed', 'Vault initialized and unsealed', 'check', 'done', {
          ...verified,
          detail: 'initialized, unsealed',
        }),
        task(1, 'mirror-images', 'Mirror the critical images', 'job', 'pending'),
      ]),
      phase(4, 'Platform Stabilization & Hardening', [
        task(4, 'pdbs', 'PodDisruptionBudgets for critical services', 'apply', 'done'),
        task(4, 'no-crashloop', 'No CrashLoopBackOff in data-platform', 'check', 'failed', {
          ...verified,
          detail: '13 pods in CrashLoopBackOff',
        }),
        task(4, 'cleanup', 'Delete failed pods of non-critical workloads', 'cleanup', 'pending'),
      ]),
    ],
    history: [
      {
        at: utc('2025-10-25T09:30:00'),
        cluster: '254carbon-demo',
        phase: 4,
        task: 'pdbs',
        state: 'running',
        previous: 'pending',
        by: 'U0OPERATOR',
        jobId: 'phase-apply-1',
      },
      {
        at: utc('2025-10-25T09:31:00'),
        cluster: '254carbon-demo',
        phase: 4,
        task: 'pdbs',
        state: 'done',
        previous: 'running',
        by: 'U0OPERATOR',
        jobId: 'phase-apply-1',
      },
      {
        at: utc('2025-10-25T10:00:00'),
        cluster: '254carbon-demo',
        phase: 4,
        task: 'no-crashloop',
        state: 'failed',
        previous: 'pending',
        by: 'U0OPERATOR',
        jobId: 'phase-verify-1',
      },
    ],
    objects: [
      ...Array.from({ length: 8 }, (_, i) => ({
        cluster: '254carbon-demo',
        phase: 4,
        task: 'pdbs',
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        name: `pdb-${i}`,
        action: 'created' as const,
        by: 'U0OPERATOR',
      })),
      {
        cluster: '254carbon-demo',
        phase: 4,
        task: 'quotas',
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        name: 'q',
        action: 'changed' as const,
        by: 'U0OPERATOR',
      },
      {
        cluster: '254carbon-demo',
        phase: 4,
        task: 'quotas',
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        name: 'r',
        action: 'unchanged' as const,
        by: 'U0OPERATOR',
      },
    ],
  };
}
