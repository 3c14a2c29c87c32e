import type { RestartCommand } from '../../src/contracts/commands.js';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Event as KubeEvent, Pod } from 'kubernetes-types/core/v1.js';
import { Catalogue } from '../../src/catalogue.js';
import { parseDuration } from '../../src/commands/duration.js';
import { REQUEST_ID } from '../../src/approvals/request-id.js';
import { COMMANDS } from '../../src/app/commands.js';
import { resolveRestartTarget } from '../../src/features/restart/command.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { UsageError } from '../../src/errors.js';
import { labelSelector } from '../../src/features/restart/restart-rollout.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { toPlainText } from '../../src/cli/plain-text.js';
import { auditMessage, planMessage, rolloutFailed, statusMessage } from '../../src/features/restart/render.js';
import { approvalRefusal, denyRefusal } from '../../src/approvals/index.js';
import { RESTART_KIND } from '../../src/features/restart/approval.js';
import { failingPods, formatDuration, recentEvents } from '../../src/features/restart/failure.js';
import { buildPlan, resolveFenceposts, selectorMatches } from '../../src/features/restart/plan.js';
import { newRequestId } from '../../src/approvals/request-id.js';
import { restartedAtValue } from '../../src/features/restart/plan.js';
import { deploymentStatus, progressLine, statefulSetStatus } from '../../src/features/restart/rollout-status.js';
import { parseTime, toJsonLine } from '../../src/cli/audit-export.js';
import type { AuditRow } from '../../src/store/audit-log.js';
import { pdb, planInput, request, trinoDeployment } from '../support/restart-fixtures.js';
import { usageErrorOf } from '../support/usage.js';

const catalogue = new Catalogue([
  { name: 'trino', namespace: 'data-platform', kind: 'deployment', workload: 'trino-coordinator', critical: true },
  { name: 'kafka', namespace: 'kafka', kind: 'statefulset', workload: 'kafka', critical: true },
  { name: 'superset', namespace: 'data-platform', kind: 'deployment', workload: 'superset', critical: true },
]);

