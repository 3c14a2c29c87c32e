import { describe, expect, it } from '@jest/globals';
import { COMMANDS } from '../../src/app/commands.js';
import { loadConfig } from '../../src/config.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { toPlainText, fromMrkdwn } from '../../src/cli/plain-text.js';
import { formatChange, handoffMarkdown, renderHandoff } from '../../src/features/status/handoff-render.js';
import { renderSchedule } from '../../src/features/status/schedule-render.js';
import { renderStatusPost } from '../../src/features/status/post-render.js';
import { signed } from '../../src/features/status/render-parts.js';
import { keyMetrics, periodStart } from '../../src/features/status/handoff.js';
import { readiness } from '../../src/features/status/readiness.js';
import { lastDueTick, nextTicks } from '../../src/features/status/schedule.js';
import { measured, notMeasured } from '../../src/features/status/sections.js';
import { expiryOf } from '../../src/features/status/sections/certificates.js';
import { formatDuration, formatTime, zonedInstant } from '../../src/features/status/time.js';
import {
  action,
  baseline,
  handoffData,
  parseHandoffSince,
  phaseState,
  run,
  snapshot,
  statusData,
} from '../support/status-fixtures.js';
import { usageOf } from '../support/usage.js';

const utc = (text: string) => new Date(`${text}Z`);

describe('status and handoff commands', () => {
  it('parse status, schedule and handoff with its period', () => {
    expect(COMMANDS.parse('status')).toEqual({ name: 'status' });
    expect(COMMANDS.parse('schedule')).toEqual({ name: 'schedule' });
    expect(COMMANDS.parse('handoff')).toEqual({ name: 'handoff', since: { kind: 'ago', ms: 86_400_000, text: '24h' } });
    expect(parseHandoffSince('--since 7d')).toEqual({ kind: 'ago', ms: 7 * 86_400_000, text: '7d' });
    expect(parseHandoffSince('--since 2025-10-24')).toEqual({
      kind: 'date',
      year: 2025,
      month: 10,
      day: 24,
      hour: 0,
      minute: 0,
      second: 0,
      text: '2025-10-24',
    });
    expect(parseHandoffSince('2025-10-24T09:30')).toMatchObject({ kind: 'date', hour: 9, minute: 30 });
    expect(parseHandoffSince('--since 2025-10-24T09:30:15Z')).toMatchObject({ second: 15, offsetMinutes: 0 });
    expect(parseHandoffSince('--since 2025-10-24T09:30+02:00')).toMatchObject({ offsetMinutes: 120 });
    expect(parseHandoffSince('--since 2025-10-24T09:30-05:30')).toMatchObject({ offsetMinutes: -330 });
  });

  it('refuse a bad --since with a message that says what to type', () => {
    for (const bad of [
      'yesterday',
      '24',
      'h',
      '-1d',
      '2025-13-01',
      '2025-02-30',
      '2025-10-24T25:00',
      '2025-10-24T09:00+15:00',
      '1999-01-01',
      '24x',
    ]) {
      expect(usageOf(`handoff --since ${bad}`)).toMatch(
        /(is not a period start|is not a real date and time|has no such UTC offset): give a duration like 24h, 7d or 2w, or a date like 2025-10-24/,
      );
    }
    expect(usageOf('handoff --since 9999d')).toMatch(/too long a period: at most 366 days/);
    expect(usageOf('handoff --since')).toMatch(/needs a value/);
    expect(usageOf('handoff --since 24h 7d')).toMatch(/Unexpected `7d`/);
    expect(usageOf('status now')).toMatch(/Unexpected `now`/);
    expect(usageOf('schedule --at 9')).toMatch(/Unknown option `--at`/);
  });
});

