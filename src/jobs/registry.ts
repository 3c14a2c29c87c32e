import type { JobName, ScheduledJobName } from '../contracts/jobs.js';
import { UserError } from '../errors.js';
import type { JobContext, JobDefinition, ScheduledJobDefinition } from './job.js';

/** Every job a worker runs, by name: the type makes a job without a definition a compile error. */
export type JobTable = { [J in JobName]: JobDefinition<J> };
export type ScheduledJobTable = { [N in ScheduledJobName]: ScheduledJobDefinition<never> };

const DEFAULT_STALLS = 1;

/** Thrown instead of running a job that was taken over after a dead worker more often than it allows. */
export class StalledTooOften extends UserError {}

/** What the queue and the worker look jobs up in; built once, at the top, from the two tables. */
export class JobRegistry {
  /**
   * The worker's `maxStalledCount` (BullMQ's setting is per worker, not per job): the largest allowance.
   * Jobs that allow fewer are failed by `jobFor`'s check when they start once too often.
   */
  readonly maxStalledCount: number;

  constructor(
    private readonly jobs: JobTable,
    private readonly scheduled: ScheduledJobTable,
  ) {
    const allowances = (Object.values(jobs) as JobDefinition[]).map(stallsOf);
    this.maxStalledCount = Math.max(DEFAULT_STALLS, ...allowances);
  }

  attemptsOf(name: string): number | undefined {
    return this.definition(name)?.attempts ?? this.scheduledJobFor(name)?.attempts;
  }

  scheduledJobFor(name: string): ScheduledJobDefinition | undefined {
    return (this.scheduled as Record<string, ScheduledJobDefinition | undefined>)[name];
  }

  stallsAllowed(name: string): number {
    const definition = this.definition(name);
    return definition === undefined ? DEFAULT_STALLS : stallsOf(definition);
  }

  /** The job's definition, wrapped so a job taken over more often than it allows is failed, not run. */
  jobFor(name: string): JobDefinition | undefined {
    const definition = this.definition(name);
    if (definition === undefined) return undefined;
    const allowed = stallsOf(definition);
    if (allowed >= this.maxStalledCount) return definition;
    return {
      ...definition,
      async run(ctx: JobContext) {
        const job = await ctx.deps.queue.queue.getJob(ctx.jobId);
        const stalls = job?.stalledCounter ?? 0;
        if (stalls > allowed) {
          ctx.log.warn({ stalls, allowed }, 'job taken over after its worker died: not run again');
          await definition
            .onStalled?.(ctx)
            .catch((error: unknown) => ctx.log.warn({ err: error }, 'clean-up after the interrupted run failed'));
          throw new StalledTooOften(
            `This ${name} job was interrupted (its worker stopped) and is not run again: ask again.`,
          );
        }
        return definition.run(ctx);
      },
    };
  }

  private definition(name: string): JobDefinition | undefined {
    return (this.jobs as unknown as Record<string, JobDefinition | undefined>)[name];
  }
}

const stallsOf = (definition: JobDefinition): number => definition.stallsAllowed ?? DEFAULT_STALLS;
