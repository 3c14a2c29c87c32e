import { UserError } from '../../errors.js';
import { takeHealthSnapshot } from './snapshot.js';
import { renderHealth } from './render.js';
import type { JobDefinition } from '../../jobs/job.js';

/** `/carbon health`: measure the cluster, keep the snapshot, render the report. Reads only. */
export const healthReport: JobDefinition<'health-report'> = {
  attempts: 2,
  // A report lists pods page by page (20 pages at 10,000 pods) in a second or two: a few lines show it moving.
  progressWrites: 5,
  async run({ jobId, data, deps, progress }) {
    const { namespace } = data.command;
    const { kube, cluster } = deps;
    if (namespace !== undefined && !(await kube.namespaceExists(namespace))) {
      throw new UserError(`Namespace \`${namespace}\` does not exist in ${cluster.name}.`);
    }
    const { report, snapshotId, previous } = await takeHealthSnapshot(deps, {
      ...(namespace !== undefined ? { namespace } : {}),
      jobId,
      progress,
    });
    return renderHealth(report, { snapshotId, jobId, ...(previous ? { previous } : {}) });
  },
};
