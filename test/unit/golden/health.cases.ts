import * as health from '../../../src/features/health/render.js';
import { measureHealth } from '../../../src/features/health/measure.js';
import { catalogue, pod, workloads } from '../../support/health-fixtures.js';
import { goldenModule } from '../../support/golden.js';

const takenAt = new Date('2026-11-21T09:00:00Z');

/** The health unit tests' cluster: three services, ten pods in every state a report names. */
const sick = measureHealth({
  cluster: { name: '254carbon-prod', simulated: false },
  takenAt,
  pods: [
    pod('data-platform', 'trino-1', 'ready'),
    pod('data-platform', 'etl-1', 'succeeded'),
    pod('data-platform', 'portal-1', 'imagepull'),
    pod('kafka', 'kafka-0', 'ready'),
    pod('kafka', 'kafka-1', 'ready'),
    pod('kafka', 'kafka-2', 'oom', 7),
    pod('monitoring', 'loki-0', 'crashloop', 12),
    pod('monitoring', 'loki-1', 'crashloop', 30),
    pod('monitoring', 'loki-2', 'crashloop', 3),
    pod('monitoring', 'loki-3', 'crashloop', 1),
    pod('monitoring', 'big-0', 'pending'),
    pod('monitoring', 'probe-0', 'notready'),
  ],
  workloads,
  catalogue,
});

/** One namespace of the demo cluster, every pod ready. */
const healthy = measureHealth({
  cluster: { name: '254carbon-demo', simulated: true },
  namespace: 'kafka',
  takenAt,
  pods: [pod('kafka', 'kafka-0', 'ready'), pod('kafka', 'kafka-1', 'ready'), pod('kafka', 'kafka-2', 'ready')],
  workloads: {
    ...workloads,
    statefulSets: workloads.statefulSets.map((s) => ({ ...s, status: { replicas: 3, readyReplicas: 3 } })),
  },
  catalogue,
});

const empty = measureHealth({
  cluster: { name: '254carbon-prod', simulated: false },
  takenAt,
  pods: [pod('jobs', 'done-1', 'succeeded')],
  workloads: { deployments: [], statefulSets: [] },
  catalogue,
});

export default [
  goldenModule('health', 'features/health/render.ts', health, {
    renderHealth: {
      'sick-cluster': () =>
        health.renderHealth(sick, {
          snapshotId: '41',
          jobId: 'health-77',
          previous: { healthPct: 50, takenAt: new Date('2026-11-20T09:00:00Z') },
        }),
      'simulated-namespace-all-ready': () =>
        health.renderHealth(healthy, { previous: { healthPct: 100, takenAt: new Date('2026-11-20T09:00:00Z') } }),
      'no-pods': () => health.renderHealth(empty),
    },
    headline: {
      measured: () => health.headline(sick),
      'no-pods': () => health.headline(empty),
    },
  }),
];
