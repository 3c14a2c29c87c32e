import type { PhasePlan, RunResult } from '../../../src/features/phases/plan.js';
import * as phases from '../../../src/features/phases/render.js';
import type { PhaseApply } from '../../../src/features/phases/apply-store.js';
import { Runbooks } from '../../../src/features/phases/runbook.js';
import { percentage, type PhaseProgress } from '../../../src/features/phases/store.js';
import { phaseState } from '../../support/status-fixtures.js';
import { goldenModule } from '../../support/golden.js';

const at = (text: string) => new Date(`${text}Z`);

const meta = { cluster: '254carbon-demo', simulated: true, at: at('2025-10-27T09:00:00') };
const prod = { cluster: '254carbon-prod', simulated: false, at: at('2025-10-27T09:00:00') };
const progress = phaseState().phases;
const [phase1, phase4] = progress as [PhaseProgress, PhaseProgress];

/** Phase 4 planned: every object action, a cleanup with a critical pod spared, a job and a check. */
const blocked: PhasePlan = {
  phase: 4,
  title: 'Platform Stabilization & Hardening',
  cluster: '254carbon-prod',
  simulated: false,
  force: false,
  plannedAt: '2025-10-27T09:00:00.000Z',
  digest: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
  tasks: [
    {
      id: 'pdbs',
      title: 'PodDisruptionBudgets for critical services',
      after: [],
      kind: 'apply',
      createOnly: false,
      objects: [
        { key: 'PodDisruptionBudget data-platform/trino', source: 'pdbs.yaml', action: 'create' },
        {
          key: 'PodDisruptionBudget kafka/kafka',
          source: 'pdbs.yaml',
          action: 'change',
          fields: ['spec.maxUnavailable', 'metadata.labels.tier'],
        },
        {
          key: 'PodDisruptionBudget kafka/zookeeper',
          source: 'pdbs.yaml',
          action: 'conflict',
          conflicts: [{ manager: 'kubectl-client-side-apply', field: '.spec.minAvailable' }],
        },
        { key: 'PodDisruptionBudget monitoring/loki', source: 'pdbs.yaml', action: 'unchanged', adopt: true },
        { key: 'PodDisruptionBudget monitoring/grafana', source: 'pdbs.yaml', action: 'unchanged' },
        {
          key: 'PodDisruptionBudget kube-system/coredns',
          source: 'pdbs.yaml',
          action: 'error',
          error: 'namespace kube-system is not in the runbook namespaces',
        },
      ],
    },
    {
      id: 'quotas',
      title: 'ResourceQuotas',
      after: ['pdbs'],
      kind: 'apply',
      createOnly: true,
      objects: [{ key: 'ResourceQuota data-platform/compute', source: 'quotas.yaml', action: 'exists' }],
    },
    {
      id: 'cleanup',
      title: 'Delete failed pods of non-critical workloads',
      after: [],
      kind: 'cleanup',
      pods: [
        {
          namespace: 'data-platform',
          name: 'kafka-topics-init-8x2kd',
          uid: 'u1',
          reason: 'Error (exit 1)',
          owner: 'job/kafka-topics-init',
        },
      ],
      spared: [{ namespace: 'kafka', name: 'kafka-2', uid: 'u2', reason: 'OOMKilled', owner: 'statefulset/kafka' }],
    },
    {
      id: 'bench',
      title: 'Kafka baseline benchmark',
      after: ['pdbs'],
      kind: 'job',
      line: 'bench kafka --records 100000',
    },
    {
      id: 'no-crashloop',
      title: 'No CrashLoopBackOff in data-platform',
      after: ['cleanup'],
      kind: 'check',
      description: 'no pod in data-platform is in CrashLoopBackOff',
    },
  ],
};

/** The same phase with --force on a simulated cluster: the conflict is taken over, the refusal stays out. */
const forced: PhasePlan = {
  ...blocked,
  cluster: '254carbon-demo',
  simulated: true,
  force: true,
  tasks: [
    {
      id: 'pdbs',
      title: 'PodDisruptionBudgets for critical services',
      after: [],
      kind: 'apply',
      createOnly: false,
      objects: [
        {
          key: 'PodDisruptionBudget kafka/zookeeper',
          source: 'pdbs.yaml',
          action: 'change',
          fields: ['spec.minAvailable'],
          conflicts: [{ manager: 'kubectl-client-side-apply', field: '.spec.minAvailable' }],
        },
        { key: 'PodDisruptionBudget monitoring/grafana', source: 'pdbs.yaml', action: 'unchanged' },
      ],
    },
    {
      id: 'cleanup',
      title: 'Delete failed pods of non-critical workloads',
      after: [],
      kind: 'cleanup',
      pods: [],
      spared: [],
      refusal: '61 failed pods match: more than the 50 a cleanup may delete; narrow the selector',
    },
  ],
};

