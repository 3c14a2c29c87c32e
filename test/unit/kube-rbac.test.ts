// The RBAC pieces of the Kubernetes stand-in that need no server: how a URL becomes the authorizer's
// attributes (the real RequestInfoFactory's rules) and how one rule matches them.
import { describe, expect, it } from '@jest/globals';
import { ruleAllows } from '../../src/devstack/kube/rbac.js';
import { isTrue, requestAttributes } from '../../src/devstack/kube/request-info.js';

const user = { username: 'u', groups: ['system:authenticated'] };
const attrs = (method: string, path: string) => requestAttributes(user, method, new URL(path, 'https://x'));

describe('request attributes', () => {
  it.each([
    ['GET', '/api/v1/namespaces/kafka/pods', { verb: 'list', resource: 'pods', namespace: 'kafka', name: '' }],
    ['GET', '/api/v1/pods?watch=true', { verb: 'watch', resource: 'pods', namespace: '' }],
    ['GET', '/api/v1/watch/namespaces/kafka/pods', { verb: 'watch', resource: 'pods', namespace: 'kafka' }],
    [
      'GET',
      '/apis/apps/v1/namespaces/kafka/deployments?watch=1&fieldSelector=metadata.name%3Dbroker',
      { verb: 'watch', apiGroup: 'apps', name: 'broker' },
    ],
    [
      'PATCH',
      '/apis/apps/v1/namespaces/kafka/deployments/broker/scale',
      { verb: 'patch', resource: 'deployments', subresource: 'scale', name: 'broker' },
    ],
    ['DELETE', '/api/v1/namespaces/kafka/pods', { verb: 'deletecollection', resource: 'pods' }],
    ['DELETE', '/api/v1/namespaces/kafka/pods/p', { verb: 'delete', name: 'p' }],
    ['POST', '/api/v1/namespaces/kafka/pods/p/eviction', { verb: 'create', subresource: 'eviction' }],
    // A namespace is authorized in itself.
    ['GET', '/api/v1/namespaces/kafka', { verb: 'get', resource: 'namespaces', name: 'kafka', namespace: 'kafka' }],
    [
      'PUT',
      '/api/v1/namespaces/kafka/finalize',
      { verb: 'update', resource: 'namespaces', name: 'kafka', subresource: 'finalize' },
    ],
  ])('%s %s', (method, path, expected) => {
    expect(attrs(method, path)).toMatchObject({ resourceRequest: true, ...expected });
  });

  it('reads watch= as the real query codec does: only absent, 0 and any case of false are false', () => {
    for (const value of ['true', 'True', 'TRUE', 't', '1', 'yes', '']) {
      expect(isTrue(value)).toBe(true);
      expect(attrs('GET', `/api/v1/pods?watch=${value}`).verb).toBe('watch');
    }
    for (const value of [null, '0', 'false', 'False', 'FALSE']) expect(isTrue(value)).toBe(false);
    expect(attrs('GET', '/api/v1/pods?watch=False').verb).toBe('list');
  });

  it('treats everything outside /api/v1/… and /apis/<g>/<v>/… as a non-resource path', () => {
    for (const path of ['/api', '/api/v1', '/apis/apps', '/apis/apps/v1', '/healthz', '/openapi/v3'])
      expect(attrs('GET', path)).toMatchObject({ resourceRequest: false, verb: 'get', path });
  });
});

describe('a rule', () => {
  const patchDeployments = attrs('PATCH', '/apis/apps/v1/namespaces/kafka/deployments/broker');
  const scale = attrs('PATCH', '/apis/apps/v1/namespaces/kafka/deployments/broker/scale');

  it('matches verbs, groups and resources, with * as any', () => {
    expect(ruleAllows(patchDeployments, { verbs: ['patch'], apiGroups: ['apps'], resources: ['deployments'] })).toBe(
      true,
    );
    expect(ruleAllows(patchDeployments, { verbs: ['*'], apiGroups: ['*'], resources: ['*'] })).toBe(true);
    expect(ruleAllows(patchDeployments, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] })).toBe(
      false,
    );
    expect(ruleAllows(patchDeployments, { verbs: ['patch'], apiGroups: [''], resources: ['deployments'] })).toBe(false);
  });

  it('names subresources exactly, or as */sub; the resource alone does not cover them', () => {
    expect(ruleAllows(scale, { verbs: ['patch'], apiGroups: ['apps'], resources: ['deployments'] })).toBe(false);
    expect(ruleAllows(scale, { verbs: ['patch'], apiGroups: ['apps'], resources: ['deployments/scale'] })).toBe(true);
    expect(ruleAllows(scale, { verbs: ['patch'], apiGroups: ['apps'], resources: ['*/scale'] })).toBe(true);
    expect(ruleAllows(scale, { verbs: ['patch'], apiGroups: ['apps'], resources: ['deployments/*'] })).toBe(false);
  });

  it('with resourceNames allows only those names, so never a list or a create', () => {
    const rule = {
      verbs: ['get', 'list', 'create'],
      apiGroups: ['apps'],
      resources: ['deployments'],
      resourceNames: ['broker'],
    };
    expect(ruleAllows(attrs('GET', '/apis/apps/v1/namespaces/kafka/deployments/broker'), rule)).toBe(true);
    expect(ruleAllows(attrs('GET', '/apis/apps/v1/namespaces/kafka/deployments/other'), rule)).toBe(false);
    expect(ruleAllows(attrs('GET', '/apis/apps/v1/namespaces/kafka/deployments'), rule)).toBe(false);
    expect(ruleAllows(attrs('POST', '/apis/apps/v1/namespaces/kafka/deployments'), rule)).toBe(false);
  });

  it('matches non-resource URLs exactly or by a trailing *', () => {
    const rule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    expect(ruleAllows(attrs('GET', '/healthz'), rule)).toBe(true);
    expect(ruleAllows(attrs('GET', '/healthz/etcd'), rule)).toBe(false);
    expect(ruleAllows(attrs('GET', '/apis/apps'), rule)).toBe(true);
    expect(ruleAllows(attrs('GET', '/apis'), rule)).toBe(false);
    expect(ruleAllows(attrs('GET', '/api/v1/pods'), rule)).toBe(false);
  });
});
