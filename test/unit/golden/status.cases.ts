import * as post from '../../../src/features/status/post-render.js';
import * as parts from '../../../src/features/status/render-parts.js';
import * as handoff from '../../../src/features/status/handoff-render.js';
import * as schedule from '../../../src/features/status/schedule-render.js';
import { keyMetrics } from '../../../src/features/status/handoff.js';
import { readiness } from '../../../src/features/status/readiness.js';
import { nextTicks } from '../../../src/features/status/schedule.js';
import { measured, notMeasured } from '../../../src/features/status/sections.js';
import { expiryOf } from '../../../src/features/status/sections/certificates.js';
import type { VaultCoverage } from '../../../src/features/status/sections/vault.js';
import { action, baseline, handoffData, phaseState, run, statusData } from '../../support/status-fixtures.js';
import { goldenModule } from '../../support/golden.js';
import { dataChecks } from '../../support/health-fixtures.js';

const at = (text: string) => new Date(`${text}Z`);
const now = at('2025-10-27T09:00:03');

const certificates = expiryOf(
  [
    { namespace: 'data-platform', name: 'trino-tls', notAfter: at('2025-11-03T12:00:00'), ready: true },
    { namespace: 'kafka', name: 'kafka-<broker>-tls', notAfter: at('2025-10-25T00:00:00'), ready: false },
    { namespace: 'data-platform', name: 'portal-tls', notAfter: at('2026-01-20T09:00:00'), ready: true },
    { namespace: 'monitoring', name: 'grafana-tls' },
  ],
  now,
  14,
);

const vault: VaultCoverage = {
  migrated: 9,
  total: 12,
  unmigrated: ['kafka/configmap/connect/SASL_PASSWORD', 'data-platform/configmap/etl/S3_SECRET_KEY', 'x/configmap/y/Z'],
  measuredAt: at('2025-10-27T07:59:58'),
  snapshotId: '5',
  source: 'measured now from the cluster and the recorded migrations',
};

/** Every section measured: phases, Vault, certificates expiring and expired. */
function fullHandoff() {
  const base = handoffData();
  const phases = measured(phaseState());
  const coverage = measured(vault);
  const certs = measured(certificates);
  const runs = [run({ id: '3', rps: 7010.5 }), run({ id: '5', rps: 7200, at: '2025-10-26T20:00:00' })];
  return handoffData({
    phases,
    vault: coverage,
    certificates: certs,
    keyMetrics: keyMetrics({
      start: base.start!,
      end: base.end!,
      runs,
      vault: coverage,
      tz: 'UTC',
      since: base.period.since,
    }),
    readiness: readiness({
      tz: 'UTC',
      snapshot: base.end!,
      latestRun: runs.at(-1)!,
      baseline,
      certificates: certs,
      vault: coverage,
      phases,
    }),
  });
}

const nothing = handoffData({
  cluster: { name: '254carbon-prod', simulated: false },
  start: undefined,
  end: undefined,
  keyMetrics: keyMetrics({ runs: [], vault: notMeasured('none'), tz: 'UTC', since: at('2025-10-24T08:00:00') }),
  readiness: readiness({
    tz: 'UTC',
    baseline,
    certificates: notMeasured('x'),
    vault: notMeasured('y'),
    phases: notMeasured('z'),
  }),
  actions: notMeasured('the audit log could not be read: PostgreSQL did not answer'),
  performance: measured({ runs: [], baseline }),
  singleReplica: notMeasured('no cluster-wide health snapshot in the period'),
});

const sealed = { state: 'not-measured', reason: 'Vault is <sealed> & waiting' } as const;

const weekdays = { pattern: '0 9 * * 1-5', tz: 'Europe/Berlin' };
const noon = at('2025-10-24T12:00:00');

/** The daily post when the data checks ran: Kafka and Vault failing since the previous post, nodes not measured. */
function withDataServices() {
  const base = statusData();
  if (base.health.state !== 'measured') throw new Error('the fixture measures health');
  const now = dataChecks('2025-10-27T09:00:02.000Z');
  const before = dataChecks('2025-10-24T09:00:02.000Z').map((c) =>
    c.kind === 'kafka' || c.kind === 'vault' ? { ...c, state: 'ok' as const, problems: [] } : c,
  );
  return statusData({
    health: measured({
      ...base.health.value,
      report: { ...base.health.value.report, dataServices: now },
      baselineDataServices: before,
    }),
  });
}

