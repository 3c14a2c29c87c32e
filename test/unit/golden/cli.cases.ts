import * as plain from '../../../src/cli/plain-text.js';
import { context, divider, header, section, table } from '../../../src/message.js';
import { approvalActions } from '../../../src/approvals/render.js';
import { goldenModule } from '../../support/golden.js';

/** toPlainText is the terminal form of every golden message; these cases show each block kind once. */
export default [
  goldenModule('cli', 'cli/plain-text.ts', plain, {
    toPlainText: {
      'every-block-kind': () =>
        plain.toPlainText({
          text: 'fallback',
          blocks: [
            header('Restart plan · deployment/trino-coordinator'),
            section('*Workload* `data-platform/deployment/trino-coordinator` on _prod_ &amp; <@U0OPERATOR>'),
            {
              type: 'section',
              fields: [
                { type: 'mrkdwn', text: '*Left*' },
                { type: 'mrkdwn', text: '_right_' },
              ],
            },
            table(['POD', 'REASON'], [['trino-1', 'CrashLoopBackOff']], '*Failing pods*'),
            divider(),
            context('request k7m2p9xq', 'see <https://example.com/runbook|the runbook> in <#C0INCIDENT|incident>'),
            ...approvalActions({
              id: 'k7m2p9xq',
              blockId: 'restart-k7m2p9xq',
              requestedBy: 'U0OPERATOR',
              confirmTitle: 'Approve?',
              confirmText: 'Restart.',
            }),
            { type: 'image', image_url: 'https://example.com/chart.png', alt_text: 'health trend' },
          ],
        }),
      'text-only': () =>
        plain.toPlainText({ text: '✅ Approved by <@U0APPROVER>: restarting *deployment/x* &lt;now&gt;…' }),
    },
    fromMrkdwn: {
      'code-keeps-marks': () => plain.fromMrkdwn('*When:* `0 9 * * 1-5` and _this_ in <#C0STATUS> <https://x.example>'),
    },
  }),
];
