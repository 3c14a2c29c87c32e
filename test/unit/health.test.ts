import { describe, expect, it } from '@jest/globals';
import { Catalogue } from '../../src/catalogue.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { measureHealth } from '../../src/features/health/measure.js';
import { renderHealth } from '../../src/features/health/render.js';
import { toPlainText } from '../../src/cli/plain-text.js';
import { catalogue, pod, workloads, type PodState } from '../support/health-fixtures.js';

const cluster = { name: 'test', simulated: false };

describe('measureHealth', () => {
  const pods = [
    pod('data-platform', 'trino-1', 'ready'),
    pod('data-platform', 'etl-1', 'succeeded'),
    pod('data-platform', 'portal-1', 'imagepull'),
    pod('kafka', 'kafka-0', 'ready'),
    pod('kafka', 'kafka-1', 'ready'),
    pod('kafka', 'kafka-2', 'oom', 7),
    pod('monitoring', 'loki-0', 'crashloop', 12),
    pod('monitoring', 'loki-1', 'crashloop', 30),
    pod('monitoring', 'big-0', 'pending'),
    pod('monitoring', 'probe-0', 'notready'),
  ];
  const report = measureHealth({ cluster, takenAt: new Date('2026-11-21T09:00:00Z'), pods, workloads, catalogue });

  it('computes health as ready ÷ (all − Succeeded)', () => {
    expect(report.pods).toEqual({ total: 10, succeeded: 1, counted: 9, ready: 3 });
    expect(report.healthPct).toBe(33.3);
  });

  it('groups problem pods by the reason an operator must fix, worst first', () => {
    const reasons = Object.fromEntries(report.problems.map((p) => [p.reason, p.count]));
    expect(reasons).toEqual({ CrashLoopBackOff: 2, OOMKilled: 1, ImagePullBackOff: 1, Pending: 1, NotReady: 1 });
    const crash = report.problems.find((p) => p.reason === 'CrashLoopBackOff')!;
    expect(crash.restarts).toBe(42);
    expect(crash.pods.map((p) => p.name)).toEqual(['loki-1', 'loki-0']);
    expect(report.problems.find((p) => p.reason === 'Pending')!.pods[0]!.detail).toMatch(/Insufficient cpu/);
  });

  it('rates services from their workloads, missing ones included', () => {
    expect(report.services.map((s) => [s.name, s.status, `${s.ready}/${s.desired}`])).toEqual([
      ['trino', 'up', '1/1'],
      ['kafka', 'degraded', '2/3'],
      ['portal', 'missing', '0/0'],
    ]);
  });

  it('breaks health down by namespace, least healthy first', () => {
    expect(report.namespaces.map((n) => `${n.name} ${n.ready}/${n.pods}`)).toEqual([
      'monitoring 0/4',
      'data-platform 1/2',
      'kafka 2/3',
    ]);
  });

  it('says n/a rather than dividing by zero', () => {
    const empty = measureHealth({
      cluster,
      takenAt: new Date(),
      pods: [pod('x', 'done', 'succeeded')],
      workloads,
      catalogue,
    });
    expect(empty.healthPct).toBeNull();
    expect(toPlainText(renderHealth(empty))).toContain('Platform health n/a (0 of 0 pods ready)');
  });

  it('renders the headline, the services and the problems, and marks simulated clusters', () => {
    const text = toPlainText(
      renderHealth(
        { ...report, cluster: { name: 'demo', simulated: true } },
        { snapshotId: '7', previous: { healthPct: 50, takenAt: new Date('2026-11-20T09:00:00Z') } },
      ),
    );
    expect(text).toContain('Platform health 33.3% (3 of 9 pods ready), −16.7 points since 2026-11-20 09:00 UTC');
    expect(text).toContain('Simulated');
    expect(text).toMatch(/⚠️\s+kafka\s+kafka\s+2\/3\s+critical/);
    expect(text).toContain('snapshot #7');
    expect(text).toContain('1 Succeeded pods of completed jobs not counted');
  });
});

describe('renderHealth within Slack limits', () => {
  it('stays valid Block Kit for a huge, very sick cluster', () => {
    const reasons: PodState[] = ['crashloop', 'oom', 'imagepull', 'pending', 'notready'];
    const pods = Array.from({ length: 10_000 }, (_, i) =>
      pod(
        `namespace-${i % 400}`,
        `pod-with-a-long-name-${i}`,
        i % 3 === 0 ? 'ready' : reasons[i % reasons.length]!,
        i % 50,
      ),
    );
    const big = new Catalogue(
      Array.from({ length: 300 }, (_, i) => ({
        name: `service-${i}`,
        namespace: `namespace-${i}`,
        kind: 'deployment' as const,
        workload: `w-${i}`,
        critical: i % 2 === 0,
      })),
    );
    const message = renderHealth(measureHealth({ cluster, takenAt: new Date(), pods, workloads, catalogue: big }));
    expect(checkMessage(message)).toBeUndefined();
    expect(message.blocks!.length).toBeLessThanOrEqual(50);
    expect(toPlainText(message)).toMatch(/… and \d+ more/);
  });

  it('escapes Slack control characters that reach the report from the cluster', () => {
    const hostile = pod('ns', 'x', 'pending');
    hostile.status!.conditions![1]!.message = '<!channel> & <@U123>';
    const message = renderHealth(
      measureHealth({ cluster, takenAt: new Date(), pods: [hostile], workloads, catalogue }),
    );
    const raw = JSON.stringify(message.blocks);
    expect(raw).not.toContain('<!channel>');
    expect(raw).toContain('&lt;!channel&gt; &amp; &lt;@U123&gt;');
  });
});
