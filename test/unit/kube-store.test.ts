// The stand-in's object store read at past revisions (a paged list's snapshot) and compacted like etcd.
import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../src/devstack/kube/index.js';
import { Store } from '../../src/devstack/kube/store.js';

const cm = (namespace: string, name: string, n: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace,
    uid: `${namespace}-${name}`,
    resourceVersion: '',
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  data: { n: String(n) },
});

function storeAt(clock: { now: number }, events = 100, ageMs = 60_000): Store {
  return new Store({ events, ageMs, now: () => clock.now });
}

const view = (store: Store, rv: number, namespace?: string, after?: string): string[] =>
  [...store.scanAt('configmaps', rv, namespace, after)].map(
    ([key, o]) => `${key}=${String((o['data'] as { n: string }).n)}`,
  );

describe('the store at a past revision', () => {
  it('undoes what changed since: modified objects as they were, deleted ones back, new ones absent', () => {
    const store = storeAt({ now: 0 });
    for (const name of ['a', 'b', 'c', 'd']) store.write('configmaps', cm('ns', name, 1));
    store.write('configmaps', cm('other', 'x', 1));
    const rv = store.resourceVersion;
    store.write('configmaps', cm('ns', 'b', 2));
    store.remove('configmaps', 'ns', 'c');
    store.write('configmaps', cm('ns', 'c', 3)); // recreated: still the old one at rv
    store.remove('configmaps', 'ns', 'd');
    store.write('configmaps', cm('ns', 'bb', 1));
    store.write('configmaps', cm('ns', 'bb', 2));
    expect(view(store, rv, 'ns')).toEqual(['ns/a=1', 'ns/b=1', 'ns/c=1', 'ns/d=1']);
    expect(view(store, rv, 'ns', 'ns/b')).toEqual(['ns/c=1', 'ns/d=1']);
    expect(view(store, rv)).toEqual(['ns/a=1', 'ns/b=1', 'ns/c=1', 'ns/d=1', 'other/x=1']);
    expect(store.countAfterAt('configmaps', rv, 'ns', 'ns/a')).toBe(3);
    expect(store.countAfterAt('configmaps', rv, undefined, 'ns/c')).toBe(2);
    expect(view(store, store.resourceVersion, 'ns')).toEqual(['ns/a=1', 'ns/b=2', 'ns/bb=2', 'ns/c=3']);
  });

  it('compacts beyond the last `events` changes, and changes older than ageMs', () => {
    const clock = { now: 0 };
    const store = storeAt(clock, 3, 1_000);
    for (let i = 0; i < 5; i++) store.write('configmaps', cm('ns', 'a', i));
    expect(store.compactedRv).toBe(2);
    expect(store.eventsSince(1)).toBeUndefined();
    expect(store.eventsSince(2)?.map((e) => e.rv)).toEqual([3, 4, 5]);
    clock.now = 1_500;
    store.write('configmaps', cm('ns', 'a', 5));
    expect(store.compactedRv).toBe(5);
    expect(store.eventsSince(5)?.map((e) => e.rv)).toEqual([6]);
    // Quiet time compacts too: nothing written, yet the last change ages out.
    clock.now = 3_000;
    expect(store.compactedRv).toBe(6);
    expect(view(store, 6)).toEqual(['ns/a=5']);
  });
});
