import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { promtool } from '../support/prometheus.js';

/** The alerting rules, read by the real promtool (Debian's prometheus package): valid, and firing when they should. */
const RULES = fileURLToPath(new URL('../../manifests/monitoring/carbon-ops.rules.yaml', import.meta.url));

interface Rules {
  groups: { name: string; rules: { alert: string; annotations?: unknown }[] }[];
}

/** One series over time, in promtool's notation (`0+1x30`: from 0, one more each minute, 30 times). */
const series = (name: string, values: string) => ({ series: name, values });
const fires = (at: string, alertname: string, labels: Record<string, string>) => ({
  eval_time: at,
  alertname,
  exp_alerts: [{ exp_labels: labels }],
});
const silent = (at: string, alertname: string) => ({ eval_time: at, alertname, exp_alerts: [] });

/** What happens to the platform, minute by minute, and which alerts should then be firing. */
const TEST = {
  interval: '1m',
  input_series: [
    series('carbon_audit_write_failures_total{job="carbon-bot"}', '0 0 1 1 1 1 1 1 1 1 1'),
    series('carbon_queue_jobs{queue="carbon-ops",state="waiting"}', '50x30'),
    series('carbon_queue_jobs{queue="carbon-ops",state="active"}', '90x30'),
    series('carbon_job_duration_seconds_count{job_name="health-report",outcome="failed"}', '0+1x30'),
    series('carbon_job_duration_seconds_count{job_name="status-tick",outcome="refused"}', '0+5x30'),
    series('carbon_slack_rate_limited_total{method="chat.update"}', '0+2x30'),
    series('carbon_slack_rate_limited_total{method="chat.postMessage"}', '0 1 1 1 1 1 1 1 1 1 1'),
    // The last daily post at t=0; the evaluation starts at Unix time 0, so it is late from 26 hours on.
    series('carbon_status_post_last_success_timestamp_seconds{scheduler="status-daily"}', '0x1700'),
  ],
  alert_rule_test: [
    fires('3m', 'CarbonAuditWriteFailures', { severity: 'critical' }),
    silent('20m', 'CarbonAuditWriteFailures'), // no failure in the last 5 minutes
    silent('5m', 'CarbonQueueBackingUp'), // not yet for 10 minutes
    fires('20m', 'CarbonQueueBackingUp', { severity: 'warning', queue: 'carbon-ops' }),
    fires('25m', 'CarbonJobsFailing', { severity: 'warning', job_name: 'health-report' }), // refusals are not failures
    fires('25m', 'CarbonSlackRateLimited', { severity: 'warning', method: 'chat.update' }),
    silent('25m', 'CarbonDailyStatusMissed'),
    fires('1680m', 'CarbonDailyStatusMissed', { severity: 'warning' }), // 28 hours after the last post
  ],
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'carbon-rules-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('alerting rules (manifests/monitoring/carbon-ops.rules.yaml)', () => {
  it('promtool check rules accepts them', () => {
    const checked = promtool(['check', 'rules', RULES]);
    expect(checked.output).toContain('SUCCESS: 5 rules found');
    expect(checked.status).toBe(0);
  });

  it('each alert fires when its trouble lasts, and only then (promtool test rules)', async () => {
    // The same rules without their annotations (promtool compares those word for word): the exprs, `for`
    // and labels are what is tested.
    const rules = parse(await readFile(RULES, 'utf8')) as Rules;
    for (const group of rules.groups) for (const rule of group.rules) delete rule.annotations;
    await writeFile(join(dir, 'rules.yaml'), stringify(rules));
    await writeFile(
      join(dir, 'tests.yaml'),
      stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests: [TEST] }),
    );
    const tested = promtool(['test', 'rules', join(dir, 'tests.yaml')]);
    expect(tested.output).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });
});
