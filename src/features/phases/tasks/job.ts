import type { TaskBase, TaskOutcome, JobPlan } from '../plan.js';
import { z } from 'zod';
import { CommandTable } from '../../../commands/table.js';
import type { Command } from '../../../contracts/commands.js';
import type { DataOf } from '../../../contracts/jobs.js';
import { queued } from '../../../jobs/replies.js';
import { bench } from '../../bench/command.js';
import { audit, outcomeBase, type TaskKind, type TaskRun } from './kind.js';

/** The runbook YAML of a job task: another carbon-ops command, run as a job of its own. */
const schema = z.strictObject({
  /** The command as typed after /carbon, e.g. `bench kafka`. */
  command: z.string().min(1).max(300),
});

/** Commands a `job` task may run: ones that only measure or that carry their own safeguards. */
const TASK_COMMANDS = new CommandTable([bench]);

/** A command run as its own job in the apply's thread; done when that job completed. */
export type JobTask = TaskBase & { kind: 'job'; line: string; command: DataOf<'bench-kafka'>['command'] };

export const job: TaskKind<JobTask, JobPlan, z.infer<typeof schema>> = {
  kind: 'job',
  schema,
  async resolve(raw, base, at, _manifests, problems) {
    const refused = `${at}: job: \`${raw.command}\` cannot run as a phase task (allowed: bench …)`;
    let command: Command;
    try {
      command = TASK_COMMANDS.parse(raw.command);
    } catch (error) {
      const verb = raw.command.trim().split(/\s+/)[0]?.toLowerCase();
      const known = TASK_COMMANDS.specs.some((spec) => spec.name === verb);
      problems.push(
        known ? `${at}: job: \`${raw.command}\` is not a carbon-ops command: ${(error as Error).message}` : refused,
      );
      return undefined;
    }
    if (command.name !== 'bench' || command.action !== 'kafka') {
      problems.push(refused);
      return undefined;
    }
    return { ...base, kind: 'job', line: raw.command.trim(), command };
  },
  acts: true,
  ownJob: true,
  verb: (task) => `starting \`${task.line}\``,
  plan: async (task) => ({ kind: 'job', line: task.line }),
  count(_plan, counts) {
    counts.jobs++;
  },
  apply: startJob,
  verify: jobState,
};

/** Job tasks: the command runs as its own job, in the apply's thread; the task records the job id. */
async function startJob(task: JobTask, run: TaskRun): Promise<TaskOutcome<'job'>> {
  const { phase, ctx } = run;
  const { queue, chat } = ctx.deps;
  const jobId = `phase-${phase}-${task.id}-${ctx.jobId}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const existing = await queue.queue.getJob(jobId);
  if (existing === undefined) {
    if (ctx.thread === undefined) throw new Error('a job task needs a thread to post in');
    const ts = await chat.post(
      ctx.thread.channel,
      queued(`\`${task.line}\` for phase ${phase} (task ${task.id})`, jobId),
      ctx.thread.threadTs,
    );
    const data: DataOf<'bench-kafka'> = {
      job: 'bench-kafka',
      command: task.command,
      requester: { user: ctx.actor, channel: ctx.thread.channel },
      reply: { channel: ctx.thread.channel, ts, threadTs: ctx.thread.threadTs },
      ...(ctx.authorization ? { authorization: ctx.authorization } : {}),
    };
    await queue.enqueue(data, jobId);
    await audit(run, task, 'started', `enqueued \`${task.line}\` as job ${jobId}`);
  }
  return {
    ...outcomeBase(task),
    state: 'running',
    detail: `\`${task.line}\` queued as job ${jobId}; \`phase verify ${phase}\` records its result`,
    jobId,
  };
}

/** A job task is done when its job completed; it failed when its job failed for good. */
async function jobState(
  task: JobTask,
  { phase, ctx }: TaskRun,
  jobId: string | undefined,
): Promise<TaskOutcome<'job'>> {
  const base = outcomeBase(task);
  if (jobId === undefined)
    return { ...base, state: 'pending', detail: `not run yet: \`phase apply ${phase}\` starts it` };
  const job = await ctx.deps.queue.queue.getJob(jobId);
  if (job === undefined) {
    // Finished jobs leave the queue (after a day, or with the terminal session that ran them): what they stored
    // remains.
    const run = await ctx.deps.store.benchmarks.byJob(jobId);
    if (run !== undefined)
      return {
        ...base,
        state: 'done',
        detail:
          `job ${jobId} stored benchmark run #${run.id}: ` +
          `${Math.round(run.recordsPerSec).toLocaleString('en-US')} records/sec`,
        jobId,
      };
    return {
      ...base,
      state: 'unverifiable',
      detail:
        `job ${jobId} is no longer in the queue and stored no result, so its outcome is unknown; ` +
        `\`phase apply ${phase} --task ${base.id}\` runs it again`,
      jobId,
    };
  }
  const state = await job.getState();
  if (state === 'completed')
    return {
      ...base,
      state: 'done',
      detail: `job ${jobId} completed: ${String(job.returnvalue ?? '').slice(0, 200)}`,
      jobId,
    };
  if (state === 'failed')
    return { ...base, state: 'failed', detail: `job ${jobId} failed: ${job.failedReason ?? 'unknown reason'}`, jobId };
  return { ...base, state: 'running', detail: `job ${jobId} is ${state}`, jobId };
}
