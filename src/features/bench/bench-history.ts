import { renderBenchHistory } from './render.js';
import type { JobDefinition } from '../../jobs/job.js';

/** `/carbon bench history kafka`: the stored runs, newest first. Reads only. */
export const benchHistory: JobDefinition<'bench-history'> = {
  attempts: 2,
  async run({ data, deps }) {
    return renderBenchHistory(await deps.store.benchmarks.recent(data.command.limit));
  },
};