describe('periods and time zones', () => {
  const now = utc('2025-10-27T12:00:00');
  it('read a duration back from now and a date on the team clock', () => {
    expect(periodStart({ kind: 'ago', ms: 86_400_000, text: '24h' }, now, 'UTC')).toEqual(utc('2025-10-26T12:00:00'));
    const date = {
      kind: 'date',
      year: 2025,
      month: 10,
      day: 24,
      hour: 0,
      minute: 0,
      second: 0,
      text: '2025-10-24',
    } as const;
    expect(periodStart(date, now, 'UTC')).toEqual(utc('2025-10-24T00:00:00'));
    expect(periodStart(date, now, 'Europe/Berlin')).toEqual(utc('2025-10-23T22:00:00')); // CEST, UTC+2
    expect(periodStart({ ...date, month: 11, day: 3 }, now, 'Europe/Berlin')).toEqual(utc('2025-11-02T23:00:00')); // CET, UTC+1
    expect(periodStart({ ...date, hour: 9, offsetMinutes: -300 }, now, 'Europe/Berlin')).toEqual(
      utc('2025-10-24T14:00:00'),
    );
  });

  it('convert wall-clock times across daylight-saving changes', () => {
    expect(zonedInstant('America/New_York', 2025, 3, 9, 2, 30)).toEqual(utc('2025-03-09T07:30:00')); // skipped hour: just after
    expect(zonedInstant('America/New_York', 2025, 11, 2, 1, 30)).toEqual(utc('2025-11-02T05:30:00')); // repeated hour: the first
    expect(formatTime(utc('2025-10-27T09:00:00'), 'Europe/Berlin', { weekday: true })).toBe(
      'Mon 2025-10-27 10:00 Europe/Berlin',
    );
    expect(formatTime(utc('2025-10-27T09:00:05'), 'UTC')).toBe('2025-10-27 09:00:05 UTC');
    expect(formatDuration(3 * 3_600_000 + 20 * 60_000)).toBe('3 h 20 min');
    expect(formatDuration(50 * 3_600_000)).toBe('2 d 2 h');
  });
});

describe('the schedule arithmetic (BullMQ next-run function)', () => {
  const weekdays = { pattern: '0 9 * * 1-5', tz: 'UTC' };
  it('finds the next runs and the last tick that was due', () => {
    const friday = utc('2025-10-24T12:00:00').getTime();
    expect(nextTicks(weekdays, friday, 2).map((t) => new Date(t).toISOString())).toEqual([
      '2025-10-27T09:00:00.000Z',
      '2025-10-28T09:00:00.000Z',
    ]);
    expect(new Date(lastDueTick(weekdays, utc('2025-10-27T08:59:59').getTime())!).toISOString()).toBe(
      '2025-10-24T09:00:00.000Z',
    ); // over the weekend
    expect(new Date(lastDueTick(weekdays, utc('2025-10-27T09:00:00').getTime())!).toISOString()).toBe(
      '2025-10-27T09:00:00.000Z',
    ); // at the tick
    expect(new Date(lastDueTick({ pattern: '0 9 * * 1-5', tz: 'Europe/Berlin' }, friday)!).toISOString()).toBe(
      '2025-10-24T07:00:00.000Z',
    );
    expect(lastDueTick({ pattern: '*/3 * * * * *', tz: 'UTC' }, utc('2025-10-24T12:00:07.500').getTime())).toBe(
      utc('2025-10-24T12:00:06').getTime(),
    );
  });
});

