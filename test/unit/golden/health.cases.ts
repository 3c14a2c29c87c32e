import * as health from '../../../src/features/health/render.js';
import { measureHealth } from '../../../src/features/health/measure.js';
import * as dataServices from '../../../src/features/health/data-services/render.js';
import { withDataChecks } from '../../../src/features/health/data-services/measure.js';
import type { DataCheck } from '../../../src/features/health/data-services/check.js';
import { catalogue, dataChecks, pod, workloads } from '../../support/health-fixtures.js';
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

/** The sick cluster with its Data services: Kafka's check fails while its pods are 2/3 ready, trino's while 1/1. */
const checks = dataChecks();
const withData = { ...sick, services: withDataChecks(sick.services, checks), dataServices: checks };

/** 40 public URLs, none reached: the section stays inside Slack's limits and says how many it left out. */
const manyUrls: DataCheck[] = Array.from({ length: 40 }, (_, i) => ({
  kind: 'http',
  services: [`service-${i}`],
  target: `https://service-${String(i).padStart(2, '0')}.254carbon.com/some/long/path`,
  source: 'HTTP GET through the proxy proxy.corp.example:3128',
  measuredAt: '2026-11-21T09:00:05.000Z',
  state: 'not-measured',
  summary: `service-${i}.254carbon.com:443 through the proxy proxy.corp.example:3128 not reached: the proxy refused the tunnel: HTTP 403`,
}));

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
      'with-data-services': () => health.renderHealth(withData, { snapshotId: '42', jobId: 'health-78' }),
    },
    headline: {
      measured: () => health.headline(sick),
      'no-pods': () => health.headline(empty),
    },
  }),
  goldenModule('health', 'features/health/data-services/render.ts', dataServices, {
    dataServicesBlocks: {
      'sick-platform': () => dataServices.dataServicesBlocks(checks),
      'no-checks': () => dataServices.dataServicesBlocks([]),
      'many-urls': () => dataServices.dataServicesBlocks(manyUrls),
    },
    checkLine: {
      failed: () => dataServices.checkLine(checks[0]!),
      'not-measured-without-source': () => dataServices.checkLine(checks[5]!, { source: false }),
    },
    tally: { 'sick-platform': () => dataServices.tally(checks) },
  }),
];
