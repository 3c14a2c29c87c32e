import * as approvals from '../../../src/approvals/render.js';
import { request } from '../../support/restart-fixtures.js';
import { goldenModule } from '../../support/golden.js';

const at = (text: string) => new Date(`${text}Z`);
const words = { running: 'Restarting', succeeded: 'Restarted' };
const started = at('2026-11-21T10:04:00');

export default [
  goldenModule('approvals', 'approvals/render.ts', approvals, {
    approvalActions: {
      restart: () =>
        approvals.approvalActions({
          id: 'k7m2p9xq',
          blockId: 'restart-k7m2p9xq',
          requestedBy: 'U0OPERATOR',
          confirmTitle: 'Approve this restart?',
          confirmText: 'Restart `data-platform/deployment/trino-coordinator` now, as asked by <@U0OPERATOR>.',
        }),
    },
    requestStateLine: {
      'pending-none-yet': () => approvals.requestStateLine(request({ approvalsRequired: 2 }), words),
      'pending-one-of-two': () =>
        approvals.requestStateLine(request({ approvalsRequired: 2, approvedBy: ['U0APPROVER'] }), words),
      'approved-by-policy': () =>
        approvals.requestStateLine(request({ state: 'approved', approvalsRequired: 0 }), words),
      running: () =>
        approvals.requestStateLine(
          request({ state: 'running', approvedBy: ['U0APPROVER'], startedAt: started }),
          words,
        ),
      'succeeded-with-note': () =>
        approvals.requestStateLine(
          request({ state: 'succeeded', approvedBy: ['U0APPROVER'], result: '3 of 3 pods <ready>' }),
          words,
          ' · ↩️ rolled back',
        ),
      failed: () =>
        approvals.requestStateLine(request({ state: 'failed', result: 'worker lost: its job j1 is gone' }), words),
      cancelled: () => approvals.requestStateLine(request({ state: 'rejected', decidedBy: 'U0OPERATOR' }), words),
      denied: () =>
        approvals.requestStateLine(request({ state: 'rejected', decidedBy: 'U0APPROVER', result: 'not now' }), words),
      'expired-two-approvals': () =>
        approvals.requestStateLine(request({ state: 'expired', approvalsRequired: 2 }), words),
    },
    workerLostResult: {
      'gone-before-start': () => approvals.workerLostResult('restart-rollout-k7m2p9xq', { how: 'gone' }),
      'ended-while-running': () =>
        approvals.workerLostResult(
          'vault-migrate-run-k7m2p9xq',
          { how: 'ended' },
          'migration of configmap/app-config to Vault',
        ),
      'died-while-running': () =>
        approvals.workerLostResult(
          'restart-rollout-k7m2p9xq',
          { how: 'died' },
          'restart of deployment/trino-coordinator',
        ),
      'postgres-unreachable-before-start': () =>
        approvals.workerLostResult('vault-migrate-run-k7m2p9xq', {
          how: 'failed',
          cause: 'PostgreSQL was unreachable (ECONNREFUSED)',
        }),
      'ended-with-what-was-seen': () =>
        approvals.workerLostResult(
          'restart-rollout-k7m2p9xq',
          { how: 'ended' },
          'restart of deployment/trino-coordinator',
          'the patch is applied; 1 of 3 pods updated',
        ),
    },
    workerLostMessage: {
      running: () =>
        approvals.workerLostMessage(
          'k7m2p9xq',
          approvals.workerLostResult(
            'restart-rollout-k7m2p9xq',
            { how: 'gone' },
            'restart of deployment/trino-coordinator',
          ),
        ),
    },
    lossNote: {
      died: () => approvals.lossNote({ how: 'died' }),
      'postgres-unreachable': () =>
        approvals.lossNote({ how: 'failed', cause: 'PostgreSQL was unreachable (ECONNREFUSED)' }),
    },
    recoveredMessage: {
      succeeded: () =>
        approvals.recoveredMessage(
          'k7m2p9xq',
          'restart of deployment/trino-coordinator',
          'succeeded',
          '3 of 3 pods updated and ready; its worker was lost, the outcome was read from the cluster',
        ),
      failed: () =>
        approvals.recoveredMessage(
          'k7m2p9xq',
          'restart of deployment/trino-coordinator',
          'failed',
          'deployment "trino-coordinator" exceeded its progress deadline; its worker was lost, the outcome was read ' +
            'from the cluster',
        ),
    },
    resumedMessage: {
      watching: () =>
        approvals.resumedMessage(
          'k7m2p9xq',
          'restart of deployment/trino-coordinator',
          'restart-rollout-k7m2p9xq',
          'the patch is applied; 1 of 3 pods updated',
        ),
      'nothing-seen': () => approvals.resumedMessage('k7m2p9xq', 'phase 4 apply', 'phase-apply-k7m2p9xq-r1'),
    },
  }),
];
