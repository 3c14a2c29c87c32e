import * as restart from '../../../src/features/restart/render.js';
import { buildPlan } from '../../../src/features/restart/plan.js';
import { action } from '../../support/status-fixtures.js';
import { pdb, planInput, request, trinoDeployment } from '../../support/restart-fixtures.js';
import { goldenModule } from '../../support/golden.js';

const at = (text: string) => new Date(`${text}Z`);

/** maxUnavailable 1 against a budget that allows none, restarted twice this week. */
const risky = request({
  plan: buildPlan(
    planInput(
      trinoDeployment({
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
        template: {
          metadata: {
            labels: { app: 'trino', tier: 'query' },
            annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-19T08:12:44Z' },
          },
        },
      }),
      {
        approvals: 2,
        pdbs: [pdb('trino-pdb', { matchLabels: { app: 'trino' } }, 0)],
        recent: [
          { at: '2026-11-19T08:12:44.000Z', actor: 'U0OPERATOR', outcome: 'succeeded', requestId: 'a1b2c3d4' },
          { at: '2026-11-18T17:02:10.000Z', actor: 'U0ONCALL', outcome: 'failed' },
        ],
      },
    ),
  ),
  approvalsRequired: 2,
  approvedBy: ['U0APPROVER'],
});

const running = request({
  state: 'running',
  approvedBy: ['U0APPROVER'],
  decidedBy: 'U0APPROVER',
  startedAt: at('2026-11-21T10:04:00'),
});

const failed = request({
  state: 'failed',
  approvedBy: ['U0APPROVER'],
  startedAt: at('2026-11-21T10:04:00'),
  result: 'deployment "trino-coordinator" exceeded its progress deadline (pods: CrashLoopBackOff)',
});

export default [
  goldenModule('restart', 'features/restart/render.ts', restart, {
    planMessage: {
      pending: () => restart.planMessage(request()),
      'pending-budget-breach-recent-restarts': () => restart.planMessage(risky),
      running: () => restart.planMessage(running),
      expired: () => restart.planMessage(request({ state: 'expired' })),
    },
    statusMessage: {
      pending: () => restart.statusMessage(request()),
      running: () => restart.statusMessage(running),
      succeeded: () =>
        restart.statusMessage(
          request({ state: 'succeeded', approvedBy: ['U0APPROVER'], result: '3 of 3 pods updated and ready in 42 s' }),
        ),
      failed: () => restart.statusMessage(failed),
      cancelled: () => restart.statusMessage(request({ state: 'rejected', decidedBy: 'U0OPERATOR' })),
      denied: () =>
        restart.statusMessage(
          request({ state: 'rejected', decidedBy: 'U0APPROVER', result: 'not during the load test' }),
        ),
    },
    approvedMessage: {
      'one-approver': () => restart.approvedMessage(running),
      'two-approvers': () =>
        restart.approvedMessage(request({ state: 'approved', approvedBy: ['U0APPROVER', 'U0ADMIN'] })),
    },
    rolloutSucceeded: {
      measured: () =>
        restart.rolloutSucceeded({
          request: request({ state: 'succeeded', approvedBy: ['U0APPROVER'] }),
          durationMs: 42_000,
          status: {
            done: true,
            message: 'deployment "trino-coordinator" successfully rolled out',
            desired: 3,
            updated: 3,
            ready: 3,
            observed: true,
          },
        }),
      'resumed-no-approval': () =>
        restart.rolloutSucceeded({ request: request({ state: 'succeeded' }), durationMs: 125_000, resumed: true }),
    },
    rolloutFailed: {
      'pods-and-events': () =>
        restart.rolloutFailed({
          request: failed,
          durationMs: 65_000,
          failure: 'deployment "trino-coordinator" exceeded its progress deadline',
          status: {
            done: false,
            failure: 'deployment "trino-coordinator" exceeded its progress deadline',
            message:
              'Waiting for deployment "trino-coordinator" rollout to finish: 1 of 3 updated replicas are available...',
            desired: 3,
            updated: 1,
            ready: 2,
            observed: true,
          },
          pods: [
            {
              name: 'trino-coordinator-7d9f-x2x4q',
              reason: 'CrashLoopBackOff',
              detail: 'back-off 40s restarting failed container=trino pod=trino-coordinator-7d9f-x2x4q',
              restarts: 3,
            },
            { name: 'trino-coordinator-7d9f-zz81k', reason: 'ContainerCreating', restarts: 0 },
          ],
          events: [
            {
              at: '2026-11-21T10:05:12.000Z',
              type: 'Warning',
              reason: 'BackOff',
              object: 'pod/trino-coordinator-7d9f-x2x4q',
              message: 'Back-off restarting failed container trino in pod <trino> & co',
              count: 4,
            },
            {
              at: '2026-11-21T10:04:01.000Z',
              type: 'Normal',
              reason: 'ScalingReplicaSet',
              object: 'deployment/trino-coordinator',
              message: 'Scaled up replica set trino-coordinator-7d9f to 1',
              count: 1,
            },
          ],
        }),
      'timed-out': () =>
        restart.rolloutFailed({
          request: failed,
          durationMs: 900_000,
          failure: 'the rollout did not finish within 15 min',
        }),
    },
    auditMessage: {
      rows: () =>
        restart.auditMessage(
          [
            action({
              id: '44',
              at: at('2026-11-21T10:06:00'),
              reason: 'stuck <!channel>',
              threadLink: 'https://example.slack.com/archives/C0INCIDENT/p1',
            }),
            action({
              id: '43',
              at: at('2026-11-21T10:04:00'),
              outcome: 'started',
              detail: undefined,
              approver: 'U0APPROVER',
            }),
            action({
              id: '42',
              at: at('2026-11-21T10:00:00'),
              outcome: 'requested',
              approver: undefined,
              detail: undefined,
            }),
            action({
              id: '41',
              at: at('2026-11-20T16:30:00'),
              actor: 'U0VIEWER',
              action: 'vault-migrate',
              target: 'data-platform/configmap/app-config',
              outcome: 'denied',
              approver: undefined,
              detail: 'the policy gives viewer no vault-migrate',
              jobId: undefined,
              requestId: undefined,
            }),
          ],
          'since 2026-11-20',
        ),
      empty: () => restart.auditMessage([], 'since 2026-11-20 · user U0NOBODY'),
    },
  }),
];
