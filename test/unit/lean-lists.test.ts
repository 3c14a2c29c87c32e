// Lean lists: a list page read item by item gives exactly what JSON.parse of the whole page gives, and
// refuses what JSON.parse refuses; what the health report keeps of each pod and workload measures the same
// report as the whole objects.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { NotJson, readListPage } from '../../src/integrations/kube-list-page.js';
import { measureHealth, workloadFields } from '../../src/features/health/measure.js';
import { healthFields } from '../../src/features/health/pod-state.js';
import { catalogue, pod, workloads } from '../support/health-fixtures.js';

function read(text: string): { items: unknown[]; envelope: Record<string, unknown> } {
  const items: unknown[] = [];
  const envelope = readListPage(Buffer.from(text, 'utf8'), (item) => items.push(item));
  return { items, envelope };
}

interface Page {
  items: unknown[];
  continue: string | undefined;
  indent: string | number | undefined;
  itemsFirst: boolean;
}

/** A list page as an API server or a proxy might write it: members in any order, any indentation. */
const page: fc.Arbitrary<Page> = fc.record({
  items: fc.array(fc.jsonValue(), { maxLength: 8 }),
  continue: fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }),
  indent: fc.constantFrom(undefined, 1, 2, '\t', ' \r\n'),
  itemsFirst: fc.boolean(),
});

function write({ items, continue: token, indent, itemsFirst }: Page): string {
  const metadata = { resourceVersion: '42', ...(token !== undefined ? { continue: token } : {}) };
  const value = itemsFirst
    ? { items, kind: 'PodList', apiVersion: 'v1', metadata }
    : { kind: 'PodList', apiVersion: 'v1', metadata, items };
  const text = JSON.stringify(value, null, indent);
  // JSON.stringify indents with spaces or tabs only; a CR LF indent is made by hand.
  return indent === ' \r\n' ? text.replace(/\n/g, '\r\n') : text;
}

