import type { KnownBlock } from '@slack/types';
import type { RolloutStatus } from './rollout-status.js';
import { formatDuration, type EventLine, type FailingPod } from './failure.js';
import type { Plan } from './plan.js';
import type { AuditRow } from '../../store/audit-log.js';
import type { RestartRequest } from './store.js';
import { approvalActions, REQUEST_ICON, requestStateLine } from '../../approvals/render.js';
import {
  capBlocks,
  clip,
  context,
  divider,
  escapeMrkdwn,
  header,
  section,
  table,
  utc,
  who,
  type Message,
} from '../../message.js';

const workload = (r: Pick<RestartRequest, 'kind' | 'name'>) => `${r.kind}/${r.name}`;

/** One line for where the request stands: the plan message and the status message both show it. */
function stateLine(r: RestartRequest): string {
  return requestStateLine(r, { running: 'Restarting', succeeded: 'Restarted' });
}

/**
 * The pre-flight plan, posted in the thread; the same renderer shows it again as the request moves on (the buttons go).
 */
export function planMessage(r: RestartRequest): Message {
  const { plan } = r;
  const blocks: KnownBlock[] = [header(`Restart plan · ${workload(r)}`)];
  if (plan.cluster.simulated) blocks.push(context('⚠️ *Simulated*: the built-in demo cluster, not a real one.'));
  blocks.push(
    section(
      [
        `*Workload* \`${r.namespace}/${workload(r)}\`${r.service ? ` (service ${r.service})` : ''} ` +
          `on ${escapeMrkdwn(r.cluster)}`,
        `*Now* ${plan.ready}/${plan.desired} ready · ${plan.strategy}${plan.paused ? ' · *paused*' : ''}`,
        `*Asked by* <@${r.requestedBy}> · *Reason* ${escapeMrkdwn(r.reason)}`,
      ].join('\n'),
    ),
    section(pdbText(plan)),
    section(recentText(plan)),
    section(`*What will happen*\n${plan.steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}`),
    divider(),
    section(stateLine(r)),
    section(`request: ${r.id}`),
  );
  if (r.state === 'pending') {
    blocks.push(
      ...approvalActions({
        id: r.id,
        blockId: `restart-${r.id}`,
        requestedBy: r.requestedBy,
        confirmTitle: 'Approve this restart?',
        confirmText: `Restart \`${r.namespace}/${workload(r)}\` now, as asked by <@${r.requestedBy}>.`,
      }),
    );
  }
  return {
    text: `Restart plan for ${workload(r)} (${r.namespace}): ${plainState(r)} · request: ${r.id}`,
    blocks: capBlocks(blocks),
  };
}

function pdbText(plan: Plan): string {
  if (plan.pdbs.length === 0) return '*PodDisruptionBudget* none covers these pods.';
  const lines = plan.pdbs.map((p) => {
    const verdict = p.breach
      ? `⚠️ the rollout takes down up to ${plan.maxUnavailable} at a time: *more than the budget allows*`
      : `✅ the rollout (up to ${plan.maxUnavailable} down at a time) stays within it`;
    return (
      `• \`${escapeMrkdwn(p.name)}\`: ${p.disruptionsAllowed} ` +
      `disruption${p.disruptionsAllowed === 1 ? '' : 's'} allowed (${p.currentHealthy} healthy, ` +
      `${p.desiredHealthy} needed); ${verdict}`
    );
  });
  return `*PodDisruptionBudget*\n${lines.join('\n')}`;
}

function recentText(plan: Plan): string {
  const last = plan.lastRestartedAt
    ? `\nLast \`rollout restart\` annotation: ${escapeMrkdwn(plan.lastRestartedAt)}`
    : '';
  if (plan.recent.length === 0) return `*Recent restarts* none by carbon-ops in the last 7 days.${last}`;
  const lines = plan.recent.map(
    (r) => `• ${utc(new Date(r.at))} by <@${r.actor}>: ${r.outcome}${r.requestId ? ` (request ${r.requestId})` : ''}`,
  );
  return `*Recent restarts* (last 7 days)\n${lines.join('\n')}${last}`;
}

const plainState = (r: RestartRequest): string =>
  ({
    pending: 'awaiting approval',
    approved: 'approved',
    running: 'restarting',
    succeeded: 'restarted',
    failed: 'failed',
    rejected: 'denied',
    expired: 'expired',
  })[r.state];

/** The request's status message (the thread's first reply or the root): one line that follows the request. */
export function statusMessage(r: RestartRequest): Message {
  const text =
    `${REQUEST_ICON[r.state]} Restart of \`${r.namespace}/${workload(r)}\` for ` +
    `<@${r.requestedBy}>: ${plainState(r)}\nrequest: ${r.id}`;
  return { text, blocks: [section(text), context(stateLine(r))] };
}