/** What an apply request carries: no blocker (a plan with one is never offered), --force taking a field over. */
const offered: PhasePlan = {
  ...forced,
  tasks: [
    forced.tasks[0]!,
    {
      id: 'bench',
      title: 'Kafka baseline benchmark',
      after: ['pdbs'],
      kind: 'job',
      line: 'bench kafka --records 100000',
    },
  ],
};

const apply = (over: Partial<PhaseApply> = {}): PhaseApply => ({
  id: 'p4x9k2mz',
  originJob: 'phase-apply-request-1',
  createdAt: at('2025-10-27T09:00:00'),
  expiresAt: at('2025-10-27T09:30:00'),
  requestedBy: 'U0OPERATOR',
  channel: 'C0PLATFORM',
  threadTs: '1761555600.000100',
  statusTs: '1761555600.000200',
  approvalsRequired: 1,
  approvedBy: [],
  state: 'pending',
  cluster: '254carbon-demo',
  phase: 4,
  force: true,
  plan: offered,
  ...over,
});

const applied: RunResult = {
  phase: 4,
  title: 'Platform Stabilization & Hardening',
  mode: 'apply',
  outcomes: [
    {
      id: 'pdbs',
      title: 'PodDisruptionBudgets for critical services',
      kind: 'apply',
      state: 'done',
      detail: '1 changed, 1 unchanged; in sync',
    },
    {
      id: 'cleanup',
      title: 'Delete failed pods of non-critical workloads',
      kind: 'cleanup',
      state: 'failed',
      detail: 'refused: 61 failed pods match: more than the 50 a cleanup may delete; narrow the selector',
    },
    {
      id: 'bench',
      title: 'Kafka baseline benchmark',
      kind: 'job',
      state: 'skipped',
      detail: 'not run: cleanup failed',
    },
    {
      id: 'no-crashloop',
      title: 'No CrashLoopBackOff in data-platform',
      kind: 'check',
      state: 'failed',
      detail: '13 pods in CrashLoopBackOff <see> `/carbon health`',
    },
  ],
};

const verified: RunResult = {
  phase: 1,
  title: 'Infrastructure Stabilization',
  mode: 'verify',
  outcomes: [
    {
      id: 'vault-unsealed',
      title: 'Vault initialized and unsealed',
      kind: 'check',
      state: 'done',
      detail: 'initialized, unsealed',
    },
    {
      id: 'registry-reachable',
      title: 'The image registry answers',
      kind: 'check',
      state: 'done',
      detail: '3 of 3 registry pods ready',
    },
  ],
};

/** `bench kafka` as parsed: the platform baseline's parameters. */
const benchDefaults = { records: 100_000, recordSize: 1024, throughput: -1, acks: -1, partitions: 3 } as const;

const runbooks = new Runbooks([
  {
    phase: 1,
    title: 'Infrastructure Stabilization',
    summary: 'Vault, images & <the> registry.',
    file: 'runbooks/phase-1.yaml',
    tasks: [
      {
        id: 'vault-unsealed',
        title: 'Vault unsealed',
        after: [],
        kind: 'check',
        check: { kind: 'healthAtLeast', pct: 95 },
      },
      {
        id: 'mirror-images',
        title: 'Mirror images',
        after: [],
        kind: 'job',
        line: 'bench kafka',
        command: { name: 'bench', action: 'kafka', params: benchDefaults },
      },
    ],
  },
  {
    phase: 4,
    title: 'Platform Stabilization & Hardening',
    file: 'runbooks/phase-4.yaml',
    tasks: [
      { id: 'pdbs', title: 'PDBs', after: [], kind: 'apply', manifests: ['pdbs.yaml'], objects: [], createOnly: false },
      {
        id: 'quotas',
        title: 'Quotas',
        after: [],
        kind: 'apply',
        manifests: ['quotas.yaml'],
        objects: [],
        createOnly: true,
      },
      {
        id: 'cleanup',
        title: 'Cleanup',
        after: ['pdbs'],
        kind: 'cleanup',
        targets: [{ namespace: 'data-platform', selector: 'app' }],
        maxPods: 50,
      },
      {
        id: 'no-crashloop',
        title: 'No crash loops',
        after: [],
        kind: 'check',
        check: { kind: 'criticalReplicas', min: 2 },
      },
    ],
  },
]);

