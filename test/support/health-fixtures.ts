import type { Pod } from 'kubernetes-types/core/v1.js';
import { Catalogue } from '../../src/catalogue.js';
import type { DataCheck } from '../../src/features/health/data-services/check.js';

/** Pods in the states health reports on and a small catalogue: the health unit tests and golden files read them. */

export type PodState = 'ready' | 'succeeded' | 'crashloop' | 'oom' | 'imagepull' | 'pending' | 'notready';

export function pod(namespace: string, name: string, state: PodState, restarts = 0): Pod {
  const ready = state === 'ready';
  const waiting = { crashloop: 'CrashLoopBackOff', oom: 'CrashLoopBackOff', imagepull: 'ImagePullBackOff' }[
    state as string
  ];
  return {
    metadata: { namespace, name },
    status: {
      phase: state === 'succeeded' ? 'Succeeded' : state === 'pending' ? 'Pending' : 'Running',
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False' },
        ...(state === 'pending'
          ? [
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message: '0/1 nodes are available: 1 Insufficient cpu.',
              },
            ]
          : []),
      ],
      containerStatuses:
        state === 'pending'
          ? []
          : [
              {
                name: 'main',
                image: 'x',
                imageID: '',
                ready,
                restartCount: restarts,
                state: waiting ? { waiting: { reason: waiting } } : { running: {} },
                ...(state === 'oom' ? { lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } } : {}),
              },
            ],
    },
  };
}

export const catalogue = new Catalogue([
  { name: 'trino', namespace: 'data-platform', kind: 'deployment', workload: 'trino-coordinator', critical: true },
  { name: 'kafka', namespace: 'kafka', kind: 'statefulset', workload: 'kafka', critical: true },
  { name: 'portal', namespace: 'data-platform', kind: 'deployment', workload: 'portal', critical: false },
]);

export const workloads = {
  deployments: [
    {
      metadata: { namespace: 'data-platform', name: 'trino-coordinator' },
      spec: { replicas: 1, selector: {}, template: {} },
      status: { readyReplicas: 1 },
    },
  ],
  statefulSets: [
    {
      metadata: { namespace: 'kafka', name: 'kafka' },
      spec: { replicas: 3, selector: {}, template: {}, serviceName: 'kafka' },
      status: { replicas: 3, readyReplicas: 2 },
    },
  ],
};

/** The Data services of a sick platform: a broker down, PostgreSQL full, Vault sealed, a certificate expiring. */
export function dataChecks(at = '2026-11-21T09:00:01.000Z'): DataCheck[] {
  const base = { measuredAt: at };
  return [
    {
      ...base,
      kind: 'kafka',
      services: ['kafka'],
      target: 'kafka default',
      source: 'kafkajs admin, kafka-0.kafka:9092,kafka-1.kafka:9092,kafka-2.kafka:9092',
      state: 'failed',
      summary:
        '2/3 brokers, controller 1, 12 topics (160 partitions with the internal ones), 0 offline, 4 under-replicated, ' +
        'dolphinscheduler lag 1200',
      problems: ['1 of 3 brokers not answering', '4 under-replicated partitions'],
    },
    {
      ...base,
      kind: 'postgres',
      services: ['postgresql'],
      target: 'postgres postgres@postgresql.data-platform:5432',
      source:
        'PostgreSQL postgres at postgresql.data-platform:5432 as carbon-health (password from Secret data-platform/postgresql-health key password)',
      state: 'ok',
      summary: 'connects, PostgreSQL 16.4, connections 41/200, longest transaction 3 s, no replicas',
    },
    {
      ...base,
      kind: 'vault',
      services: ['vault'],
      target: 'vault',
      source: 'Vault sys/health at https://vault.vault.svc:8200/',
      state: 'failed',
      summary: 'initialized, sealed, standby, version 1.19.0',
      problems: ['sealed'],
    },
    {
      ...base,
      kind: 'tls',
      services: ['trino'],
      target: 'https://trino.254carbon.com',
      source: 'TLS handshake with trino.254carbon.com:443, direct',
      state: 'failed',
      summary:
        "issuer Let's Encrypt, expires 2026-11-24 (3 days), hostname matches, cert-manager data-platform/trino-tls Ready, notAfter 2027-02-19 (differs from the served one)",
      problems: ['expires in 3 days (within 14)'],
    },
    {
      ...base,
      kind: 'http',
      services: ['trino'],
      target: 'https://trino.254carbon.com',
      source: 'HTTP GET, direct',
      state: 'ok',
      summary: 'HTTP 302 → /ui/ (same host, not followed) in 84 ms',
    },
    {
      ...base,
      kind: 'nodes',
      services: [],
      target: 'node resources',
      source: 'metrics.k8s.io/v1beta1 nodes ÷ nodes status.allocatable',
      state: 'not-measured',
      summary: 'metrics-server not installed (metrics.k8s.io is not served)',
    },
  ];
}
