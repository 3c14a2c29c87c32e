import { describe, expect, it } from '@jest/globals';
import { driftFromManifest, missingOrChanged, notOwned } from '../../src/features/phases/drift.js';

const policy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-trino', namespace: 'data-platform', labels: { 'carbon-ops.254carbon.com/phase': '2' } },
  spec: {
    podSelector: { matchLabels: { app: 'trino' } },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [{ namespaceSelector: { matchLabels: { name: 'ingress-nginx' } } }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ],
  },
};

describe('drift from the manifest as written', () => {
  it('names a field the live object lost (the NetworkPolicy whose `from` was dropped on the wire)', () => {
    const stripped = structuredClone(policy) as { spec: { ingress: Record<string, unknown>[] } };
    delete stripped.spec.ingress[0]!.from;
    expect(missingOrChanged(policy, stripped)).toEqual(['spec.ingress[0].from']);
  });

  it('names a changed value and a missing label, by path', () => {
    const live = structuredClone(policy);
    live.spec.ingress[0]!.ports[0]!.port = 9090;
    live.metadata.labels = {} as typeof live.metadata.labels;
    expect(missingOrChanged(policy, live)).toEqual([
      'metadata.labels["carbon-ops.254carbon.com/phase"]',
      'spec.ingress[0].ports[0].port',
    ]);
  });

  it('accepts what the server adds or spells differently: defaults, status, canonical quantities', () => {
    const quota = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'l', namespace: 'kafka' },
      spec: { limits: [{ type: 'Container', default: { cpu: '1000m', memory: '1024Mi' } }] },
    };
    const live = {
      ...structuredClone(quota),
      metadata: { ...quota.metadata, uid: 'u', resourceVersion: '7' },
      spec: { limits: [{ type: 'Container', default: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '1' } }] },
    };
    expect(missingOrChanged(quota, live)).toEqual([]);
    live.spec.limits[0]!.default.cpu = '2';
    expect(missingOrChanged(quota, live)).toEqual(['spec.limits[0].default.cpu']);
    expect(missingOrChanged(quota, { ...live, spec: { limits: [{ type: 'Container' }] } })).toEqual([
      'spec.limits[0].default',
    ]);
  });

  it('matches lists keyed by name by name, so other managers may add items', () => {
    const manifest = { spec: { containers: [{ name: 'etl', image: 'etl:1' }] } };
    expect(
      missingOrChanged(manifest, {
        spec: {
          containers: [
            { name: 'sidecar', image: 's' },
            { name: 'etl', image: 'etl:1' },
          ],
        },
      }),
    ).toEqual([]);
    expect(missingOrChanged(manifest, { spec: { containers: [{ name: 'sidecar', image: 's' }] } })).toEqual([
      'spec.containers[name=etl]',
    ]);
  });

  it('names fields carbon-ops no longer owns, when the server reports managedFields', () => {
    const live = {
      ...structuredClone(policy),
      metadata: {
        ...policy.metadata,
        managedFields: [
          {
            manager: 'carbon-ops',
            operation: 'Apply',
            fieldsV1: {
              'f:metadata': { 'f:labels': { 'f:carbon-ops.254carbon.com/phase': {} } },
              'f:spec': { 'f:podSelector': {}, 'f:policyTypes': {} },
            },
          },
          { manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:ingress': {} } } },
        ],
      },
    };
    expect(notOwned(policy, live, 'carbon-ops')).toEqual(['spec.ingress']);
    expect(driftFromManifest(policy, live, 'carbon-ops')).toEqual(['spec.ingress (not owned by carbon-ops)']);
    expect(notOwned(policy, { ...live, metadata: policy.metadata }, 'carbon-ops')).toEqual([]);
  });
});

describe('drift that an empty manifest value or a look-alike scalar must not hide', () => {
  const denyAll = { spec: { podSelector: {}, policyTypes: ['Ingress'] } };

  it('a default-deny podSelector {} narrowed on the live object is drift', () => {
    expect(
      missingOrChanged(denyAll, { spec: { podSelector: { matchLabels: { nobody: 'x' } }, policyTypes: ['Ingress'] } }),
    ).toEqual(['spec.podSelector']);
    expect(missingOrChanged(denyAll, { spec: { policyTypes: ['Ingress'] } })).toEqual([]);
    expect(missingOrChanged({ spec: { ingress: [] } }, { spec: { ingress: [{ from: [] }] } })).toEqual([
      'spec.ingress',
    ]);
  });

  it('compares as quantities only in quantity fields, and not a number with a string elsewhere', () => {
    expect(missingOrChanged({ metadata: { labels: { v: '1.10' } } }, { metadata: { labels: { v: '1.1' } } })).toEqual([
      'metadata.labels.v',
    ]);
    expect(missingOrChanged({ spec: { port: 8080 } }, { spec: { port: '8080' } })).toEqual(['spec.port']);
    expect(
      missingOrChanged({ spec: { hard: { 'limits.cpu': 16 } } }, { spec: { hard: { 'limits.cpu': '16' } } }),
    ).toEqual([]);
  });

  it('refuses a hostile quantity quickly instead of computing it', () => {
    expect(
      missingOrChanged({ spec: { hard: { cpu: '1e99999999' } } }, { spec: { hard: { cpu: '1e99999998' } } }),
    ).toEqual(['spec.hard.cpu']);
  });
});