describe('readListPage', () => {
  it('hands over every item and returns every other member, exactly as JSON.parse reads them', () => {
    fc.assert(
      fc.property(page, (p) => {
        const text = write(p);
        const { items, ...envelope } = JSON.parse(text) as Record<string, unknown>;
        const got = read(text);
        expect(got.items).toEqual(items);
        expect(got.envelope).toEqual(envelope);
      }),
      { numRuns: 300 },
    );
  });

  it('reads strings holding brackets, quotes, escapes and multi-byte characters as they are', () => {
    const tricky = ['}]{["', '\\"}', 'é✓😀 ]', '\\\\', '\u2028', 'a\\u005d"}'].map((s) => ({ metadata: { name: s } }));
    const text = JSON.stringify({ metadata: { continue: '"]}😀' }, items: tricky });
    expect(read(text)).toEqual({ items: tricky, envelope: { metadata: { continue: '"]}😀' } } });
  });

  it('refuses every truncation of a page', () => {
    fc.assert(
      fc.property(
        page.filter((p) => p.items.length > 0),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (p, cut) => {
          const text = write(p);
          const bytes = Buffer.from(text, 'utf8');
          const truncated = bytes.subarray(0, Math.min(bytes.length - 1, Math.floor(cut * bytes.length)));
          expect(() => readListPage(truncated, () => undefined)).toThrow(NotJson);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['an HTML page', '<html>sign in</html>'],
    ['an empty answer', ''],
    ['an array', '[{"a":1}]'],
    ['a trailing comma among the items', '{"items":[{"a":1},]}'],
    ['a bad item', '{"items":[{"a":1},{"a":}]}'],
    ['mismatched brackets in an item', '{"items":[{"a":[1}]]}'],
    ['a bad member', '{"kind":PodList,"items":[]}'],
    ['something after the page', '{"items":[]} {"items":[]}'],
    ['a missing colon', '{"items" []}'],
  ])('refuses %s', (_what, text) => {
    expect(() => read(text)).toThrow(NotJson);
  });

  it('reads an empty page and a page whose items are null', () => {
    expect(read('{}')).toEqual({ items: [], envelope: {} });
    expect(read(' {"items": [ ] } ')).toEqual({ items: [], envelope: {} });
    expect(read('{"items":null}')).toEqual({ items: [], envelope: { items: null } });
  });
});

const reasons = ['CrashLoopBackOff', 'ImagePullBackOff', 'OOMKilled', 'Error', 'Completed', 'Evicted', undefined];
const reason = fc.constantFrom(...reasons);
const message = fc.option(fc.string(), { nil: undefined });
const state = fc.record(
  {
    waiting: fc.record({ reason, message }, { requiredKeys: [] }),
    terminated: fc.record(
      { reason, message, exitCode: fc.integer({ min: 0, max: 255 }) },
      { requiredKeys: ['exitCode'] },
    ),
    running: fc.constant({ startedAt: '2026-12-01T00:00:00Z' }),
  },
  { requiredKeys: [] },
);
const containerStatus = fc.record(
  {
    name: fc.constant('main'),
    image: fc.constant('registry.example.com/app:1'),
    imageID: fc.constant(''),
    ready: fc.boolean(),
    restartCount: fc.nat(40),
    state,
    lastState: state,
  },
  { requiredKeys: ['name', 'image', 'imageID', 'ready', 'restartCount'] },
);
const condition = fc.record(
  {
    type: fc.constantFrom('Ready', 'PodScheduled', 'Initialized', 'ContainersReady'),
    status: fc.constantFrom('True', 'False', 'Unknown'),
    reason: fc.constantFrom('Unschedulable', 'ContainersNotReady'),
    message,
    lastTransitionTime: fc.constant('2026-12-01T00:00:00Z'),
  },
  { requiredKeys: ['type', 'status'] },
);
/** Pods in any state the report reads: phases, conditions, init and app containers waiting or terminated. */
const anyPod: fc.Arbitrary<Pod> = fc.record(
  {
    metadata: fc.record({
      namespace: fc.constantFrom('data-platform', 'kafka', 'monitoring'),
      name: fc.string({ minLength: 1, maxLength: 12 }),
      labels: fc.constant({ app: 'x' }),
    }),
    spec: fc.constant({ containers: [{ name: 'main', image: 'registry.example.com/app:1' }] }),
    status: fc.record(
      {
        phase: fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'),
        reason: fc.constantFrom('Evicted', 'DeadlineExceeded'),
        message,
        podIP: fc.constant('10.0.0.1'),
        conditions: fc.array(condition, { maxLength: 5 }),
        containerStatuses: fc.array(containerStatus, { maxLength: 3 }),
        initContainerStatuses: fc.array(containerStatus, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['metadata'] },
);

describe('what the health report keeps of a pod and a workload', () => {
  const cluster = { name: 'test', simulated: false };
  const takenAt = new Date('2026-12-07T09:00:00Z');

  it('measures the same report as the whole pods', () => {
    fc.assert(
      fc.property(fc.array(anyPod, { maxLength: 40 }), (pods) => {
        const whole = measureHealth({ cluster, takenAt, pods, workloads, catalogue });
        const kept = measureHealth({ cluster, takenAt, pods: pods.map(healthFields), workloads, catalogue });
        expect(kept).toEqual(whole);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps of a ready pod only its name, namespace, phase and readiness, and a sick pod`s whole status', () => {
    const ready = pod('kafka', 'kafka-0', 'ready', 3);
    expect(healthFields(ready)).toEqual({
      metadata: { namespace: 'kafka', name: 'kafka-0' },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const sick = pod('kafka', 'kafka-2', 'oom', 7);
    expect(healthFields(sick)).toEqual({ metadata: { namespace: 'kafka', name: 'kafka-2' }, status: sick.status });
  });

  it('rates services the same from the kept fields of workloads, with and without replicas and status', () => {
    const bare: Deployment = {
      metadata: { namespace: 'data-platform', name: 'portal' },
      spec: { selector: {}, template: {} },
    };
    const all = {
      deployments: [...workloads.deployments, bare],
      statefulSets: workloads.statefulSets,
    };
    const pods = [pod('kafka', 'kafka-0', 'ready')];
    const whole = measureHealth({ cluster, takenAt, pods, workloads: all, catalogue });
    const kept = measureHealth({
      cluster,
      takenAt,
      pods,
      workloads: {
        deployments: all.deployments.map(workloadFields),
        statefulSets: all.statefulSets.map(workloadFields),
      },
      catalogue,
    });
    expect(kept.services).toEqual(whole.services);
    expect(whole.services.map((s) => s.status)).toEqual(['up', 'degraded', 'down']);
  });
});
