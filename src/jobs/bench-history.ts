import type { BenchCommand } from '../commands/bench.js';
import { renderBenchHistory } from '../reports/bench.js';
import type { JobDefinition } from './job.js';

/** `/carbon bench history kafka`: the stored runs, newest first. Reads only. */
export const benchHistory: JobDefinition<Extract<BenchCommand, { action: 'history' }>> = {
  attempts: 2,
  async run({ data, deps }) {
    return renderBenchHistory(await deps.store.benchmarks.recent(data.command.limit));
  },
};
