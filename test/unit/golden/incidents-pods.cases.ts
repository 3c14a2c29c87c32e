import * as pods from '../../../src/features/incidents/pod-render.js';
import type { FailingPodView } from '../../../src/features/incidents/pod-render.js';
import { goldenModule } from '../../support/golden.js';

const demo = { name: '254carbon-demo', simulated: true };
const real = { name: 'prod', simulated: false };

const oom: FailingPodView = {
  namespace: 'data-platform',
  pod: 'dolphinscheduler-worker-7cf8fc45c6-vzxwn',
  reason: 'OOMKilled',
  detail:
    'back-off 5m0s restarting failed container=dolphinscheduler-worker pod=dolphinscheduler-worker-7cf8fc45c6-vzxwn',
  restarts: 27,
  service: 'dolphinscheduler',
  workload: 'dolphinscheduler-worker',
  kind: 'deployment',
  postedAt: Date.parse('2026-11-21T08:57:00Z'),
};

const pending: FailingPodView = {
  namespace: 'kafka',
  pod: 'kafka-2',
  reason: 'Pending',
  detail: '0/1 nodes are available: 1 Insufficient cpu. <preemption> & co',
  restarts: 0,
  service: 'kafka',
  workload: 'kafka',
  kind: 'statefulset',
  postedAt: Date.parse('2026-11-21T08:00:00Z'),
};

const at = (iso: string) => new Date(iso);

export default [
  goldenModule('incidents', 'features/incidents/pod-render.ts', pods, {
    renderFailingPod: {
      'oom-killed-demo': () => pods.renderFailingPod(oom, demo),
      'pending-escaped': () => pods.renderFailingPod(pending, real),
    },
    renderPodResolved: {
      ready: () => pods.renderPodResolved(oom, { how: 'ready', at: at('2026-11-21T09:09:30Z') }, demo),
      deleted: () => pods.renderPodResolved(pending, { how: 'deleted', at: at('2026-11-21T10:15:00Z') }, real),
    },
    renderPodRecovered: {
      ready: () => pods.renderPodRecovered(oom, { how: 'ready', at: at('2026-11-21T09:09:30Z') }),
      deleted: () => pods.renderPodRecovered(pending, { how: 'deleted', at: at('2026-11-21T10:15:00Z') }),
    },
  }),
];