describe('STATUS_* settings', () => {
  it('default to weekdays 09:00 UTC with no channel, and are validated together with the rest', () => {
    expect(loadConfig({})).toMatchObject({ STATUS_CRON: '0 9 * * 1-5', STATUS_TZ: 'UTC' });
    expect(loadConfig({}).STATUS_CHANNEL).toBeUndefined();
    expect(
      loadConfig({ STATUS_CRON: '*/2 * * * * *', STATUS_TZ: 'Europe/Berlin', STATUS_CHANNEL: 'C0STATUS' }),
    ).toMatchObject({ STATUS_CHANNEL: 'C0STATUS' });
    const problem = (() => {
      try {
        loadConfig({
          STATUS_CRON: '0 25 * * *',
          STATUS_TZ: 'Mars/Olympus',
          STATUS_CHANNEL: '#status',
          KUBE_PAGE_SIZE: 'lots',
        });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(problem).toMatch(
      /KUBE_PAGE_SIZE[\s\S]*STATUS_CRON: `0 25 \* \* \*` is not a valid cron pattern[\s\S]*STATUS_TZ: must be an IANA time zone[\s\S]*STATUS_CHANNEL/,
    );
    expect(() => loadConfig({ STATUS_CRON: 'daily' })).toThrow(/STATUS_CRON: `daily` is not a cron pattern/);
  });
});

describe('the daily status post', () => {
  it('shows health with its change since the previous post, and says what is not measured', () => {
    const message = renderStatusPost(statusData());
    expect(checkMessage(message)).toBeUndefined();
    const text = toPlainText(message);
    expect(message.text).toBe(
      'Daily status · 254carbon-demo · Mon 2025-10-27: Platform health 90.7% (127 of 140 pods ready) [simulated demo cluster]',
    );
    expect(text).toContain(
      'Platform health 90.7% (127 of 140 pods ready), +14.1 points since the previous daily post (76.6%, snapshot #1, 2025-10-24 09:00 UTC)',
    );
    expect(text).toContain('snapshot #7 · measured 2025-10-27 09:00:03 UTC');
    expect(text).toContain('Phase progress: not measured: no phase runbooks are defined');
    expect(text).toContain('Vault coverage: not measured');
    expect(text).toContain(
      'run #3 2025-10-26 08:00 UTC: 7,010 records/s (6.85 MB/s), avg 2.5 ms, p95 4 ms; 98% of the baseline 7,153/s',
    );
    expect(text).toContain(
      '✅ 2025-10-26 10:00 UTC restart `data-platform/deployment/trino-coordinator` by @U0OPERATOR, approved by @U0APPROVER: succeeded',
    );
    expect(text).toContain('Also in the audit log: 1 requested, 2 denied.');
    expect(text).toContain('`data-platform/trino-tls` expires 2025-11-03 12:00 UTC (in 7 d)');
    expect(text).toContain('📈 Health trend chart in the thread: 2 cluster-wide snapshots');
    expect(text).not.toMatch(/undefined|NaN|null/);
  });

  it('marks a late post and draws phase progress like the seed dashboard', () => {
    const message = renderStatusPost(statusData({ late: true, phases: measured(phaseState()) }));
    expect(checkMessage(message)).toBeUndefined();
    const text = toPlainText(message);
    expect(text).toContain('Posted late: this is the post due Mon 2025-10-27 09:00 UTC, 3 h 20 min ago');
    expect(text).toMatch(/Phase 1: Infrastructure Stabilization +90\.9% ███████████░/);
    expect(text).toMatch(/Phase 4: Platform Stabilization & Hardening +33\.3% ████░░░░░░░░/);
    expect(text).toMatch(/Overall \(11 of 14 tasks done\) +78\.6%/);
    expect(text).toContain('❌ failing: phase 4 `no-crashloop`');
  });

  it('stays inside Slack limits with hundreds of actions and hostile text', () => {
    const many = Array.from({ length: 150 }, (_, i) =>
      action({
        id: String(i + 10),
        detail: `<!channel> ${'x'.repeat(400)} *bold* & more`,
        target: `ns/deployment/${'a'.repeat(60)}-${i}`,
      }),
    );
    const data = statusData({
      actions: measured({
        since: utc('2025-10-26T09:00:00'),
        until: utc('2025-10-27T09:00:00'),
        results: many,
        truncated: true,
        counts: { succeeded: 150 },
      }),
    });
    const message = renderStatusPost(data);
    expect(checkMessage(message)).toBeUndefined();
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
    expect(toPlainText(message)).toMatch(/… and \d+ more/);
  });

  it('reports a section that failed as not measured, and health missing in the fallback text', () => {
    const data = statusData({
      health: notMeasured(
        'Platform health could not be read: The Kubernetes API at http://x did not answer within 10 s (list pods).',
      ),
    });
    const message = renderStatusPost(data);
    expect(message.text).toContain('health not measured');
    expect(toPlainText(message)).toContain(
      'Platform health: not measured: Platform health could not be read: The Kubernetes API',
    );
  });
});

describe('certificates', () => {
  it('list the ones expiring within the window, soonest first, and count the unissued', () => {
    const now = utc('2025-10-27T09:00:00');
    const items = [
      { namespace: 'a', name: 'late', notAfter: utc('2025-12-27T09:00:00') },
      { namespace: 'a', name: 'soon', notAfter: utc('2025-11-01T09:00:00'), ready: true },
      { namespace: 'a', name: 'expired', notAfter: utc('2025-10-20T09:00:00'), ready: false },
      { namespace: 'a', name: 'new' },
    ];
    const expiry = expiryOf(items, now, 14);
    expect(expiry.expiring.map((c) => [c.name, c.daysLeft])).toEqual([
      ['expired', -7],
      ['soon', 5],
    ]);
    expect(expiry.unissued.map((c) => c.name)).toEqual(['new']);
    expect(expiry.notReady.map((c) => c.name)).toEqual(['expired']);
  });
});

describe('the handoff', () => {
  it('computes the key metrics from the first snapshot (run) of the period and the latest, with sources', () => {
    const start = snapshot({ id: '11', at: '2025-10-24T09:00:00', ready: 118, counted: 154, up: 14 });
    const end = snapshot({ id: '19', at: '2025-10-25T09:00:00', ready: 127, counted: 140, up: 14 });
    const rows = keyMetrics({
      start,
      end,
      runs: [run({ id: '3', rps: 7153 }), run({ id: '5', rps: 7010.5 })],
      vault: notMeasured('no secret-looking ConfigMap keys were found'),
      tz: 'UTC',
      since: utc('2025-10-24T08:00:00'),
    });
    const table = rows.map((r) => [r.name, r.start?.text, r.end?.text, formatChange(r.change), r.missing]);
    expect(table).toEqual([
      ['Platform health', '76.6%', '90.7%', '+14.1 points', undefined],
      ['Ready pods', '118', '127', '+9', undefined],
      ['Pods (all − Succeeded)', '154', '140', '−14', undefined],
      ['Critical services up', '14/14', '14/14', '±0', undefined],
      ['Vault coverage', undefined, undefined, '—', 'no secret-looking ConfigMap keys were found'],
      ['Kafka throughput', '7,153/s', '7,011/s', '−2.0%', undefined],
    ]);
    expect(rows[0]!.start!.source).toBe('snapshot #11 (2025-10-24 09:00:00 UTC, job health-11)');
    expect(rows[5]!.end!.source).toBe('run #5 (2025-10-26 08:00:00 UTC, job bench-kafka-5)');
  });

  it('says so when a metric has no data, and never divides by nothing', () => {
    const rows = keyMetrics({ runs: [], vault: notMeasured('none'), tz: 'UTC', since: utc('2025-10-24T08:00:00') });
    expect(rows.every((r) => r.missing !== undefined && r.start === undefined)).toBe(true);
    expect(rows[0]!.missing).toBe(
      'no cluster-wide health snapshot since 2025-10-24 08:00 UTC (`/carbon health` or the daily post takes one)',
    );
  });

  it('shows the readiness score only with its formula and every check', () => {
    const r = readiness({
      tz: 'UTC',
      snapshot: snapshot({ id: '19', at: '2025-10-25T09:00:00', ready: 127, counted: 140, up: 14 }),
      latestRun: run({ id: '5', rps: 7200 }),
      baseline,
      certificates: notMeasured('this cluster does not serve certificates.cert-manager.io/v1'),
      vault: notMeasured('no secret-looking ConfigMap keys were found'),
      phases: notMeasured('no phase state'),
    });
    expect(r.checks.map((c) => [c.name, c.state])).toEqual([
      ['Platform health ≥ 95%', 'fail'],
      ['Every critical service fully up', 'pass'],
      ['Every critical service runs 2 or more replicas', 'fail'],
      ['No pod in CrashLoopBackOff', 'pass'],
      ['Kafka throughput ≥ the baseline 7,153 records/s', 'pass'],
      ['No certificate expires within 14 days', 'not-measured'],
      ['Every secret in Vault', 'not-measured'],
    ]);
    expect([r.passing, r.measured, r.score]).toEqual([3, 5, 60]);
    const text = toPlainText(renderHandoff(handoffData({ readiness: r })));
    expect(text).toContain('Production readiness score: 60% = 3 of 5 measured readiness checks passing');
    expect(text).toContain('Formula: checks passing ÷ checks measured; 2 not measured, left out of both. The checks:');
    expect(text).toContain('❔ No certificate expires within 14 days: not measured: this cluster does not serve');
    expect(
      readiness({
        tz: 'UTC',
        baseline,
        certificates: notMeasured('x'),
        vault: notMeasured('y'),
        phases: notMeasured('z'),
      }).score,
    ).toBeUndefined();
  });

  it("adds the runbooks' checks as verified, and lists deliverables and next steps from the phase state", () => {
    const phases = measured(phaseState());
    const r = readiness({ tz: 'UTC', baseline, certificates: notMeasured('x'), vault: notMeasured('y'), phases });
    expect(r.checks.filter((c) => c.name.startsWith('Phase')).map((c) => [c.name, c.state, c.detail])).toEqual([
      [
        'Phase 1 check: Vault initialized and unsealed',
        'pass',
        'initialized, unsealed; verified 2025-10-25 10:00 UTC, job phase-verify-1',
      ],
      [
        'Phase 4 check: No CrashLoopBackOff in data-platform',
        'fail',
        '13 pods in CrashLoopBackOff; verified 2025-10-25 10:00 UTC, job phase-verify-1',
      ],
    ]);
    const markdown = handoffMarkdown(handoffData({ phases, readiness: r }));
    expect(markdown).toContain('## Deliverables: 1 task completed in the period');
    expect(markdown).toContain(
      '- ✅ Phase 4 · PodDisruptionBudgets for critical services (2025-10-25 09:31 UTC, by U0OPERATOR, job phase-apply-1)',
    );
    expect(markdown).toContain(
      '- Objects applied by kind: 8 PodDisruptionBudget (8 created), 1 ResourceQuota (1 changed); 1 applied unchanged',
    );
    expect(markdown).toContain(
      '## Next steps: 3 pending tasks, in phase order\n\n1. Phase 1 · Mirror the critical images\n2. Phase 4 · No CrashLoopBackOff in data-platform (failed: 13 pods in CrashLoopBackOff)\n3. Phase 4 · Delete failed pods of non-critical workloads',
    );
    expect(markdown).toContain(
      '- ❌ Failing check: Phase 4 check: No CrashLoopBackOff in data-platform: 13 pods in CrashLoopBackOff',
    );
  });

  it('renders inside Slack limits and as Markdown with the same figures', () => {
    const data = handoffData();
    const message = renderHandoff(data);
    expect(checkMessage(message)).toBeUndefined();
    const text = toPlainText(message);
    expect(text).toMatch(/Platform health\s+76\.6%\s+90\.7%\s+\+14\.1 points/);
    expect(text).toContain('start = snapshot #11 (2025-10-24 09:00:00 UTC, job health-11), end = snapshot #19');
    const markdown = handoffMarkdown(data);
    expect(markdown).toContain('| Platform health | 76.6% | 90.7% | +14.1 points |');
    expect(markdown).toContain('| Vault coverage | not measured | not measured | — |');
    expect(markdown).toContain('## Production readiness score: 60% = 3 of 5 measured readiness checks passing');
    expect(markdown).toContain('## Actions: 1 finished in the period');
    expect(markdown).toContain(
      '- ✅ 2025-10-26 10:00 UTC **restart** `data-platform/deployment/trino-coordinator` by U0OPERATOR, approved by U0APPROVER: succeeded',
    );
    expect(markdown).not.toMatch(/<@|undefined|NaN/);
  });

  it('stays inside Slack limits with a long period full of actions and runs', () => {
    const data = handoffData({
      actions: measured({
        since: utc('2025-10-01T00:00:00'),
        until: utc('2025-10-27T00:00:00'),
        results: Array.from({ length: 100 }, (_, i) => action({ id: String(i), detail: 'y'.repeat(300) })),
        truncated: true,
        counts: {},
      }),
      runs: Array.from({ length: 200 }, (_, i) => run({ id: String(i), rps: 7000 + i })),
    });
    const message = renderHandoff(data);
    expect(checkMessage(message)).toBeUndefined();
    expect(message.blocks!.length).toBeLessThanOrEqual(50);
  });

  it('formats changes with a real minus sign', () => {
    expect(signed(-5, 0)).toBe('−5');
    expect(signed(0.04)).toBe('±0.0');
    expect(formatChange({ delta: 14.2, unit: 'points' })).toBe('+14.2 points');
  });
});

describe('the schedule view', () => {
  it('shows when, where, the next runs and whether the scheduler is registered as configured', () => {
    const now = utc('2025-10-24T12:00:00');
    const schedule = { pattern: '0 9 * * 1-5', tz: 'UTC' };
    const message = renderSchedule({
      schedule,
      channel: 'C0STATUS',
      next: nextTicks(schedule, now.getTime(), 3),
      queueName: 'carbon',
      registered: { pattern: '0 8 * * *', tz: 'UTC', next: utc('2025-10-25T08:00:00').getTime(), iterations: 4 },
      now,
    });
    expect(checkMessage(message)).toBeUndefined();
    const text = toPlainText(message);
    expect(text).toContain('When: `0 9 * * 1-5` in UTC');
    expect(text).toContain('Next runs: Mon 2025-10-27 09:00 UTC, Tue 2025-10-28 09:00 UTC, Wed 2025-10-29 09:00 UTC');
    expect(text).toContain('The registered scheduler has other settings (`0 8 * * *` in UTC)');
    const off = toPlainText(renderSchedule({ schedule, next: [], queueName: 'carbon', now }));
    expect(off).toContain('Daily status posts are off: STATUS_CHANNEL is not set');
  });

  it('leaves code spans alone in the terminal rendering', () => {
    expect(fromMrkdwn('*When:* `0 9 * * 1-5` and _this_')).toBe('When: `0 9 * * 1-5` and this');
  });
});
