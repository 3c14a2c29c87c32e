import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { kubeOperation } from '../../src/integrations/kube-http.js';
import { PromMetrics } from '../../src/integrations/metrics.js';
import type { Pool } from '../../src/integrations/postgres.js';
import { AuditLog } from '../../src/store/audit-log.js';

interface Rules {
  groups: { name: string; rules: { alert: string; expr: string }[] }[];
}
interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { query?: unknown }[] };
}

const read = async (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Every series name a process can expose: the registry's, with a histogram's _bucket, _sum and _count. */
async function registeredNames(): Promise<Set<string>> {
  const metrics = new PromMetrics();
  metrics.watchQueue('q', async () => ({}));
  metrics.watchApprovals(async () => []);
  metrics.watchStatusPost('status-daily', async () => undefined);
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(metric.name + s);
  }
  return names;
}

/** The metric names an expression uses: identifiers that are not PromQL's words, label names or label values. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '');
  const withoutGrouping = withoutStrings.replace(/\b(by|without)\s*\([^)]*\)/g, '');
  const words = withoutGrouping.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  const promql = new Set(['sum', 'max', 'min', 'rate', 'increase', 'histogram_quantile', 'time', 'label_values']);
  return words.filter((w) => !promql.has(w) && !/^\d/.test(w) && !/^(s|m|h|d)$/.test(w));
}

describe('monitoring (manifests/monitoring)', () => {
  it("the PrometheusRule's groups are the plain rules file's", async () => {
    const plain = parse(await read('manifests/monitoring/carbon-ops.rules.yaml')) as Rules;
    const operator = parse(await read('manifests/monitoring/prometheus-rule.yaml')) as {
      apiVersion: string;
      kind: string;
      spec: Rules;
    };
    expect(operator.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(operator.kind).toBe('PrometheusRule');
    expect(operator.spec.groups).toEqual(plain.groups);
    expect(plain.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort()).toEqual([
      'CarbonAuditWriteFailures',
      'CarbonDailyStatusMissed',
      'CarbonJobsFailing',
      'CarbonQueueBackingUp',
      'CarbonSlackRateLimited',
    ]);
  });

  it('every rule and every dashboard query names only series the code registers', async () => {
    const registered = await registeredNames();
    const plain = parse(await read('manifests/monitoring/carbon-ops.rules.yaml')) as Rules;
    const dashboard = JSON.parse(await read('manifests/monitoring/grafana-dashboard.json')) as Dashboard;
    const exprs = [
      ...plain.groups.flatMap((g) => g.rules.map((r) => r.expr)),
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ];
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(15);
    const unknown = exprs.flatMap((expr) => metricNames(expr).filter((name) => !registered.has(name)));
    expect(unknown).toEqual([]);
    // Each query names at least one series (the filter above did not leave it empty).
    for (const expr of exprs) expect(metricNames(expr).length).toBeGreaterThan(0);
    // And every carbon_ series is on the dashboard.
    const shown = new Set(exprs.flatMap(metricNames).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    expect(
      [...registered].filter((n) => n.startsWith('carbon_') && !shown.has(n) && !/_(bucket|sum|count)$/.test(n)),
    ).toEqual([]);
  });

  it('the metric-name reader sees through PromQL', () => {
    expect(metricNames('sum by (job_name) (increase(carbon_x_count{outcome=~"failed|lost"}[15m])) >= 3')).toEqual([
      'carbon_x_count',
    ]);
    expect(metricNames('time() - max(carbon_y) > 26 * 3600')).toEqual(['carbon_y']);
  });
});

describe('audit write failures', () => {
  it('are counted where the audit log writes, and still thrown', async () => {
    const metrics = new PromMetrics();
    const down = { query: () => Promise.reject(new Error('connection refused')) } as unknown as Pool;
    const audit = new AuditLog(down, metrics);
    await expect(
      audit.record({ actor: 'U1', action: 'restart', command: 'restart x', outcome: 'denied' }),
    ).rejects.toThrow('The audit trail cannot be written');
    expect((await metrics.exposition()).body).toMatch(/^carbon_audit_write_failures_total 1$/m);
  });
});

describe('kubeOperation: a bounded label for a Kubernetes request', () => {
  it.each([
    ['GET', '/api/v1/pods', undefined, 'list pods'],
    ['GET', '/api/v1/namespaces/kafka/pods', undefined, 'list pods'],
    ['GET', '/api/v1/namespaces/kafka/pods', { watch: true }, 'watch pods'],
    ['GET', '/apis/apps/v1/namespaces/kafka/deployments/broker', undefined, 'get deployments'],
    ['PATCH', '/apis/apps/v1/namespaces/kafka/deployments/broker', undefined, 'patch deployments'],
    ['PUT', '/apis/apps/v1/namespaces/kafka/deployments/broker/scale', undefined, 'put deployments/scale'],
    ['GET', '/api/v1/namespaces/kafka', undefined, 'get namespaces'],
    ['GET', '/api/v1/namespaces', undefined, 'list namespaces'],
    ['GET', '/version', undefined, 'get version'],
    ['GET', '/apis/apps/v1', undefined, 'get discovery'],
  ] as const)('%s %s', (method, path, query, expected) => {
    expect(kubeOperation(method, path, query)).toBe(expected);
  });

  it('never carries a namespace or an object name', () => {
    const names = ['secret-name-1', 'team-a'];
    const operation = kubeOperation('DELETE', `/api/v1/namespaces/${names[1]}/secrets/${names[0]}`);
    expect(operation).toBe('delete secrets');
  });
});