describe('restart grammar', () => {
  it('reads a service, a deployment or a statefulset, a namespace and a reason', () => {
    expect(COMMANDS.parse('restart trino --reason "stuck on queued queries"')).toEqual({
      name: 'restart',
      target: { kind: 'service', name: 'trino' },
      reason: 'stuck on queued queries',
    });
    expect(COMMANDS.parse('restart deployment/superset -n data-platform --reason OOM-loop')).toEqual({
      name: 'restart',
      target: { kind: 'deployment', name: 'superset' },
      namespace: 'data-platform',
      reason: 'OOM-loop',
    });
    expect(COMMANDS.parse("restart sts/kafka --reason 'broker 2 wedged'")).toMatchObject({
      target: { kind: 'statefulset', name: 'kafka' },
    });
    expect(COMMANDS.parse('restart deploy/a.b-c -n x --reason abc')).toMatchObject({
      target: { kind: 'deployment', name: 'a.b-c' },
    });
    expect(COMMANDS.parse('restart Trino --reason abc')).toMatchObject({ target: { kind: 'service', name: 'trino' } });
  });

  it('takes the conversational form: target, comma, reason', () => {
    expect(COMMANDS.parse('restart trino, it is stuck on queued queries')).toMatchObject({
      target: { name: 'trino' },
      reason: 'it is stuck on queued queries',
    });
  });

  it('requires a sensible reason and refuses what is not a Kubernetes name, before any call', () => {
    expect(usageErrorOf(() => COMMANDS.parse('restart trino'))).toMatch(/A reason is required/);
    expect(usageErrorOf(() => COMMANDS.parse('restart trino --reason ""'))).toMatch(/too short/);
    expect(usageErrorOf(() => COMMANDS.parse(`restart trino --reason "${'x'.repeat(301)}"`))).toMatch(/under 300/);
    expect(usageErrorOf(() => COMMANDS.parse('restart trino --reason "a\u0007b c"'))).toMatch(/control characters/);
    expect(usageErrorOf(() => COMMANDS.parse('restart trino stuck again'))).toMatch(
      /Unexpected `stuck`: `restart` takes .* and nothing more\. Quote the reason/,
    );
    expect(usageErrorOf(() => COMMANDS.parse('restart --reason abc'))).toMatch(/Which service/);
    for (const hostile of [
      '$(reboot)',
      'a;b',
      'deployment/../etc',
      'deployment/UPPER',
      'pod/x',
      'deployment/',
      `deployment/${'a'.repeat(254)}`,
      'x\u202ey',
    ]) {
      expect(usageErrorOf(() => COMMANDS.parse(`restart ${JSON.stringify(hostile)} --reason abcd`))).toMatch(
        /not a valid Kubernetes name|only deployment\/NAME and statefulset\/NAME/,
      );
    }
    expect(usageErrorOf(() => COMMANDS.parse('restart trino -n "Data Platform" --reason abcd'))).toMatch(
      /Namespace .* not a valid Kubernetes name/,
    );
  });

  it('resolves through the catalogue, or says what is wrong', () => {
    const cmd = (text: string) => COMMANDS.parse(text) as RestartCommand;
    expect(resolveRestartTarget(cmd('restart trino --reason abc'), catalogue)).toEqual({
      kind: 'deployment',
      name: 'trino-coordinator',
      namespace: 'data-platform',
      service: 'trino',
    });
    expect(resolveRestartTarget(cmd('restart statefulset/kafka --reason abc'), catalogue)).toEqual({
      kind: 'statefulset',
      name: 'kafka',
      namespace: 'kafka',
      service: 'kafka',
    });
    expect(resolveRestartTarget(cmd('restart deployment/other -n tools --reason abc'), catalogue)).toEqual({
      kind: 'deployment',
      name: 'other',
      namespace: 'tools',
    });
    expect(usageErrorOf(() => resolveRestartTarget(cmd('restart trinoo --reason abc'), catalogue))).toMatch(
      /Unknown service `trinoo`. Did you mean `trino`\?/,
    );
    expect(usageErrorOf(() => resolveRestartTarget(cmd('restart trino -n kafka --reason abc'), catalogue))).toMatch(
      /runs in namespace `data-platform`, not `kafka`/,
    );
    expect(usageErrorOf(() => resolveRestartTarget(cmd('restart deployment/other --reason abc'), catalogue))).toMatch(
      /Add `-n NAMESPACE`/,
    );
    expect(
      usageErrorOf(() => COMMANDS.check(cmd('restart nope --reason abc'), { catalogue, kafkaClusters: [] })),
    ).toMatch(/Unknown service/);
    expect(() => COMMANDS.check(COMMANDS.parse('health'), { catalogue, kafkaClusters: [] })).not.toThrow();
  });

  it('is described for the audit trail from the parsed command, not the raw text', () => {
    expect(COMMANDS.describe(COMMANDS.parse('restart trino -n data-platform --reason "why; $(x)"'))).toEqual({
      line: 'restart trino -n data-platform',
      target: 'trino',
      reason: 'why; $(x)',
    });
    expect(COMMANDS.describe(COMMANDS.parse('approve K7M2P9XQ'))).toEqual({ line: 'approve k7m2p9xq' });
    expect(COMMANDS.describe(COMMANDS.parse('health'))).toEqual({ line: 'health' });
  });
});