export default [
  goldenModule('phases', 'features/phases/render.ts', phases, {
    progressBar: {
      'two-thirds': () => phases.progressBar(percentage(2, 3)),
      'empty-wide': () => phases.progressBar(0, 20),
      full: () => phases.progressBar(100),
    },
    dashboardBox: { 'two-phases': () => phases.dashboardBox(progress, meta) },
    dashboardMessage: {
      'with-failing-task': () => phases.dashboardMessage(progress, meta),
      'all-done-real-cluster': () =>
        phases.dashboardMessage(
          [{ ...phase1, done: phase1.total, pct: 100, tasks: phase1.tasks.map((t) => ({ ...t, state: 'done' })) }],
          prod,
        ),
      'no-runbooks': () => phases.dashboardMessage([], meta),
    },
    phaseStatusMessage: {
      'phase-4': () => phases.phaseStatusMessage(phase4, meta),
      'phase-1-real-cluster': () => phases.phaseStatusMessage(phase1, prod),
    },
    phaseListMessage: { 'two-phases': () => phases.phaseListMessage(runbooks) },
    planSummary: {
      blocked: () => phases.planSummary(blocked),
      forced: () => phases.planSummary(forced),
    },
    planBlockers: {
      blocked: () => phases.planBlockers(blocked),
      forced: () => phases.planBlockers(forced),
    },
    planMessage: {
      'blocked-every-action': () => phases.planMessage(blocked),
      'forced-simulated': () => phases.planMessage(forced),
    },
    applyPlanMessage: {
      pending: () => phases.applyPlanMessage(apply()),
      'one-task-running': () =>
        phases.applyPlanMessage(
          apply({
            task: 'pdbs',
            force: false,
            plan: { ...forced, force: false, tasks: forced.tasks.slice(0, 1) },
            state: 'running',
            approvedBy: ['U0APPROVER'],
            startedAt: at('2025-10-27T09:10:00'),
          }),
        ),
    },
    applyStatusMessage: {
      pending: () => phases.applyStatusMessage(apply()),
      failed: () =>
        phases.applyStatusMessage(
          apply({ state: 'failed', approvedBy: ['U0APPROVER'], result: phases.applySummary(applied, 25) }),
        ),
    },
    applyApprovedMessage: {
      approved: () => phases.applyApprovedMessage(apply({ state: 'approved', approvedBy: ['U0APPROVER'] })),
      'no-approval-needed': () =>
        phases.applyApprovedMessage(apply({ state: 'approved', task: 'pdbs', force: false, approvalsRequired: 0 })),
    },
    notOfferedReason: {
      one: () => phases.notOfferedReason(4, phases.planBlockers(forced)),
      two: () => phases.notOfferedReason(4, phases.planBlockers(blocked)),
    },
    notOfferedMessage: {
      blocked: () => phases.notOfferedMessage(blocked, phases.notOfferedReason(4, phases.planBlockers(blocked))),
    },
    nothingToApplyRefusal: {
      'in-sync': () => phases.nothingToApplyRefusal(4, undefined, false),
      'task-only-checks': () => phases.nothingToApplyRefusal(4, 'no-crashloop', true),
    },
    planChangedRefusal: {
      'approved-digest': () => phases.planChangedRefusal(apply(), 'beefbeefbeefbeefbeefbeef'),
      'plan-without-digest': () => {
        const { digest: _digest, ...old } = forced;
        return phases.planChangedRefusal(apply({ plan: old }), 'beefbeefbeefbeefbeefbeef');
      },
    },
    applySummary: {
      'step-and-check-failed': () => phases.applySummary(applied, 25),
      'all-run': () => phases.applySummary({ ...applied, outcomes: applied.outcomes.slice(0, 1) }, 50),
    },
    runMessage: {
      'apply-failed': () =>
        phases.runMessage(applied, phase4, { ...meta, jobId: 'phase-apply-p4x9k2mz', requestId: 'p4x9k2mz' }),
      'verify-passing-real-cluster': () => phases.runMessage(verified, phase1, { ...prod, jobId: 'phase-verify-12' }),
      'verify-failing-no-progress': () =>
        phases.runMessage(
          {
            ...verified,
            outcomes: [
              { ...verified.outcomes[0]!, state: 'failed', detail: 'Vault is sealed (1.19.0, initialized)' },
              verified.outcomes[1]!,
            ],
          },
          undefined,
          { ...prod, jobId: 'phase-verify-13' },
        ),
    },
  }),
];
