import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { buildPlan, type PlanInput } from '../../src/features/restart/plan.js';
import type { RestartRequest } from '../../src/features/restart/store.js';

/** A restart of trino-coordinator and its plan: the restart unit tests and the golden files read them. */

export const trinoDeployment = (overrides: Partial<Deployment['spec']> = {}): Deployment => ({
  metadata: { name: 'trino-coordinator', namespace: 'data-platform', generation: 1 },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'trino' } },
    template: { metadata: { labels: { app: 'trino', tier: 'query' } } },
    ...overrides,
  },
  status: { readyReplicas: 3, replicas: 3 },
});

export const pdb = (
  name: string,
  selector: PodDisruptionBudget['spec'] extends infer S ? (S extends { selector?: infer L } ? L : never) : never,
  allowed: number,
): PodDisruptionBudget => ({
  metadata: { name },
  spec: { selector },
  status: { disruptionsAllowed: allowed, currentHealthy: 3, desiredHealthy: 3 - allowed, expectedPods: 3 },
});

export const planInput = (workload: PlanInput['workload'], extra: Partial<PlanInput> = {}): PlanInput => ({
  cluster: { name: 'demo', simulated: true },
  target: { kind: 'deployment', name: 'trino-coordinator', namespace: 'data-platform', service: 'trino' },
  workload,
  pdbs: [],
  recent: [],
  approvals: 1,
  expiryMinutes: 15,
  rolloutTimeoutSec: 900,
  ...extra,
});

export const request = (overrides: Partial<RestartRequest> = {}): RestartRequest => ({
  id: 'k7m2p9xq',
  originJob: 'restart-1',
  createdAt: new Date('2026-11-21T10:00:00Z'),
  expiresAt: new Date('2026-11-21T10:15:00Z'),
  cluster: '254carbon-demo',
  namespace: 'data-platform',
  kind: 'deployment',
  name: 'trino-coordinator',
  service: 'trino',
  reason: 'stuck <!channel> & more',
  requestedBy: 'U0OPERATOR',
  channel: 'C0INCIDENT',
  threadTs: '1732233600.000100',
  statusTs: '1732233600.000200',
  planTs: '1732233600.000300',
  plan: buildPlan(planInput(trinoDeployment(), { pdbs: [pdb('trino-pdb', { matchLabels: { app: 'trino' } }, 1)] })),
  approvalsRequired: 1,
  approvedBy: [],
  state: 'pending',
  ...overrides,
});
