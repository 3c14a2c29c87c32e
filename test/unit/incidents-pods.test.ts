import { describe, expect, it } from '@jest/globals';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Catalogue } from '../../src/catalogue.js';
import { failingReason, serviceOfPod } from '../../src/features/incidents/failing-pod.js';
import { backoff, describeError } from '../../src/features/incidents/pod-stream.js';
import { workloadOfPod } from '../../src/features/incidents/owner.js';

const created = '2026-11-21T09:00:00Z';
const now = Date.parse('2026-11-21T09:05:00Z');
const TEN_MIN = 600_000;

const pod = (status: Pod['status'], metadata: Pod['metadata'] = {}): Pod => ({
  metadata: { name: 'p', namespace: 'data-platform', creationTimestamp: created, ...metadata },
  status,
});

const waiting = (reason: string, last?: string): Pod['status'] => ({
  phase: reason === 'ContainerCreating' || reason.includes('Image') ? 'Pending' : 'Running',
  conditions: [{ type: 'Ready', status: 'False' }],
  containerStatuses: [
    {
      name: 'c',
      image: 'i',
      imageID: '',
      ready: false,
      restartCount: 4,
      state: { waiting: { reason, message: 'why' } },
      ...(last ? { lastState: { terminated: { reason: last, exitCode: 137 } } } : {}),
    },
  ],
});

describe('failingReason', () => {
  it('names a crash loop, one of the OOM killer, and a missing image (ErrImagePull or its back-off) once each', () => {
    expect(failingReason(pod(waiting('CrashLoopBackOff', 'Error')), now, TEN_MIN)).toEqual({
      reason: 'CrashLoopBackOff',
      detail: 'why',
      restarts: 4,
    });
    expect(failingReason(pod(waiting('CrashLoopBackOff', 'OOMKilled')), now, TEN_MIN)?.reason).toBe('OOMKilled');
    expect(failingReason(pod(waiting('ErrImagePull')), now, TEN_MIN)?.reason).toBe('ImagePullBackOff');
    expect(failingReason(pod(waiting('ImagePullBackOff')), now, TEN_MIN)?.reason).toBe('ImagePullBackOff');
  });

  it('counts Pending (unscheduled or containers still being created) only once it has lasted the threshold', () => {
    const unscheduled = pod({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', message: 'cpu' }],
    });
    expect(failingReason(unscheduled, now, TEN_MIN)).toBeUndefined();
    expect(failingReason(unscheduled, now + TEN_MIN, TEN_MIN)).toEqual({
      reason: 'Pending',
      detail: 'cpu',
      restarts: 0,
    });
    expect(failingReason(pod(waiting('ContainerCreating')), now + TEN_MIN, TEN_MIN)?.reason).toBe('Pending');
  });

  it('leaves ready, merely unready and terminating pods alone', () => {
    expect(
      failingReason(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }), now, 1),
    ).toBeUndefined();
    expect(
      failingReason(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }), now, 1),
    ).toBeUndefined();
    const terminating = pod(waiting('CrashLoopBackOff'), { deletionTimestamp: created });
    expect(failingReason(terminating, now, 1)).toBeUndefined();
  });
});

describe('serviceOfPod', () => {
  const catalogue = new Catalogue([
    { name: 'trino', namespace: 'data-platform', kind: 'deployment', workload: 'trino-coordinator', critical: true },
    { name: 'kafka', namespace: 'kafka', kind: 'statefulset', workload: 'kafka', critical: true },
  ]);
  const owned = (namespace: string, kind: string, name: string, labels?: Record<string, string>): Pod => ({
    metadata: {
      namespace,
      name: 'x',
      ...(labels ? { labels } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: 'u', controller: true }],
    },
  });

  it("maps a Deployment's pod through its ReplicaSet's name and a StatefulSet's directly", () => {
    const rs = owned('data-platform', 'ReplicaSet', 'trino-coordinator-7d9f', { 'pod-template-hash': '7d9f' });
    expect(serviceOfPod(rs, catalogue)?.name).toBe('trino');
    expect(serviceOfPod(owned('kafka', 'StatefulSet', 'kafka'), catalogue)?.name).toBe('kafka');
  });

  it('does not take a look-alike: trino-coordinator-canary, another namespace, a bare pod', () => {
    const canary = owned('data-platform', 'ReplicaSet', 'trino-coordinator-canary-5c6d', {
      'pod-template-hash': '5c6d',
    });
    expect(serviceOfPod(canary, catalogue)).toBeUndefined();
    expect(serviceOfPod(owned('kafka', 'ReplicaSet', 'trino-coordinator-7d9f'), catalogue)).toBeUndefined();
    expect(serviceOfPod(owned('kafka', 'StatefulSet', 'kafka-connect'), catalogue)).toBeUndefined();
    expect(serviceOfPod({ metadata: { namespace: 'kafka', name: 'kafka' } }, catalogue)).toBeUndefined();
  });
});

