import type { PhasePlan, RunResult, ObjectPlan, TaskOutcome, TaskPlan } from './plan.js';
import type { KnownBlock } from '@slack/types';
import { fieldList } from './diff.js';
import type { Runbooks } from './runbook.js';
import type { PhaseApply } from './apply-store.js';
import { percentage, type PhaseProgress, type TaskState, type TaskStatus } from './store.js';
import { approvalActions, REQUEST_ICON, requestStateLine } from '../../approvals/render.js';
import {
  capBlocks,
  clip,
  context,
  divider,
  escapeMrkdwn,
  header,
  LIMITS,
  section,
  utc,
  who,
  type Message,
} from '../../message.js';

/** Renderers for the phase runbooks: the progress dashboard, plans, apply and verify results. Pure. */

export const STATE_ICON: Record<TaskState | 'skipped', string> = {
  done: '✅',
  failed: '❌',
  running: '🔄',
  pending: '⏳',
  unverifiable: '❔',
  skipped: '⏭️',
};

const pctText = (pct: number) => `${Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(1)}%`;

/** A bar of `width` cells: █ for the done share, ░ for the rest. */
export function progressBar(pct: number, width = 12): string {
  const filled = Math.max(0, Math.min(width, Math.round((pct / 100) * width)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** Width of the box's inside, in characters: fits a Slack code block without wrapping on a laptop. */
const INNER = 68;

function boxLine(text: string): string {
  const clipped = text.length > INNER ? `${text.slice(0, INNER - 1)}…` : text;
  return `║${clipped.padEnd(INNER)}║`;
}

/** `  Phase 4: Platform Stabilization & Hardening   30% ████░░░░░░░░  ` */
function barRow(label: string, pct: number): string {
  const bar = progressBar(pct);
  const value = pctText(pct).padStart(6);
  const room = INNER - 2 - 1 - value.length - 1 - bar.length - 2;
  const name = label.length > room ? `${label.slice(0, room - 1)}…` : label.padEnd(room);
  return boxLine(`  ${name} ${value} ${bar}  `);
}

const centered = (text: string) => {
  const pad = Math.max(0, Math.floor((INNER - text.length) / 2));
  return boxLine(`${' '.repeat(pad)}${text}`);
};

export interface DashboardMeta {
  cluster: string;
  simulated: boolean;
  at: Date;
}

/**
 * The seed's "Quick Status Dashboard", computed: each phase's percentage is its done tasks ÷ its tasks,
 * the overall one is all done tasks ÷ all tasks. Monospace, box-drawing characters only (no emoji,
 * which would break the alignment), about 1,000 characters: inside Slack's section limit.
 */
export function dashboardBox(phases: readonly PhaseProgress[], meta: DashboardMeta): string {
  const done = phases.reduce((n, p) => n + p.done, 0);
  const total = phases.reduce((n, p) => n + p.total, 0);
  const complete = phases.filter((p) => p.total > 0 && p.done === p.total).length;
  const failing = phases.reduce((n, p) => n + p.tasks.filter((t) => t.state === 'failed').length, 0);
  const rule = '═'.repeat(INNER);
  const lines = [
    `╔${rule}╗`,
    centered('Production Platform Progress (phase runbooks)'),
    `╠${rule}╣`,
    boxLine(''),
    ...phases.map((p) => barRow(`Phase ${p.phase}: ${p.title}`, p.pct)),
    boxLine(''),
    barRow(`Overall (${done} of ${total} tasks done)`, percentage(done, total)),
    boxLine(''),
    `╠${rule}╣`,
    boxLine(
      `  Status: ${complete} of ${phases.length} phases complete · ${failing} task${failing === 1 ? '' : 's'} failing`,
    ),
    boxLine(`  ${meta.cluster}${meta.simulated ? ' (simulated)' : ''} · ${utc(meta.at)}`),
    `╚${rule}╝`,
  ];
  return lines.join('\n');
}

const FORMULA =
  'phase % = tasks done ÷ tasks of the phase; overall = all tasks done ÷ all tasks. ' +
  'A task is done only when its check passed.';

export function dashboardMessage(phases: readonly PhaseProgress[], meta: DashboardMeta): Message {
  const blocks: KnownBlock[] = [header('Phase progress')];
  if (meta.simulated) blocks.push(context('⚠️ *Simulated*: the built-in demo cluster, not a real one.'));
  if (phases.length === 0) {
    blocks.push(section('No phase runbooks are recorded yet.'));
    return { text: 'Phase progress: no phase runbooks recorded', blocks };
  }
  blocks.push(section(`\`\`\`${dashboardBox(phases, meta)}\`\`\``));
  const failing = phases.flatMap((p) =>
    p.tasks
      .filter((t) => t.state === 'failed')
      .map((t) => `${STATE_ICON.failed} phase ${p.phase} \`${t.task}\`: ${escapeMrkdwn(clip(t.detail ?? '', 160))}`),
  );
  if (failing.length > 0)
    blocks.push(
      section(
        clip(
          `*Failing*\n${failing.slice(0, 8).join('\n')}` +
            `${failing.length > 8 ? `\n… and ${failing.length - 8} more` : ''}`,
          LIMITS.sectionText,
        ),
      ),
    );
  blocks.push(context(`${FORMULA} Details: \`/carbon phase status N\`.`));
  const done = phases.reduce((n, p) => n + p.done, 0);
  const total = phases.reduce((n, p) => n + p.total, 0);
  return {
    text:
      `Phase progress: ${phases.map((p) => `phase ${p.phase} ${pctText(p.pct)}`).join(', ')}; ` +
      `overall ${pctText(percentage(done, total))}`,
    blocks,
  };
}

function taskLine(t: TaskStatus): string {
  const when = t.checkedAt ? ` · ${utc(t.checkedAt)}${t.by ? ` by <@${t.by}>` : ''}` : '';
  const job = t.jobId ? ` · job ${escapeMrkdwn(t.jobId)}` : '';
  const detail = t.detail ? `\n      ${escapeMrkdwn(clip(t.detail, 300))}` : '';
  return (
    `${STATE_ICON[t.state]} *${t.task}* (${t.kind}) ` +
    `${t.state}${when}${job}\n      ${escapeMrkdwn(t.title)}${detail}`
  );
}

/** Lines grouped into sections under Slack's 3,000 characters each. */
function chunked(lines: readonly string[], first?: string): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let current = first ?? '';
  for (const line of lines) {
    if (current.length + line.length + 1 > LIMITS.sectionText - 50 && current !== '') {
      blocks.push(section(current));
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current !== '') blocks.push(section(current));
  return blocks;
}

export function phaseStatusMessage(p: PhaseProgress, meta: DashboardMeta): Message {
  const title = `Phase ${p.phase} · ${p.title}`;
  const blocks: KnownBlock[] = [header(title)];
  if (meta.simulated) blocks.push(context('⚠️ *Simulated*: the built-in demo cluster, not a real one.'));
  blocks.push(
    section(
      `\`${progressBar(p.pct, 20)}\` *${pctText(p.pct)}* (${p.done} of ${p.total} tasks done) ` +
        `on ${escapeMrkdwn(meta.cluster)}`,
    ),
  );
  blocks.push(...chunked(p.tasks.map(taskLine)));
  blocks.push(
    context(
      `${FORMULA} \`phase plan ${p.phase}\` shows what an apply would change; ` +
        `\`phase verify ${p.phase}\` runs the checks.`,
    ),
  );
  return { text: `${title}: ${pctText(p.pct)} (${p.done} of ${p.total} tasks done)`, blocks: capBlocks(blocks) };
}

export function phaseListMessage(runbooks: Runbooks): Message {
  const lines = runbooks.phases.map((p) => {
    const kinds = ['apply', 'check', 'cleanup', 'job']
      .map((k) => [k, p.tasks.filter((t) => t.kind === k).length] as const)
      .filter(([, n]) => n > 0);
    return (
      `*Phase ${p.phase}: ${escapeMrkdwn(p.title)}* · ${p.tasks.length} tasks ` +
      `(${kinds.map(([k, n]) => `${n} ${k}`).join(', ')})\n${p.summary ? `${escapeMrkdwn(p.summary)}\n` : ''}` +
      `${p.tasks.map((t) => `\`${t.id}\``).join(' ')}`
    );
  });
  return {
    text: `Phase runbooks: ${runbooks.phases.map((p) => `${p.phase} ${p.title}`).join('; ')}`,
    blocks: capBlocks([
      header('Phase runbooks'),
      ...chunked(lines),
      context(
        'Defined in runbooks/phase-N.yaml; the manifests they apply are in manifests/phases/. ' +
          '`phase status N` shows where each task stands.',
      ),
    ]),
  };
}

// ---- plans ----

const ACTION_WORD: Record<ObjectPlan['action'], string> = {
  create: 'create',
  change: 'change',
  unchanged: 'unchanged',
  exists: 'exists',
  conflict: 'CONFLICT',
  error: 'ERROR',
};

function objectLine(o: ObjectPlan): string {
  const word = ACTION_WORD[o.action].padEnd(9);
  const extra =
    o.action === 'change'
      ? `  fields: ${fieldList(o.fields ?? [])}`
      : o.action === 'conflict'
        ? `  ${o.conflicts!.map((c) => `${c.field} managed by ${c.manager}`).join('; ')}`
        : o.action === 'error'
          ? `  ${o.error ?? ''}`
          : o.action === 'exists'
            ? '  left alone (create-only)'
            : '';
  const forced =
    o.conflicts && o.action !== 'conflict'
      ? `  (--force takes over ${o.conflicts.map((c) => `${c.field} from ${c.manager}`).join(', ')})`
      : '';
  const adopt = o.action === 'unchanged' && o.adopt ? '  (carbon-ops becomes a manager)' : '';
  return `${word} ${o.key}${extra}${forced}${adopt}`;
}

/** A code block of lines, cut to fit a section, saying how many were left out. */
function codeLines(title: string, lines: readonly string[]): string {
  const max = LIMITS.sectionText - title.length - 60;
  const kept: string[] = [];
  let size = 0;
  for (const line of lines) {
    const escaped = escapeMrkdwn(clip(line, 240));
    if (size + escaped.length + 1 > max) break;
    kept.push(escaped);
    size += escaped.length + 1;
  }
  const more = lines.length > kept.length ? `\n… and ${lines.length - kept.length} more` : '';
  return `${title}\n\`\`\`${kept.join('\n')}${more}\`\`\``;
}

function taskPlanText(t: TaskPlan, index: number): string {
  const title =
    `*${index + 1}. ${t.id}* (${t.kind}) · ${escapeMrkdwn(t.title)}` +
    `${t.after.length > 0 ? ` · after ${t.after.map((a) => `\`${a}\``).join(', ')}` : ''}`;
  switch (t.kind) {
    case 'apply': {
      const shown = t.objects.filter((o) => o.action !== 'unchanged' || o.adopt);
      const unchanged = t.objects.length - shown.length;
      const tally = objectTally(t.objects);
      if (shown.length === 0) return `${title}\n${tally}`;
      return codeLines(
        `${title}\n${tally}${unchanged > 0 ? ` (${unchanged} unchanged not listed)` : ''}`,
        shown.map(objectLine),
      );
    }
    case 'cleanup': {
      const spared =
        t.spared.length > 0
          ? `\nSpared (critical services): ${t.spared.map((p) => `\`${p.namespace}/${p.name}\``).join(', ')}`
          : '';
      if (t.refusal) return `${title}\n⚠️ ${escapeMrkdwn(t.refusal)}${spared}`;
      if (t.pods.length === 0) return `${title}\nNo failed pods to delete.${spared}`;
      return codeLines(
        `${title}\nWould delete ${t.pods.length} failed pod${t.pods.length === 1 ? '' : 's'}:${spared}`,
        t.pods.map((p) => `delete    Pod ${p.namespace}/${p.name}  ${p.reason}, ${p.owner}`),
      );
    }
    case 'job':
      return `${title}\nWould start \`${escapeMrkdwn(t.line)}\` as its own job and record its id.`;
    case 'check':
      return `${title}\nWould check: ${escapeMrkdwn(t.description)}.`;
  }
}

function objectTally(objects: readonly ObjectPlan[]): string {
  const order: ObjectPlan['action'][] = ['create', 'change', 'unchanged', 'exists', 'conflict', 'error'];
  const words: Record<ObjectPlan['action'], string> = {
    create: 'to create',
    change: 'to change',
    unchanged: 'unchanged',
    exists: 'already there',
    conflict: 'in conflict',
    error: 'refused',
  };
  const parts = order.map((a) => [a, objects.filter((o) => o.action === a).length] as const).filter(([, n]) => n > 0);
  return (
    `${objects.length} object${objects.length === 1 ? '' : 's'}: ` +
    `${parts.map(([a, n]) => `${n} ${words[a]}`).join(', ')}`
  );
}

/** One line of what the plan would do, for notifications and the request's status. */
export function planSummary(plan: PhasePlan): string {
  const objects = plan.tasks.flatMap((t) => (t.kind === 'apply' ? t.objects : []));
  const count = (a: ObjectPlan['action']) => objects.filter((o) => o.action === a).length;
  const pods = plan.tasks.reduce((n, t) => n + (t.kind === 'cleanup' && !t.refusal ? t.pods.length : 0), 0);
  const jobs = plan.tasks.filter((t) => t.kind === 'job').length;
  const checks = plan.tasks.filter((t) => t.kind === 'check').length;
  const parts = [
    `create ${count('create')}`,
    `change ${count('change')}`,
    `leave ${count('unchanged') + count('exists')} unchanged`,
  ];
  if (count('conflict') > 0) parts.push(`${count('conflict')} in conflict`);
  if (count('error') > 0) parts.push(`${count('error')} refused`);
  return (
    `${parts.join(', ')} (of ${objects.length} objects); delete ${pods} failed pod${pods === 1 ? '' : 's'}; ` +
    `start ${jobs} job${jobs === 1 ? '' : 's'}; run ${checks} check${checks === 1 ? '' : 's'}`
  );
}

/** Whether the plan has something that would fail the apply (a conflict without --force, a refusal). */
export function planBlockers(plan: PhasePlan): string[] {
  const blockers: string[] = [];
  for (const t of plan.tasks) {
    if (t.kind === 'apply') {
      for (const o of t.objects) {
        if (o.action === 'conflict')
          blockers.push(`${o.key}: ${o.conflicts!.map((c) => `${c.field} managed by \`${c.manager}\``).join(', ')}`);
        if (o.action === 'error') blockers.push(`${o.key}: ${o.error ?? 'refused'}`);
      }
    } else if (t.kind === 'cleanup' && t.refusal) {
      blockers.push(`${t.id}: ${t.refusal}`);
    }
  }
  return blockers;
}

function planBlocks(plan: PhasePlan, heading: string): KnownBlock[] {
  const blocks: KnownBlock[] = [header(heading)];
  if (plan.simulated) blocks.push(context('⚠️ *Simulated*: the built-in demo cluster, not a real one.'));
  blocks.push(
    section(
      `*Would* ${escapeMrkdwn(planSummary(plan))} on ` +
        `${escapeMrkdwn(plan.cluster)}.${plan.force ? '\n*--force*: fields other managers own are taken over.' : ''}`,
    ),
  );
  const blockers = planBlockers(plan);
  if (blockers.length > 0) {
    const hint = plan.force
      ? ''
      : `\nA conflict is never forced: fix it, or ask again with \`phase apply ${plan.phase} --force\` to take ` +
        'the fields over.';
    blocks.push(
      section(
        clip(
          `⚠️ *The apply would stop here:*\n${blockers
            .slice(0, 8)
            .map((b) => `• ${escapeMrkdwn(b)}`)
            .join('\n')}${blockers.length > 8 ? `\n… and ${blockers.length - 8} more` : ''}${hint}`,
          LIMITS.sectionText,
        ),
      ),
    );
  }
  blocks.push(...plan.tasks.map((t, i) => section(taskPlanText(t, i))));
  blocks.push(
    context(
      `Server-side dry run (dryRun=All) at ${utc(new Date(plan.plannedAt))}, field manager carbon-ops: ` +
        'nothing was changed. Diff per object: create, change (fields), unchanged.',
    ),
  );
  return blocks;
}

export function planMessage(plan: PhasePlan): Message {
  const heading = `Phase ${plan.phase} plan · ${plan.title}`;
  return { text: `${heading}: would ${planSummary(plan)}`, blocks: capBlocks(planBlocks(plan, heading)) };
}

// ---- the apply request (approval) ----

const target = (r: PhaseApply) => `phase ${r.phase}${r.task ? ` task ${r.task}` : ''}${r.force ? ' --force' : ''}`;

function applyStateLine(r: PhaseApply): string {
  return requestStateLine(r, { running: 'Applying', succeeded: 'Applied' });
}

const plainState = (r: PhaseApply): string =>
  ({
    pending: 'awaiting approval',
    approved: 'approved',
    running: 'applying',
    succeeded: 'applied',
    failed: 'failed',
    rejected: 'denied',
    expired: 'expired',
  })[r.state];

/** The plan with the request around it; the Approve and Deny buttons while it is pending. */
export function applyPlanMessage(r: PhaseApply): Message {
  const heading = `Phase ${r.phase} apply plan · ${r.plan.title}`;
  const blocks = planBlocks(r.plan, heading);
  blocks.splice(
    r.plan.simulated ? 2 : 1,
    0,
    section(`*Asked by* <@${r.requestedBy}> · *Applies* ${target(r)} on ${escapeMrkdwn(r.cluster)}`),
  );
  blocks.push(divider(), section(applyStateLine(r)), section(`request: ${r.id}`));
  if (r.state === 'pending') {
    blocks.push(
      ...approvalActions({
        id: r.id,
        blockId: `phase-${r.id}`,
        requestedBy: r.requestedBy,
        confirmTitle: `Apply phase ${r.phase}?`,
        confirmText:
          `Apply ${escapeMrkdwn(target(r))} to ${escapeMrkdwn(r.cluster)} now, ` +
          `as asked by <@${r.requestedBy}>: ${escapeMrkdwn(planSummary(r.plan))}.`,
      }),
    );
  }
  // The request's lines and buttons must survive the cap: drop task sections from the middle if needed.
  const capped =
    blocks.length > LIMITS.blocks
      ? [
          ...blocks.slice(0, 4),
          context(
            `… ${blocks.length - LIMITS.blocks + 1} task sections left out; \`phase plan ${r.phase}\` shows them.`,
          ),
          ...blocks.slice(blocks.length - (LIMITS.blocks - 5)),
        ]
      : blocks;
  return {
    text: `Phase ${r.phase} apply plan: ${plainState(r)} · would ${planSummary(r.plan)} · request: ${r.id}`,
    blocks: capped,
  };
}

export function applyStatusMessage(r: PhaseApply): Message {
  const text = [
    `${REQUEST_ICON[r.state]} Apply of ${target(r)} for <@${r.requestedBy}>: ${plainState(r)}`,
    `request: ${r.id}`,
  ].join('\n');
  return { text, blocks: [section(text), context(applyStateLine(r))] };
}

export function applyApprovedMessage(r: PhaseApply): Message {
  return {
    text: `✅ Approved by ${r.approvedBy.length > 0 ? who(r.approvedBy) : 'the policy'}: applying ${target(r)}…`,
  };
}

/** Why a plan was not offered for approval: the apply would stop on these blockers (`planBlockers`). */
export const notOfferedReason = (phase: number, blockers: readonly string[]): string =>
  `Phase ${phase} was not offered for approval: the apply would stop on ${blockers.length} ` +
  `object${blockers.length === 1 ? '' : 's'} (${blockers[0]}).`;

/** The refusal with the plan under it, so the asker sees every blocker in place. */
export function notOfferedMessage(plan: PhasePlan, why: string): Message {
  const planned = planMessage(plan);
  return {
    text: `❌ ${why}`,
    blocks: [section(`❌ ${escapeMrkdwn(why)}`), ...(planned.blocks ?? []).slice(0, LIMITS.blocks - 1)],
  };
}

/** A plan with nothing to change: `onlyChecks` when the phase (or task) has checks only. */
export function nothingToApplyRefusal(phase: number, task: string | undefined, onlyChecks: boolean): string {
  const what = onlyChecks
    ? `phase ${phase}${task ? ` task ${task}` : ''} has only checks`
    : 'every object is in sync and there is no failed pod to delete';
  return `Nothing to apply: ${what}. \`phase verify ${phase}\` runs the checks and records them.`;
}

/** The runbook or manifests changed between the approved plan and the apply: refused. */
export function planChangedRefusal(r: PhaseApply, digest: string): string {
  const was =
    r.plan.digest === undefined
      ? 'a plan made before plans carried a digest'
      : `the approved plan (digest ${r.plan.digest.slice(0, 12)})`;
  return (
    `Phase ${r.phase} was NOT applied: its runbook or manifests changed since ${was} was planned at ` +
    `${r.plan.plannedAt} (now ${digest.slice(0, 12)}). Nothing was changed. ` +
    `Ask again with \`phase apply ${r.phase}\` to review and approve the current plan.`
  );
}

/**
 * An apply's result in one line, stored with the request: the failed steps (a failing check is a
 * measurement, counted apart) and where the phase stands.
 */
export function applySummary(result: RunResult, pct: number): string {
  const failed = result.outcomes.filter((o) => o.state === 'failed' && o.kind !== 'check');
  const failingChecks = result.outcomes.filter((o) => o.state === 'failed' && o.kind === 'check');
  const s = (n: number) => (n === 1 ? '' : 's');
  const ids = (outcomes: readonly TaskOutcome[]) => outcomes.map((o) => o.id).join(', ');
  const checks =
    failingChecks.length > 0
      ? `; ${failingChecks.length} check${s(failingChecks.length)} failing (${ids(failingChecks)})`
      : '';
  const where = `; phase ${result.phase} at ${pct}%`;
  return failed.length > 0
    ? `${failed.length} task${s(failed.length)} failed (${ids(failed)})${checks}${where}`
    : `${result.outcomes.length} task${s(result.outcomes.length)} run${checks}${where}`;
}

// ---- apply and verify results ----

function outcomeLine(o: TaskOutcome): string {
  return `${STATE_ICON[o.state]} *${o.id}* ${o.state}: ${escapeMrkdwn(clip(o.detail, 400))}`;
}

export function runMessage(
  result: RunResult,
  progress: PhaseProgress | undefined,
  meta: DashboardMeta & { jobId: string; requestId?: string },
): Message {
  const verb = result.mode === 'apply' ? 'applied' : 'verified';
  const n = result.outcomes.length;
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  // In an apply, a failed step (apply, cleanup, job) failed the apply; a failing check is a measurement.
  const steps = result.outcomes.filter(
    (o) => o.state === 'failed' && (result.mode === 'apply' ? o.kind !== 'check' : true),
  ).length;
  const checks =
    result.mode === 'apply' ? result.outcomes.filter((o) => o.state === 'failed' && o.kind === 'check').length : 0;
  const failed = steps + checks;
  const skipped = result.outcomes.filter((o) => o.state === 'skipped').length;
  const heading = `Phase ${result.phase} ${verb} · ${result.title}`;
  const blocks: KnownBlock[] = [header(heading)];
  if (meta.simulated) blocks.push(context('⚠️ *Simulated*: the built-in demo cluster, not a real one.'));
  const bar = progress
    ? `\`${progressBar(progress.pct, 20)}\` *${pctText(progress.pct)}* (${progress.done} of ` +
      `${progress.total} tasks done)`
    : '';
  const verdict =
    result.mode === 'verify'
      ? steps > 0
        ? `❌ ${steps} of ${plural(n, 'check')} failing`
        : `✅ all ${plural(n, 'check')} pass`
      : `${steps > 0 ? `❌ ${plural(steps, 'step')} failed` : `✅ ${plural(n, 'task')} run`}` +
        `${checks > 0 ? ` · ${plural(checks, 'check')} failing` : ''}${skipped > 0 ? ` · ${skipped} not run` : ''}`;
  blocks.push(section(`${verdict}\n${bar}`));
  blocks.push(...chunked(result.outcomes.map(outcomeLine)));
  const notes = [
    `job ${meta.jobId}`,
    ...(meta.requestId ? [`request ${meta.requestId}`] : []),
    `${escapeMrkdwn(meta.cluster)} · ${utc(meta.at)}`,
  ];
  blocks.push(context(`${notes.join(' · ')} · \`phase status ${result.phase}\` shows every task.`));
  const done = progress ? `, ${pctText(progress.pct)} done` : '';
  const text = `${heading}: ${failed > 0 ? `${failed} failed` : 'ok'}${done}`;
  return { text, blocks: capBlocks(blocks) };
}