describe('the mention form', () => {
  it('strips the bot mention and takes everything after the first comma verbatim as the reason', () => {
    expect(COMMANDS.parseMention('<@U0BOT> restart trino, it is stuck on queued queries')).toMatchObject({
      name: 'restart',
      target: { name: 'trino' },
      reason: 'it is stuck on queued queries',
    });
    expect(COMMANDS.parseMention("<@U0BOT|carbon>: restart trino -n data-platform, it's stuck, again")).toMatchObject({
      namespace: 'data-platform',
      reason: "it's stuck, again",
    });
    expect(COMMANDS.parseMention('<@U0BOT> restart trino --reason "quoted, with a comma"')).toMatchObject({
      reason: 'quoted, with a comma',
    });
    expect(COMMANDS.parseMention('<@U0BOT> health -n kafka')).toEqual({ name: 'health', namespace: 'kafka' });
    expect(usageErrorOf(() => COMMANDS.parseMention('<@U0BOT>'))).toMatch(/Mention me with a command/);
    expect(usageErrorOf(() => COMMANDS.parseMention('<@U0BOT> restart trino'))).toMatch(/A reason is required/);
    expect(usageErrorOf(() => COMMANDS.parseMention('<@U0BOT> restart $(id), now'))).toMatch(
      /not a valid Kubernetes name/,
    );
  });

  it('never throws anything but a UsageError (property)', () => {
    const words = fc.constantFrom(
      '<@U0BOT>',
      '<@U0BOT|carbon>',
      'restart',
      'trino',
      ',',
      ' ',
      '"',
      "'",
      '--reason',
      '-n',
      'deployment/x',
      'it',
      "it's",
      '\n',
      '$(',
      '“',
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: words })), (text) => {
        try {
          COMMANDS.parseMention(text);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('approve, deny and audit grammar', () => {
  it('reads request ids and options', () => {
    expect(COMMANDS.parse('approve k7m2p9xq')).toEqual({ name: 'approve', id: 'k7m2p9xq' });
    expect(COMMANDS.parse('deny k7m2p9xq --reason "backlog cleared"')).toEqual({
      name: 'deny',
      id: 'k7m2p9xq',
      reason: 'backlog cleared',
    });
    expect(usageErrorOf(() => COMMANDS.parse('approve'))).toMatch(/Which request/);
    expect(usageErrorOf(() => COMMANDS.parse('approve ../x'))).toMatch(/not a request id/);
    expect(usageErrorOf(() => COMMANDS.parse('approve a b'))).toMatch(/Unexpected `b`/);
    expect(COMMANDS.parse('audit')).toEqual({ name: 'audit', sinceMs: 86_400_000, limit: 20 });
    expect(COMMANDS.parse('audit --since 7d --user u0operator --action Restart --limit 5')).toEqual({
      name: 'audit',
      sinceMs: 7 * 86_400_000,
      user: 'U0OPERATOR',
      action: 'restart',
      limit: 5,
    });
    expect(usageErrorOf(() => COMMANDS.parse('audit --since yesterday'))).toMatch(/not a duration/);
    expect(usageErrorOf(() => COMMANDS.parse('audit --user bob'))).toMatch(/not a Slack user ID/);
    expect(usageErrorOf(() => COMMANDS.parse('audit --limit 1000'))).toMatch(/--limit/);
    expect(parseDuration('30m')).toBe(1_800_000);
  });

  it('makes ids that the grammar accepts, and annotation values in kubectl’s format', () => {
    for (let i = 0; i < 100; i++) expect(newRequestId()).toMatch(REQUEST_ID);
    expect(restartedAtValue(new Date('2026-11-21T23:50:54.123Z'))).toBe('2026-11-21T23:50:54Z');
  });
});

describe('kubectl rollout status rules', () => {
  const deployment = (generation: number, status: NonNullable<Deployment['status']>, replicas = 3): Deployment => ({
    metadata: { name: 'trino', generation },
    spec: { replicas, selector: {}, template: {} },
    status,
  });

  it('waits for the controller, the updated replicas, the old ones and availability, in that order', () => {
    expect(
      deploymentStatus(deployment(2, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 })),
    ).toMatchObject({ done: false, observed: false });
    expect(
      deploymentStatus(deployment(2, { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 }))
        .message,
    ).toBe('Waiting for deployment "trino" rollout to finish: 1 out of 3 new replicas have been updated...');
    expect(
      deploymentStatus(deployment(2, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }))
        .message,
    ).toMatch(/1 old replicas are pending termination/);
    expect(
      deploymentStatus(deployment(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }))
        .message,
    ).toMatch(/2 of 3 updated replicas are available/);
    expect(
      deploymentStatus(
        deployment(2, {
          observedGeneration: 2,
          replicas: 3,
          updatedReplicas: 3,
          availableReplicas: 3,
          readyReplicas: 3,
        }),
      ),
    ).toMatchObject({ done: true, message: 'deployment "trino" successfully rolled out' });
  });

  it('fails on ProgressDeadlineExceeded', () => {
    const status = deploymentStatus(
      deployment(2, {
        observedGeneration: 2,
        replicas: 4,
        updatedReplicas: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
    );
    expect(status).toMatchObject({ done: false, failure: 'deployment "trino" exceeded its progress deadline' });
  });

  it('follows StatefulSets to the update revision, and says "2 of 3 pods updated"', () => {
    const sts = (status: NonNullable<StatefulSet['status']>): StatefulSet => ({
      metadata: { name: 'kafka', generation: 4 },
      spec: { replicas: 3, selector: {}, serviceName: 'kafka', template: {} },
      status,
    });
    expect(statefulSetStatus(sts({ replicas: 3, observedGeneration: 3 }))).toMatchObject({ observed: false });
    const rolling = statefulSetStatus(
      sts({ replicas: 3, observedGeneration: 4, readyReplicas: 2, updatedReplicas: 2 }),
    );
    expect(rolling.message).toBe('Waiting for 1 pods to be ready...');
    expect(progressLine(rolling)).toBe('2 of 3 pods updated, 2 ready');
    expect(
      statefulSetStatus(
        sts({
          replicas: 3,
          observedGeneration: 4,
          readyReplicas: 3,
          updatedReplicas: 2,
          currentRevision: 'a',
          updateRevision: 'b',
        }),
      ).done,
    ).toBe(false);
    expect(
      statefulSetStatus(
        sts({
          replicas: 3,
          observedGeneration: 4,
          readyReplicas: 3,
          updatedReplicas: 3,
          currentRevision: 'b',
          updateRevision: 'b',
          currentReplicas: 3,
        }),
      ),
    ).toMatchObject({
      done: true,
      message: 'statefulset rolling update complete 3 pods at revision b...',
    });
  });
});

describe('the pre-flight plan', () => {
  it('states readiness, strategy and what will happen', () => {
    const plan = buildPlan(planInput(trinoDeployment()));
    expect(plan).toMatchObject({
      desired: 3,
      ready: 3,
      paused: false,
      strategy: 'RollingUpdate (maxSurge 1, maxUnavailable 0)',
      maxUnavailable: 0,
      pdbs: [],
    });
    expect(plan.refusal).toBeUndefined();
    expect(plan.steps.join('\n')).toMatch(/kubectl\.kubernetes\.io\/restartedAt.*kubectl rollout restart/);
    expect(plan.steps[0]).toMatch(/an approval by someone else with the approver role, for 15 minutes/);
  });

  it('refuses paused deployments, empty ones and OnDelete statefulsets', () => {
    expect(buildPlan(planInput(trinoDeployment({ paused: true }))).refusal).toMatch(/paused.*kubectl rollout resume/);
    expect(buildPlan(planInput(trinoDeployment({ replicas: 0 }))).refusal).toMatch(/0 replicas/);
    const onDelete: StatefulSet = {
      metadata: { name: 'kafka' },
      spec: { replicas: 3, selector: {}, serviceName: 'kafka', template: {}, updateStrategy: { type: 'OnDelete' } },
    };
    expect(
      buildPlan(planInput(onDelete, { target: { kind: 'statefulset', name: 'kafka', namespace: 'kafka' } })).refusal,
    ).toMatch(/OnDelete/);
  });

  it('flags a PodDisruptionBudget the rollout would breach, and ignores those that do not cover the pods', () => {
    const surge = trinoDeployment({
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    });
    const plan = buildPlan(
      planInput(surge, {
        pdbs: [
          pdb('trino-pdb', { matchLabels: { app: 'trino' } }, 0),
          pdb('other', { matchLabels: { app: 'kafka' } }, 0),
        ],
      }),
    );
    expect(plan.pdbs).toEqual([
      { name: 'trino-pdb', disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, breach: true },
    ]);
    expect(plan.steps.at(-1)).toMatch(/more pods at once than a PodDisruptionBudget allows/);
    const fine = buildPlan(planInput(surge, { pdbs: [pdb('trino-pdb', { matchLabels: { app: 'trino' } }, 1)] }));
    expect(fine.pdbs[0]?.breach).toBe(false);
    const sts: StatefulSet = {
      metadata: { name: 'kafka' },
      spec: { replicas: 3, selector: {}, serviceName: 'kafka', template: { metadata: { labels: { app: 'kafka' } } } },
    };
    const kafka = buildPlan(
      planInput(sts, {
        target: { kind: 'statefulset', name: 'kafka', namespace: 'kafka' },
        pdbs: [pdb('kafka-pdb', { matchLabels: { app: 'kafka' } }, 0)],
      }),
    );
    expect(kafka).toMatchObject({ maxUnavailable: 1, pdbs: [{ breach: true }] });
    expect(kafka.steps.join(' ')).toMatch(/one at a time from the highest ordinal down \(kafka-2, kafka-1, kafka-0\)/);
  });

  it('rounds surge up and unavailability down, as the deployment controller does', () => {
    expect(resolveFenceposts('25%', '25%', 3)).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(resolveFenceposts('25%', '25%', 8)).toEqual({ maxSurge: 2, maxUnavailable: 2 });
    expect(resolveFenceposts(0, 0, 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(resolveFenceposts('50%', 5, 2)).toEqual({ maxSurge: 1, maxUnavailable: 2 });
  });

  it('matches label selectors with expressions', () => {
    const labels = { app: 'trino', tier: 'query' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['query', 'x'] }] }, labels),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['query'] }] }, labels)).toBe(
      false,
    );
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(
      labelSelector({
        matchLabels: { app: 'trino' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=trino,tier in (a,b),!x');
  });
});

describe('approval refusals', () => {
  const now = new Date('2026-11-21T10:05:00Z');
  it('explain the two-person rule, second clicks, expiry and decided requests', () => {
    expect(approvalRefusal(RESTART_KIND, undefined, 'nope1234', 'U0APPROVER')).toBe(
      'There is no restart request nope1234.',
    );
    expect(approvalRefusal(RESTART_KIND, request(), 'k7m2p9xq', 'U0OPERATOR', now)).toMatch(/two-person rule/);
    expect(
      approvalRefusal(
        RESTART_KIND,
        request({ approvalsRequired: 2, approvedBy: ['U0APPROVER'] }),
        'k7m2p9xq',
        'U0APPROVER',
        now,
      ),
    ).toMatch(/already approved request k7m2p9xq; it needs 1 more/);
    expect(
      approvalRefusal(RESTART_KIND, request(), 'k7m2p9xq', 'U0APPROVER', new Date('2026-11-21T10:20:00Z')),
    ).toMatch(/expired/);
    expect(
      approvalRefusal(
        RESTART_KIND,
        request({ state: 'running', approvedBy: ['U0APPROVER'] }),
        'k7m2p9xq',
        'U0ADMIN',
        now,
      ),
    ).toMatch(/already approved \(by U0APPROVER\).*running/);
    expect(
      approvalRefusal(
        RESTART_KIND,
        request({ state: 'rejected', decidedBy: 'U0ADMIN' }),
        'k7m2p9xq',
        'U0APPROVER',
        now,
      ),
    ).toMatch(/denied by U0ADMIN:/);
    expect(approvalRefusal(RESTART_KIND, request({ state: 'expired' }), 'k7m2p9xq', 'U0APPROVER', now)).toMatch(
      /expired at 2026-11-21 10:15 UTC without approval/,
    );
    expect(denyRefusal(RESTART_KIND, request(), 'k7m2p9xq', 'U0VIEWER', false)).toMatch(
      /Only the requester or someone with the approver role/,
    );
    expect(denyRefusal(RESTART_KIND, request({ state: 'succeeded' }), 'k7m2p9xq', 'U0ADMIN', true)).toMatch(
      /no longer awaiting approval/,
    );
  });
});

describe('restart messages', () => {
  it('show the plan with Approve and Deny while pending, inside Slack’s limits, with hostile text escaped', () => {
    const message = planMessage(request());
    expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('"action_id":"restart-approve"');
    expect(json).toContain('"action_id":"restart-deny"');
    expect(json).toContain('stuck &lt;!channel&gt; &amp; more');
    expect(json).not.toContain('<!channel>');
    const text = toPlainText(message);
    expect(text).toContain('[Approve] [Deny]');
    expect(text.split('\n')).toContain('request: k7m2p9xq');
    expect(text).toMatch(/trino-pdb`?: 1 disruption allowed/);
    expect(text).toMatch(/Now 3\/3 ready/);
    expect(text).toContain('Simulated');
  });

  it('drop the buttons once decided', () => {
    for (const state of ['approved', 'running', 'succeeded', 'failed', 'rejected', 'expired'] as const) {
      const message = planMessage(
        request({ state, approvedBy: ['U0APPROVER'], decidedBy: 'U0APPROVER', startedAt: new Date() }),
      );
      expect(JSON.stringify(message.blocks)).not.toContain('restart-approve');
      expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();
    }
    expect(toPlainText(statusMessage(request({ state: 'rejected', decidedBy: 'U0OPERATOR' })))).toMatch(
      /Cancelled by @U0OPERATOR/,
    );
  });

  it('report a failed rollout with its pods and events, inside the limits', () => {
    const pods = Array.from({ length: 30 }, (_, i) => ({
      name: `trino-coordinator-abc-${i}`,
      reason: 'CrashLoopBackOff',
      detail: 'back-off 5m0s restarting failed container '.repeat(10),
      restarts: i,
    }));
    const events = Array.from({ length: 8 }, (_, i) => ({
      at: '2026-11-21T10:06:00.000Z',
      type: 'Warning',
      reason: 'BackOff',
      object: `pod/trino-${i}`,
      message: 'x'.repeat(200),
      count: 3,
    }));
    const message = rolloutFailed({
      request: request({ state: 'failed' }),
      durationMs: 65_000,
      failure: 'deployment "trino-coordinator" exceeded its progress deadline',
      pods,
      events,
    });
    expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();
    expect(message.text).toMatch(
      /failed after 1 min 5 s: deployment "trino-coordinator" exceeded its progress deadline/,
    );
  });

  it('render a hundred audit rows inside the limits', () => {
    const rows: AuditRow[] = Array.from({ length: 100 }, (_, i) => ({
      id: String(i),
      at: new Date(Date.UTC(2026, 10, 21, 10, i % 60)),
      actor: 'U0OPERATOR',
      channel: 'C0INCIDENT',
      action: 'restart',
      command: 'restart trino',
      target: 'data-platform/deployment/trino-coordinator',
      reason: '<@U0ADMIN> why '.repeat(20),
      outcome: 'requested',
      requestId: 'k7m2p9xq',
      threadLink: 'https://slack.com/archives/C0INCIDENT/p1732233600000100',
    }));
    const message = auditMessage(rows, 'since 2026-11-20');
    expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();
    expect(auditMessage([], 'x').text).toMatch(/no entries/);
  });
});

describe('failing pods and events', () => {
  it('lists not-ready pods with their reasons and the workload’s recent events, newest first', () => {
    const pod = (name: string, ready: boolean, waiting?: string): Pod => ({
      metadata: { name },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: [
          {
            name: 'c',
            image: 'i',
            imageID: '',
            ready,
            restartCount: 2,
            ...(waiting ? { state: { waiting: { reason: waiting, message: 'pulling' } } } : {}),
          },
        ],
      },
    });
    expect(failingPods([pod('a', true), pod('b', false, 'ImagePullBackOff')])).toEqual([
      { name: 'b', reason: 'ImagePullBackOff', detail: 'pulling', restarts: 2 },
    ]);
    const since = new Date('2026-11-21T10:00:00Z');
    const event = (name: string, at: string, reason: string): KubeEvent => ({
      metadata: {},
      involvedObject: { kind: 'Pod', name },
      lastTimestamp: at,
      reason,
      type: 'Warning',
      message: 'm',
    });
    const lines = recentEvents(
      [
        event('trino-coordinator-x', '2026-11-21T10:01:00Z', 'Old'),
        event('trino-coordinator-y', '2026-11-21T10:03:00Z', 'New'),
        event('superset-z', '2026-11-21T10:04:00Z', 'Other'),
        event('trino-coordinator-z', '2026-11-21T09:00:00Z', 'Before'),
      ],
      'trino-coordinator',
      since,
    );
    expect(lines.map((l) => l.reason)).toEqual(['New', 'Old']);
    expect(formatDuration(8_400)).toBe('8.4 s');
  });
});

describe('audit export helpers', () => {
  it('reads durations and ISO times, and writes one JSON object a line', () => {
    expect(parseTime('24h', Date.UTC(2026, 10, 22)).toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(parseTime('2026-11-01T00:00:00Z').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(() => parseTime('last week')).toThrow(/neither a duration/);
    const line = toJsonLine({
      id: '7',
      at: new Date('2026-11-21T10:00:00Z'),
      actor: 'U0A',
      action: 'restart',
      command: 'restart trino',
      outcome: 'denied',
    });
    expect(JSON.parse(line)).toEqual({
      id: 7,
      at: '2026-11-21T10:00:00.000Z',
      actor: 'U0A',
      action: 'restart',
      command: 'restart trino',
      outcome: 'denied',
    });
  });
});

describe('the example policy', () => {
  it('lets operators ask for restarts in incident channels, with one approval by an approver', async () => {
    const policy = await loadPolicy('policy/policy.example.yaml');
    const at = (user: string, channel = 'C0INCIDENT', name = 'inc-demo') => ({
      user,
      groups: [],
      channel: { id: channel, name },
    });
    expect(policy.authorize('restart', at('U0OPERATOR'))).toMatchObject({
      allowed: true,
      role: 'operator',
      approvals: 1,
    });
    expect(policy.authorize('restart', at('U0OPERATOR', 'C0GENERAL', 'general'))).toMatchObject({ allowed: false });
    expect(policy.authorize('restart', at('U0OPERATOR', 'C9NEW', 'inc-2026-trino'))).toMatchObject({ allowed: true });
    expect(policy.authorize('restart', at('U0VIEWER'))).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/needs the operator role/),
    });
    expect(policy.authorize('approve', at('U0OPERATOR'))).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/needs the approver role/),
    });
    expect(policy.authorize('approve', at('U0APPROVER', 'C0GENERAL', 'general'))).toMatchObject({ allowed: true });
    expect(policy.authorize('deny', at('U0OPERATOR'))).toMatchObject({ allowed: true });
    expect(policy.authorize('audit', at('U0VIEWER'))).toMatchObject({ allowed: true });
  });
});
