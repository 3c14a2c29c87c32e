import type { HealthCommand } from '../commands/health.js';
import { UserError } from '../errors.js';
import { measureHealth } from '../health/measure.js';
import { renderHealth } from '../reports/health.js';
import type { JobDefinition } from './job.js';

/** `/carbon health`: measure the cluster, keep the snapshot, render the report. Reads only. */
export const healthReport: JobDefinition<HealthCommand> = {
  attempts: 2,
  async run({ jobId, data, deps, progress }) {
    const { namespace } = data.command;
    const { kube, store, catalogue, cluster } = deps;
    if (namespace !== undefined && !(await kube.namespaceExists(namespace))) {
      throw new UserError(`Namespace \`${namespace}\` does not exist in ${cluster.name}.`);
    }
    await progress('Listing pods…');
    const pods = await kube.listPods({
      ...(namespace !== undefined ? { namespace } : {}),
      onPage: (count, page) => progress(`Listing pods: ${count} so far (page ${page})…`),
    });
    await progress(`Listed ${pods.length} pods; reading workloads…`);
    const scope = namespace !== undefined ? { namespace } : {};
    const [deployments, statefulSets] = await Promise.all([kube.listDeployments(scope), kube.listStatefulSets(scope)]);

    const report = measureHealth({ cluster, ...scope, takenAt: new Date(), pods, workloads: { deployments, statefulSets }, catalogue });
    const previous = await store.health.previous(cluster.name, namespace, report.takenAt);
    const snapshotId = await store.health.insert(report, jobId);
    return renderHealth(report, { snapshotId, jobId, ...(previous ? { previous } : {}) });
  },
};