/** Posted in the thread once the approvals are in; the rollout job then edits it with progress. */
export function approvedMessage(r: RestartRequest): Message {
  return { text: `✅ Approved by ${who(r.approvedBy)}: restarting ${workload(r)} in ${r.namespace}…` };
}

export interface RolloutOutcome {
  request: RestartRequest;
  durationMs: number;
  status?: RolloutStatus;
  failure?: string;
  pods?: FailingPod[];
  events?: EventLine[];
  /** The job resumed a rollout another worker had started. */
  resumed?: boolean;
}

export function rolloutSucceeded(o: RolloutOutcome): Message {
  const r = o.request;
  const text =
    `✅ Restarted ${workload(r)} in ${r.namespace}: ` +
    `${o.status ? `${o.status.updated} of ${o.status.desired} pods updated and ready` : 'rolled out'} ` +
    `in ${formatDuration(o.durationMs)}.`;
  const notes = [`request ${r.id}`, `approved by ${r.approvedBy.length > 0 ? who(r.approvedBy) : 'the policy'}`];
  if (o.resumed) notes.push('resumed by another worker');
  if (r.plan.cluster.simulated) notes.push('simulated demo cluster');
  return { text, blocks: [section(text), context(notes.join(' · '))] };
}

export function rolloutFailed(o: RolloutOutcome): Message {
  const r = o.request;
  const text =
    `❌ Restart of ${workload(r)} in ${r.namespace} failed after ` +
    `${formatDuration(o.durationMs)}: ${o.failure ?? 'unknown failure'}`;
  const blocks: KnownBlock[] = [section(escapeMrkdwn(text))];
  if (o.status)
    blocks.push(
      context(
        escapeMrkdwn(
          `${o.status.updated} of ${o.status.desired} pods updated, ${o.status.ready} ready · ${o.status.message}`,
        ),
      ),
    );
  const pods = o.pods ?? [];
  if (pods.length > 0) {
    blocks.push(
      table(
        ['POD', 'REASON', 'RESTARTS'],
        pods.map((p) => [p.name, p.reason, String(p.restarts)]),
        '*Failing pods*',
      ),
    );
    const details = pods.filter((p) => p.detail).map((p) => `• \`${p.name}\`: ${escapeMrkdwn(clip(p.detail!, 200))}`);
    if (details.length > 0) blocks.push(section(details.join('\n')));
  }
  const events = o.events ?? [];
  if (events.length > 0) {
    const lines = events.map(
      (e) =>
        `• ${e.at.slice(11, 19)} ${e.type === 'Warning' ? '⚠️ ' : ''}*${escapeMrkdwn(e.reason)}* ` +
        `\`${escapeMrkdwn(e.object)}\`: ${escapeMrkdwn(e.message)}${e.count > 1 ? ` (×${e.count})` : ''}`,
    );
    blocks.push(section(`*Recent events*\n${lines.join('\n')}`));
  }
  blocks.push(
    context(
      `request ${r.id} · the rollout is left as it is: fix the cause, ` +
        `or undo with \`kubectl rollout undo ${workload(r)} -n ${r.namespace}\``,
    ),
  );
  return { text, blocks: capBlocks(blocks) };
}

/** `/carbon audit`: newest first, in a table that fits Slack's limits. */
export function auditMessage(rows: readonly AuditRow[], scope: string): Message {
  const title = `Audit trail · ${scope}`;
  if (rows.length === 0) return { text: `${title}: no entries.`, blocks: [header(title), section('No entries.')] };
  const cells = rows.map((row) => [
    row.at.toISOString().slice(5, 16).replace('T', ' '),
    row.actor,
    row.outcome,
    row.action,
    clip(row.target ?? '', 44),
    row.approver ?? '',
    row.requestId ?? '',
  ]);
  const blocks: KnownBlock[] = [
    header(title),
    table(['UTC', 'ACTOR', 'OUTCOME', 'ACTION', 'TARGET', 'APPROVER', 'REQUEST'], cells),
  ];
  const details = rows
    .filter((row) => row.reason || row.detail)
    .slice(0, 15)
    .map(
      (row) =>
        `• ${row.at.toISOString().slice(11, 19)} ${row.outcome}: ` +
        `${escapeMrkdwn(clip([row.reason && `reason “${row.reason}”`, row.detail].filter(Boolean).join('; '), 180))}` +
        `${row.threadLink ? ` <${row.threadLink}|thread>` : ''}`,
    );
  if (details.length > 0) blocks.push(section(details.join('\n')));
  blocks.push(
    context(
      `${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}, ` +
        'newest first · export everything with `carbon audit export --since 7d --format jsonl`',
    ),
  );
  return { text: `${title}: ${rows.length} entries`, blocks: capBlocks(blocks) };
}
