import type { TaskBase, CheckPlan } from '../plan.js';
import { z } from 'zod';
import { describeCheck, evaluateCheck, resolveCheck } from '../checks.js';
import { CHECK_NAMES, CHECKS, type CheckName, type ResolvedCheck } from '../checks/table.js';
import { fromCheck, outcomeBase, type TaskKind, type TaskRun } from './kind.js';

/** The runbook YAML of a check task: exactly one of the conditions of checks/table.ts. */
const schema = z
  .strictObject(
    Object.fromEntries(CHECK_NAMES.map((k) => [k, CHECKS[k].schema.optional()])) as {
      [K in CheckName]: z.ZodOptional<(typeof CHECKS)[K]['schema']>;
    },
  )
  .superRefine((value, ctx) => {
    const given = Object.keys(value).filter((k) => value[k as CheckName] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message:
          `name exactly one condition (${CHECK_NAMES.join(', ')}); ` +
          `got ${given.length === 0 ? 'none' : given.join(', ')}`,
      });
  });

/** A condition of the cluster; done when it holds. */
export type CheckTask = TaskBase & { kind: 'check'; check: ResolvedCheck };

const outcome = async (task: CheckTask, { ctx, view }: TaskRun) =>
  fromCheck(outcomeBase(task), await evaluateCheck(task.check, { ...ctx.deps }, view));

export const check: TaskKind<CheckTask, CheckPlan, z.infer<typeof schema>> = {
  kind: 'check',
  schema,
  async resolve(raw, base, at, manifests, problems) {
    const name = CHECK_NAMES.find((k) => raw[k] !== undefined)!;
    const spec = { kind: name, ...raw[name] } as ResolvedCheck;
    const resolved = await resolveCheck(spec, `${at}: check.${name}`, manifests, problems);
    return resolved === undefined ? undefined : { ...base, kind: 'check', check: resolved };
  },
  acts: false,
  ownJob: false,
  verb: () => 'checking',
  plan: async (task) => ({ kind: 'check', description: describeCheck(task.check) }),
  count(_plan, counts) {
    counts.checks++;
  },
  apply: (task, run) => outcome(task, run),
  verify: (task, run) => outcome(task, run),
};
