import type { PhaseCommand, PhaseAction } from '../../contracts/commands.js';
import type { JobFor } from '../../contracts/jobs.js';
import { UsageError } from '../../errors.js';
import { shown, stringOption, type ActionGrammar, type CommandSpec, type ParsedArgs } from '../../commands/spec.js';

const PHASE_JOBS = {
  list: 'phase-status',
  status: 'phase-status',
  plan: 'phase-plan',
  verify: 'phase-verify',
  apply: 'phase-apply-request',
} as const satisfies { [A in PhaseAction]: JobFor<Extract<PhaseCommand, { action: A }>> };
/** Each action's words and options; the table refuses any other before build runs. */
const ACTIONS = {
  list: { usage: 'phase list' },
  status: { words: ['N?'], usage: 'phase status [N]' },
  plan: { words: ['N'], options: ['task'], usage: 'phase plan N [--task ID]' },
  apply: { words: ['N'], options: ['task', 'force'], usage: 'phase apply N [--task ID] [--force]' },
  verify: { words: ['N'], options: ['task'], usage: 'phase verify N [--task ID]' },
} as const satisfies Record<PhaseAction, ActionGrammar>;
const USAGE = Object.values(ACTIONS)
  .map((action) => action.usage)
  .join(' | ');

/** The largest phase number the grammar accepts; which phases exist is the runbooks' business. */
export const MAX_PHASE = 99;

const TASK_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function phaseNumber(text: string | undefined, action: string): number {
  if (text === undefined)
    throw new UsageError(`Which phase? Usage: \`/carbon phase ${action} N\` (\`/carbon phase list\` shows them).`);
  const value = Number(/^(?:phase-?)?(\d{1,3})$/i.exec(text)?.[1]);
  if (!Number.isInteger(value) || value < 1 || value > MAX_PHASE) {
    throw new UsageError(
      `\`${shown(text)}\` is not a phase number: use a number such as 4 (\`/carbon phase list\` shows the phases).`,
    );
  }
  return value;
}

function taskOption(args: ParsedArgs): { task?: string } {
  const task = stringOption(args, 'task');
  if (task === undefined) return {};
  if (task.length > 40 || !TASK_ID.test(task))
    throw new UsageError(
      `\`${shown(task)}\` is not a task id (like \`pod-disruption-budgets\`; \`/carbon phase status N\` lists them).`,
    );
  return { task };
}

export const phase: CommandSpec<PhaseCommand> = {
  route: (command) => ({ job: PHASE_JOBS[command.action] }),
  name: 'phase',
  summary:
    'The phase runbooks: progress dashboard, a server-side dry run with a diff, apply (after approval), ' +
    'verify the checks.',
  usage: USAGE,
  examples: [
    'phase list',
    'phase status',
    'phase plan 4',
    'phase apply 4',
    'phase apply 4 --task pod-disruption-budgets --force',
    'phase verify 4',
  ],
  options: { task: { type: 'string' }, force: { type: 'boolean' } },
  actions: ACTIONS,
  build(args) {
    const [actionText, number] = args.positionals;
    const action = actionText!.toLowerCase() as PhaseAction; // the table has checked that it names one
    switch (action) {
      case 'list':
        return { name: 'phase', action };
      case 'status':
        return { name: 'phase', action, ...(number !== undefined ? { phase: phaseNumber(number, action) } : {}) };
      case 'apply':
        return {
          name: 'phase',
          action,
          phase: phaseNumber(number, action),
          ...taskOption(args),
          force: args.values.force === true,
        };
      default:
        return { name: 'phase', action, phase: phaseNumber(number, action), ...taskOption(args) };
    }
  },
  // Reading is open to viewers; applying changes the cluster and has its own rule (approvals).
  policy: (command) =>
    command.action === 'apply' || command.action === 'verify' ? `phase ${command.action}` : 'phase',
  describe(command) {
    if (command.action === 'list') return { line: 'phase list' };
    if (command.action === 'status')
      return { line: `phase status${command.phase !== undefined ? ` ${command.phase}` : ''}` };
    const task = command.task !== undefined ? ` --task ${command.task}` : '';
    const force = command.action === 'apply' && command.force ? ' --force' : '';
    return {
      line: `phase ${command.action} ${command.phase}${task}${force}`,
      target: `phase ${command.phase}${command.task ? `/${command.task}` : ''}`,
    };
  },
};
