import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import * as inspect from '../../../src/features/inspect/render.js';
import type { InspectTarget } from '../../../src/features/inspect/target.js';
import { goldenModule } from '../../support/golden.js';

const now = new Date('2026-11-21T09:00:00Z');
const target: InspectTarget = {
  kind: 'deployment',
  name: 'kafka-connect',
  namespace: 'kafka',
  service: 'kafka-connect',
};

const crashing: Pod = {
  metadata: { name: 'kafka-connect-6b5c8d7f9-x2k4p', namespace: 'kafka', creationTimestamp: '2026-11-12T09:00:00Z' },
  spec: { containers: [{ name: 'kafka-connect', image: 'docker.io/confluentinc/cp-kafka-connect:7.7.1' }] },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [
      {
        name: 'kafka-connect',
        image: 'docker.io/confluentinc/cp-kafka-connect:7.7.1',
        imageID: '',
        ready: false,
        restartCount: 311,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
        lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: '2026-11-21T08:57:00Z' } },
      },
    ],
  },
};

const ready: Pod = {
  metadata: { name: 'kafka-connect-6b5c8d7f9-q7w2e', namespace: 'kafka', creationTimestamp: '2026-11-12T09:00:00Z' },
  spec: { containers: [{ name: 'kafka-connect' }] },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'kafka-connect', image: 'x', imageID: '', ready: true, restartCount: 0 }],
  },
};

const deployment: Deployment = {
  metadata: { name: 'kafka-connect', namespace: 'kafka' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'kafka-connect' } },
    template: {
      spec: { containers: [{ name: 'kafka-connect', image: 'docker.io/confluentinc/cp-kafka-connect:7.7.1' }] },
    },
  },
  status: {
    replicas: 2,
    readyReplicas: 1,
    updatedReplicas: 2,
    availableReplicas: 1,
    conditions: [
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
    ],
  },
};

const events: Event[] = [
  {
    metadata: { name: 'e1', namespace: 'kafka' },
    involvedObject: { kind: 'Pod', name: 'kafka-connect-6b5c8d7f9-x2k4p' },
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container kafka-connect in pod kafka-connect-6b5c8d7f9-x2k4p',
    count: 1402,
    lastTimestamp: '2026-11-21T08:58:30Z',
  },
  {
    metadata: { name: 'e2', namespace: 'kafka' },
    involvedObject: { kind: 'Pod', name: 'kafka-connect-6b5c8d7f9-x2k4p' },
    type: 'Normal',
    reason: 'Pulled',
    message: 'Container image "docker.io/confluentinc/cp-kafka-connect:7.7.1" already present on machine',
    count: 311,
    lastTimestamp: '2026-11-21T08:52:00Z',
  },
];

const logLines = [
  '[2026-11-21 08:56:58,101] INFO Kafka Connect starting (org.apache.kafka.connect.cli.ConnectDistributed)',
  '[2026-11-21 08:56:59,412] INFO connection.url=jdbc:postgresql://connect:[masked]@postgresql:5432/connect',
  '[2026-11-21 08:57:00,002] ERROR Stopping due to error (org.apache.kafka.connect.cli.ConnectDistributed)',
  'org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: listNodes',
];

const longLog = Array.from(
  { length: 400 },
  (_, i) =>
    `2026-11-21T08:${String(Math.floor(i / 60)).padStart(2, '0')}:00Z line ${i} <worker-${i % 7}> & done ${'x'.repeat(20)}`,
);

export default [
  goldenModule('inspect', 'features/inspect/render.ts', inspect, {
    renderLogs: {
      'crash-loop-previous-masked': () =>
        inspect.renderLogs({
          cluster: '254carbon-demo',
          target,
          pod: 'kafka-connect-6b5c8d7f9-x2k4p',
          container: 'kafka-connect',
          containers: [],
          previous: true,
          tail: 20,
          lines: logLines,
          masked: 1,
          otherPods: ['kafka-connect-6b5c8d7f9-q7w2e'],
        }),
      'long-truncated': () =>
        inspect.renderLogs({
          cluster: '254carbon-demo',
          target,
          pod: 'kafka-connect-6b5c8d7f9-x2k4p',
          container: 'kafka-connect',
          containers: ['metrics-sidecar'],
          previous: false,
          tail: 1000,
          sinceSeconds: 600,
          lines: longLog,
          masked: 0,
          otherPods: [],
          file: { name: 'logs-kafka-connect-6b5c8d7f9-x2k4p-kafka-connect.txt', uploaded: true },
        }),
      'long-upload-failed': () =>
        inspect.renderLogs({
          cluster: '254carbon-demo',
          target,
          pod: 'kafka-connect-6b5c8d7f9-x2k4p',
          container: 'kafka-connect',
          containers: [],
          previous: false,
          tail: 1000,
          lines: longLog,
          masked: 0,
          otherPods: [],
          file: { name: 'logs-kafka-connect-6b5c8d7f9-x2k4p-kafka-connect.txt', uploaded: false },
        }),
      'long-no-file': () =>
        inspect.renderLogs({
          cluster: '254carbon-demo',
          target,
          pod: 'kafka-connect-6b5c8d7f9-x2k4p',
          container: 'kafka-connect',
          containers: [],
          previous: false,
          tail: 1000,
          lines: longLog,
          masked: 0,
          otherPods: [],
        }),
      empty: () =>
        inspect.renderLogs({
          cluster: '254carbon-demo',
          target: { kind: 'pod', name: 'kafka-connect-6b5c8d7f9-q7w2e', namespace: 'kafka' },
          pod: 'kafka-connect-6b5c8d7f9-q7w2e',
          container: 'kafka-connect',
          containers: [],
          previous: false,
          tail: 100,
          sinceSeconds: 60,
          lines: [],
          masked: 0,
          otherPods: [],
        }),
    },
    renderEvents: {
      warnings: () => inspect.renderEvents({ cluster: '254carbon-demo', target, events, total: 30, now }),
      none: () => inspect.renderEvents({ cluster: '254carbon-demo', target, events: [], total: 0, now }),
    },
    renderDescribe: {
      'crash-looping-deployment': () =>
        inspect.renderDescribe({
          cluster: '254carbon-demo',
          target,
          workload: deployment,
          pods: [ready, crashing],
          events,
          total: 2,
          now,
        }),
      'pod-no-events': () =>
        inspect.renderDescribe({
          cluster: '254carbon-demo',
          target: { kind: 'pod', name: 'kafka-connect-6b5c8d7f9-q7w2e', namespace: 'kafka' },
          pods: [ready],
          events: [],
          total: 0,
          now,
        }),
    },
  }),
];
