// The stand-in's pod admission (LimitRanger, ResourceQuota) and LimitRange defaulting, against the
// messages and rules of the real plugins (plugin/pkg/admission/limitranger, resourcequota).
import { describe, expect, it } from '@jest/globals';
import type { PodAdmissionContext } from '../../src/devstack/kube/admission.js';
import { enforceQuota, limitRanger } from '../../src/devstack/kube/admission.js';
import { applyDefaults } from '../../src/devstack/kube/defaults.js';
import { ApiError } from '../../src/devstack/kube/status.js';
import type { KubeObject } from '../../src/devstack/kube/types.js';

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

function pod(
  containers: [string, Resources?][],
  meta: { name?: string; generateName?: string } = { name: 'p' },
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta, name: meta.name ?? '', namespace: 'ns', uid: '', resourceVersion: '', creationTimestamp: '' },
    spec: {
      containers: containers.map(([name, resources]) => ({
        name,
        image: 'nginx',
        ...(resources ? { resources } : {}),
      })),
    },
  };
}

const object = (kind: string, name: string, spec: object): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'ns', uid: '', resourceVersion: '', creationTimestamp: '' },
  spec,
});

function context(
  opts: { ranges?: KubeObject[]; quotas?: KubeObject[]; used?: Record<string, string> } = {},
): PodAdmissionContext {
  return {
    limitRanges: () => opts.ranges ?? [],
    resourceQuotas: () => opts.quotas ?? [],
    quotaUsed: (_ns, resources) => Object.fromEntries(resources.map((r) => [r, opts.used?.[r] ?? '0'])),
  };
}

function refusal(fn: () => void): { code: number; reason: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('admitted');
}

describe('ResourceQuota admission', () => {
  const limitsQuota = object('ResourceQuota', 'compute', {
    hard: { 'limits.cpu': '4', 'limits.memory': '4Gi', pods: '10' },
  });

  it('names every container that lacks a constrained resource, resources sorted', () => {
    const p = pod([['app', { limits: { cpu: '1' } }], ['sidecar']]);
    expect(refusal(() => enforceQuota(context({ quotas: [limitsQuota] }), p))).toEqual({
      code: 403,
      reason: 'Forbidden',
      message:
        'pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: sidecar; limits.memory for: app,sidecar',
    });
  });

  it('a limit stands for the request it defaults (requests.cpu quota, limits only)', () => {
    const quota = object('ResourceQuota', 'req', { hard: { 'requests.cpu': '2' } });
    expect(() => enforceQuota(context({ quotas: [quota] }), pod([['app', { limits: { cpu: '1' } }]]))).not.toThrow();
  });

  it('reports only the exceeded resources, with requested, used and limited in canonical form', () => {
    const p = pod([['app', { limits: { cpu: '1500m', memory: '1Gi' } }]], { generateName: 'web-7d9f-' });
    expect(
      refusal(() =>
        enforceQuota(
          context({ quotas: [limitsQuota], used: { 'limits.cpu': '3', 'limits.memory': '1Gi', pods: '3' } }),
          p,
        ),
      ).message,
    ).toBe(
      'pods "web-7d9f-" is forbidden: exceeded quota: compute, requested: limits.cpu=1500m, used: limits.cpu=3, limited: limits.cpu=4',
    );
  });

  it('counts the pod itself against a pods quota', () => {
    const quota = object('ResourceQuota', 'count', { hard: { pods: '2' } });
    expect(refusal(() => enforceQuota(context({ quotas: [quota], used: { pods: '2' } }), pod([['app']]))).message).toBe(
      'pods "p" is forbidden: exceeded quota: count, requested: pods=1, used: pods=2, limited: pods=2',
    );
  });

  it('admits a pod that fits', () => {
    expect(() =>
      enforceQuota(
        context({ quotas: [limitsQuota], used: { 'limits.cpu': '1' } }),
        pod([['app', { limits: { cpu: '1', memory: '1Gi' } }]]),
      ),
    ).not.toThrow();
  });
});

describe('LimitRanger', () => {
  const defaults = object('LimitRange', 'defaults', {
    limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } }],
  });

  it('fills what a container lacks and notes it in the annotation', () => {
    const p = pod([['app', { limits: { cpu: '2' } }]]);
    limitRanger(context({ ranges: [defaults] }), p);
    expect((p['spec'] as { containers: { resources: Resources }[] }).containers[0]?.resources).toEqual({
      limits: { cpu: '2', memory: '256Mi' },
      requests: { cpu: '100m' },
    });
    expect(p.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: cpu request for container app; memory limit for container app',
    );
  });

  it('enforces min and max with the plugin messages; several violations are listed in brackets', () => {
    const bounds = object('LimitRange', 'bounds', {
      limits: [{ type: 'Container', min: { memory: '64Mi' }, max: { cpu: '1' } }],
    });
    expect(
      refusal(() =>
        limitRanger(
          context({ ranges: [bounds] }),
          pod([['app', { requests: { memory: '32Mi' }, limits: { cpu: '2' } }]]),
        ),
      ).message,
    ).toBe(
      'pods "p" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, maximum cpu usage per Container is 1, but limit is 2]',
    );
    expect(
      refusal(() => limitRanger(context({ ranges: [bounds] }), pod([['app', { requests: { memory: '64Mi' } }]])))
        .message,
    ).toBe('pods "p" is forbidden: maximum cpu usage per Container is 1.  No limit is specified');
  });

  it('a LimitRange is defaulted like the API server does: default from max, defaultRequest from default, then min', () => {
    const range = object('LimitRange', 'r', {
      limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }],
    });
    applyDefaults(range);
    expect(range['spec']).toEqual({
      limits: [
        {
          type: 'Container',
          max: { cpu: '2' },
          min: { memory: '64Mi' },
          default: { cpu: '2' },
          defaultRequest: { cpu: '2', memory: '64Mi' },
        },
      ],
    });
  });
});
