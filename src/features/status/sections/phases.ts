import { openRunbooks } from '../../phases/load.js';
import type { AppliedObject, PhaseProgress, TaskEvent } from '../../phases/store.js';
import { measured, notMeasured, type SectionProvider } from '../sections.js';

export interface PhaseState {
  /** Each phase's tasks and their states on this cluster, in runbook order (store.phases.progress). */
  phases: PhaseProgress[];
  /** Changes of task state in the period (empty unless a period is asked for). */
  history: TaskEvent[];
  /** Objects phase applies wrote or deleted in the period. */
  objects: AppliedObject[];
  /** The runbooks could not be re-read now: the stored definitions were used. */
  stale?: string;
}

/**
 * Phase progress from the phase runbooks' task states in PostgreSQL, as `phase status` computes it. The
 * runbooks are read first (as every phase command does) so a phase nobody has run yet shows its tasks
 * pending; if they cannot be read, the stored definitions are used and the reason kept.
 */
export const phaseProgress: SectionProvider<PhaseState, { since?: Date; until?: Date }> = {
  title: 'Phase progress',
  async collect(ctx, { since, until }) {
    let stale: string | undefined;
    try {
      await openRunbooks(ctx);
    } catch (error) {
      stale = (error as Error).message;
      ctx.log.warn({ err: error }, 'phase runbooks not re-read for the status; using the stored definitions');
    }
    const cluster = ctx.cluster.name;
    const phases = await ctx.store.phases.progress(cluster);
    if (phases.length === 0)
      return notMeasured(
        stale
          ? `the phase runbooks cannot be read: ${stale}`
          : 'no phase runbooks are defined (RUNBOOKS_DIR holds none).',
      );
    const [history, objects] =
      since === undefined
        ? [[], []]
        : await Promise.all([
            ctx.store.phases.history(cluster, since, until),
            ctx.store.phases.objects(cluster, since, until),
          ]);
    return measured({ phases, history, objects, ...(stale ? { stale } : {}) });
  },
};
