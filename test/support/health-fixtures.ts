import type { Pod } from 'kubernetes-types/core/v1.js';
import { Catalogue } from '../../src/catalogue.js';

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