describe('workloadOfPod: what Kubernetes says runs a pod (serviceOfPod and the phases cleanup both read it)', () => {
  const catalogue = new Catalogue([
    { name: 'trino', namespace: 'data-platform', kind: 'deployment', workload: 'trino-coordinator', critical: true },
    { name: 'kafka', namespace: 'data-platform', kind: 'statefulset', workload: 'kafka', critical: true },
  ]);
  type Owner = { kind: string; name: string; controller?: boolean };
  const withOwners = (owners: Owner[], labels?: Record<string, string>): Pod => ({
    metadata: {
      namespace: 'data-platform',
      name: 'p-1',
      ...(labels ? { labels } : {}),
      ownerReferences: owners.map((o) => ({ apiVersion: 'apps/v1', uid: 'u', ...o })),
    },
  });

  it("takes a ReplicaSet's Deployment from the pod-template-hash that ends the ReplicaSet's name", () => {
    const pod = withOwners([{ kind: 'ReplicaSet', name: 'trino-coordinator-7d9f', controller: true }], {
      'pod-template-hash': '7d9f',
    });
    expect(workloadOfPod(pod)).toEqual({ kind: 'deployment', name: 'trino-coordinator' });
    expect(serviceOfPod(pod, catalogue)?.name).toBe('trino');
  });

  it('calls a ReplicaSet pod without the hash label the ReplicaSet’s own (no Deployment made it): no service', () => {
    const pod = withOwners([{ kind: 'ReplicaSet', name: 'trino-coordinator-7d9f', controller: true }]);
    expect(workloadOfPod(pod)).toEqual({ kind: 'replicaset', name: 'trino-coordinator-7d9f' });
    expect(serviceOfPod(pod, catalogue)).toBeUndefined();
    // A hash that does not end the name is no Deployment's either.
    const other = withOwners([{ kind: 'ReplicaSet', name: 'trino-coordinator-7d9f', controller: true }], {
      'pod-template-hash': '5c6d',
    });
    expect(workloadOfPod(other)).toEqual({ kind: 'replicaset', name: 'trino-coordinator-7d9f' });
  });

  it('reads the controller owner only: other owners do not run the pod', () => {
    const noController = withOwners([{ kind: 'StatefulSet', name: 'kafka' }]);
    expect(workloadOfPod(noController)).toEqual({ kind: 'pod', name: 'p-1' });
    expect(serviceOfPod(noController, catalogue)).toBeUndefined();
    const controllerSecond = withOwners([
      { kind: 'ConfigMap', name: 'keeper', controller: false },
      { kind: 'StatefulSet', name: 'kafka', controller: true },
    ]);
    expect(workloadOfPod(controllerSecond)).toEqual({ kind: 'statefulset', name: 'kafka' });
    expect(serviceOfPod(controllerSecond, catalogue)?.name).toBe('kafka');
  });

  it('names Jobs, DaemonSets, other controllers and bare pods', () => {
    expect(workloadOfPod(withOwners([{ kind: 'Job', name: 'init', controller: true }]))).toEqual({
      kind: 'job',
      name: 'init',
    });
    expect(workloadOfPod(withOwners([{ kind: 'DaemonSet', name: 'node-exporter', controller: true }]))).toEqual({
      kind: 'daemonset',
      name: 'node-exporter',
    });
    expect(workloadOfPod(withOwners([{ kind: 'SparkApplication', name: 'etl', controller: true }]))).toEqual({
      kind: 'other',
      name: 'SparkApplication/etl',
    });
    expect(workloadOfPod({ metadata: { name: 'net-debug' } })).toEqual({ kind: 'pod', name: 'net-debug' });
  });
});

describe('the watch reconnects with exponential backoff', () => {
  it('doubles from the first delay up to the last', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => backoff({ first: 1_000, max: 30_000 }, n));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});

describe('the watch logs an error by its name and code only', () => {
  it('leaves out the message (an exec plugin can print a token into it) and keeps Slack error codes', () => {
    const exec = Object.assign(new Error('exec: token=s3cr3t expired'), { code: 'ECONNRESET' });
    expect(describeError(exec)).toBe('Error (ECONNRESET)');
    const slack = Object.assign(new Error('An API error occurred: not_in_channel'), {
      code: 'slack_webapi_platform_error',
      data: { error: 'not_in_channel' },
    });
    expect(describeError(slack)).toBe('Error (slack_webapi_platform_error, not_in_channel)');
    expect(describeError(Object.assign(new Error('Gone'), { statusCode: 410 }))).toBe('Error (410)');
    expect(describeError(undefined)).toBe('Error');
  });
});
