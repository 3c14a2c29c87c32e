import type { JobDeps } from '../../jobs/job.js';
import { loadRunbooks, type Runbooks } from './runbook.js';

/**
 * The runbooks as the settings name them, validated, and their phases and tasks recorded in PostgreSQL
 * so that progress (the dashboard, the daily post, the handoff) is computed from the database alone.
 */
export async function openRunbooks(deps: Pick<JobDeps, 'config' | 'store'>): Promise<Runbooks> {
  const runbooks = await loadRunbooks({
    runbooksDir: deps.config.RUNBOOKS_DIR,
    manifestsDir: deps.config.PHASE_MANIFESTS_DIR,
  });
  await deps.store.phases.define(
    runbooks.phases.map((p) => ({
      phase: p.phase,
      title: p.title,
      tasks: p.tasks.map((t) => ({ id: t.id, title: t.title, kind: t.kind, after: t.after })),
    })),
  );
  return runbooks;
}
