import * as replies from '../../../src/jobs/replies.js';
import { goldenModule } from '../../support/golden.js';

export default [
  goldenModule('jobs', 'jobs/replies.ts', replies, {
    queued: {
      'with-job': () => replies.queued('restart deployment/trino-coordinator -n data-platform', 'restart-1234'),
      'without-job': () => replies.queued('health'),
    },
    inProgress: { progress: () => replies.inProgress('Kafka benchmark', '40,000 records sent <50%> & counting') },
    userFailure: { escaped: () => replies.userFailure('There is no ConfigMap `app<1>` in namespace `x` & y.') },
    internalFailure: { 'job-id': () => replies.internalFailure('vault-migrate-run-k7m2p9xq') },
    jobLost: { 'follow-up': () => replies.jobLost('restart-rollout-k7m2p9xq') },
    refusal: {
      policy: () =>
        replies.refusal(
          '`restart` needs the operator role; your role is viewer. Ask an admin to add your Slack ID to the policy.',
        ),
    },
    usage: { 'unknown-option': () => replies.usage('Unknown option `--at`. Usage: `/carbon schedule`') },
  }),
];