/** A handoff whose first and latest snapshots carry data checks: 4 passing of 5 measured, then 2 of 5. */
function handoffWithDataServices() {
  const base = handoffData();
  const start = {
    ...base.start!,
    dataServices: dataChecks('2025-10-24T09:00:02.000Z').map((c) =>
      c.kind === 'kafka' || c.kind === 'vault' ? { ...c, state: 'ok' as const } : c,
    ),
  };
  const end = { ...base.end!, dataServices: dataChecks('2025-10-25T09:00:02.000Z') };
  return handoffData({
    start,
    end,
    singleReplica: measured({ services: [], snapshot: end }),
    keyMetrics: keyMetrics({
      start,
      end,
      runs: [],
      vault: base.vault,
      tz: 'UTC',
      since: base.period.since,
    }),
  });
}

export default [
  goldenModule('status', 'features/status/post-render.ts', post, {
    renderStatusPost: {
      daily: () => post.renderStatusPost(statusData()),
      'with-data-services': () => post.renderStatusPost(withDataServices()),
      'late-with-phases': () => post.renderStatusPost(statusData({ late: true, phases: measured(phaseState()) })),
      'on-demand-everything-measured': () =>
        post.renderStatusPost(
          statusData({
            tick: undefined,
            jobId: 'status-report-88',
            cluster: { name: '254carbon-prod', simulated: false },
            phases: measured(phaseState()),
            vault: measured(vault),
            certificates: measured(certificates),
            actions: measured({
              since: at('2025-10-26T09:00:00'),
              until: now,
              results: [],
              truncated: false,
              counts: {},
            }),
          }),
        ),
      'nothing-measured': () =>
        post.renderStatusPost(
          statusData({
            health: notMeasured('Platform health could not be read: the Kubernetes API did not answer within 10 s.'),
            benchmarks: notMeasured('no Kafka benchmark has been run yet (`/carbon bench kafka`).'),
            actions: notMeasured('the audit log could not be read: PostgreSQL did not answer'),
            certificates: notMeasured('this cluster does not serve certificates.cert-manager.io/v1.'),
            trend: notMeasured('no cluster-wide health snapshot in the last 14 days.'),
          }),
        ),
    },
  }),
  goldenModule('status', 'features/status/render-parts.ts', parts, {
    percent: { measured: () => parts.percent(90.66), 'not-measured': () => parts.percent(null) },
    signed: {
      up: () => parts.signed(14.06),
      down: () => parts.signed(-1234.5, 0),
      'rounds-to-zero': () => parts.signed(-0.04),
    },
    missingText: {
      slack: () => parts.missingText('Vault coverage', sealed),
      markdown: () => parts.missingText('Vault coverage', sealed, parts.MARKDOWN),
    },
    recordsPerSec: { grouped: () => parts.recordsPerSec(7010.5) },
    benchmarkLine: {
      slack: () => parts.benchmarkLine(run({ id: '5', rps: 7200 }), baseline, 'UTC'),
      'markdown-acks-1-no-job': () =>
        parts.benchmarkLine(
          { ...run({ id: '6', rps: 5000 }), jobId: null, params: { ...run({ id: '6', rps: 1 }).params, acks: 1 } },
          baseline,
          'America/New_York',
          parts.MARKDOWN,
        ),
    },
    actionLine: {
      slack: () =>
        parts.actionLine(action({ detail: 'back-off <!channel> & *bold*', target: 'ns/deployment/`x`' }), 'UTC'),
      'markdown-denied': () =>
        parts.actionLine(
          action({ outcome: 'denied', approver: undefined, jobId: undefined, requestId: undefined, detail: undefined }),
          'Asia/Tokyo',
          parts.MARKDOWN,
        ),
    },
    outcomeCounts: {
      'skip-results': () =>
        parts.outcomeCounts({ denied: 2, requested: 3, succeeded: 1, expired: 1 }, ['succeeded', 'failed', 'expired']),
      none: () => parts.outcomeCounts({}, []),
    },
    certificateLine: {
      'expires-soon': () => parts.certificateLine(certificates.expiring[1]!, 'UTC'),
      'expired-not-ready-markdown': () => parts.certificateLine(certificates.expiring[0]!, 'UTC', parts.MARKDOWN),
    },
    certificateNames: {
      'more-than-max': () =>
        parts.certificateNames(
          Array.from({ length: 4 }, (_, i) => ({ namespace: 'data-platform', name: `cert-${i}` })),
          2,
        ),
    },
    listSection: {
      'with-footer': () => parts.listSection('*Title*', ['• one', '• two <b>'], 'Footer line.'),
      'cut-at-the-limit': () =>
        parts.listSection(
          '*Many*',
          Array.from({ length: 40 }, (_, i) => `• line ${i} ${'x'.repeat(90)}`),
        ),
    },
  }),
  goldenModule('status', 'features/status/handoff-render.ts', handoff, {
    formatChange: {
      points: () => handoff.formatChange({ delta: 14.06, unit: 'points' }),
      percent: () => handoff.formatChange({ delta: -2.04, unit: 'percent' }),
      count: () => handoff.formatChange({ delta: 9, unit: 'count' }),
      none: () => handoff.formatChange(undefined),
    },
    renderHandoff: {
      '3d': () => handoff.renderHandoff(handoffData()),
      'everything-measured': () => handoff.renderHandoff(fullHandoff()),
      'with-data-services': () => handoff.renderHandoff(handoffWithDataServices()),
      'nothing-measured-upload-failed': () => handoff.renderHandoff(nothing, { markdownUploaded: false }),
    },
    handoffMarkdown: {
      '3d': () => ({ markdown: handoff.handoffMarkdown(handoffData()) }),
      'everything-measured': () => ({ markdown: handoff.handoffMarkdown(fullHandoff()) }),
      'with-data-services': () => ({ markdown: handoff.handoffMarkdown(handoffWithDataServices()) }),
      'nothing-measured': () => ({ markdown: handoff.handoffMarkdown(nothing) }),
    },
  }),
  goldenModule('status', 'features/status/schedule-render.ts', schedule, {
    renderSchedule: {
      'registered-last-post': () =>
        schedule.renderSchedule({
          schedule: weekdays,
          channel: 'C0STATUS',
          next: nextTicks(weekdays, noon.getTime(), 3),
          queueName: 'carbon',
          registered: {
            ...weekdays,
            channel: 'C0STATUS',
            next: nextTicks(weekdays, noon.getTime(), 1)[0]!,
            iterations: 1,
          },
          lastPost: {
            scheduler: 'status-daily',
            tickAt: at('2025-10-24T07:00:00'),
            channel: 'C0STATUS',
            state: 'posted',
            jobId: 'repeat:status-daily:1',
            postedAt: at('2025-10-24T07:00:04'),
            late: false,
            snapshotId: '7',
          },
          now: noon,
        }),
      'registered-elsewhere-late-post': () =>
        schedule.renderSchedule({
          schedule: { pattern: '0 9 * * 1-5', tz: 'UTC' },
          channel: 'C0STATUS',
          next: nextTicks({ pattern: '0 9 * * 1-5', tz: 'UTC' }, noon.getTime(), 3),
          queueName: 'carbon',
          registered: { pattern: '0 8 * * *', tz: 'UTC', channel: 'C0OTHER', iterations: 4 },
          lastPost: {
            scheduler: 'status-daily',
            tickAt: at('2025-10-24T09:00:00'),
            channel: 'C0STATUS',
            state: 'posted',
            jobId: 'repeat:status-daily:2',
            postedAt: at('2025-10-24T11:40:00'),
            late: true,
          },
          now: noon,
        }),
      'not-registered': () =>
        schedule.renderSchedule({
          schedule: weekdays,
          channel: 'C0STATUS',
          next: nextTicks(weekdays, noon.getTime(), 3),
          queueName: 'carbon',
          now: noon,
        }),
      off: () =>
        schedule.renderSchedule({
          schedule: { pattern: '0 9 30 2 *', tz: 'UTC' },
          next: [],
          queueName: 'carbon',
          now: noon,
        }),
    },
  }),
];
