import type { JobDeps } from '../../jobs/job.js';
import type { Catalogue } from '../../catalogue.js';
import type { Kube } from '../../integrations/kubernetes.js';
import type { SnapshotSummary } from './store.js';
import { measureHealth, workloadFields, type HealthReport } from './measure.js';
import type { ClusterInfo } from '../../integrations/kubernetes.js';
import { healthFields } from './pod-state.js';
import type { DataSources } from './data-services/sources.js';
import { measureDataServices, withDataChecks } from './data-services/measure.js';

export interface SnapshotSources {
  kube: Kube;
  store: JobDeps['store'];
  catalogue: Catalogue;
  cluster: ClusterInfo;
  /** With the settings, the catalogue's data checks run beside the pod listing (the Data services section). */
  config?: DataSources['config'];
  vault?: DataSources['vault'];
}

export interface TakenSnapshot {
  report: HealthReport;
  snapshotId: string;
  /** The latest snapshot of the same scope before this one. */
  previous?: SnapshotSummary;
}

/**
 * The one way health is measured and kept: list the pods (paged) and workloads, measure, store the
 * snapshot. `/carbon health`, the daily status post and handoffs all cite snapshots made here.
 */
export async function takeHealthSnapshot(
  sources: SnapshotSources,
  options: { namespace?: string; jobId: string; progress?: (text: string) => Promise<void> },
): Promise<TakenSnapshot> {
  const { kube, store, catalogue, cluster } = sources;
  const { namespace } = options;
  const progress = options.progress ?? (async () => undefined);
  // Concurrent with the pods, each bounded: the data checks never hold the report up longer than their timeout.
  const dataChecks =
    sources.config === undefined
      ? undefined
      : measureDataServices(
          { config: sources.config, kube, ...(sources.vault ? { vault: sources.vault } : {}) },
          catalogue,
          namespace,
        );
  await progress('Listing pods…');
  const pods = await kube.listPods({
    ...(namespace !== undefined ? { namespace } : {}),
    select: healthFields,
    onPage: (count, page) => progress(`Listing pods: ${count} so far (page ${page})…`),
  });
  await progress(`Listed ${pods.length} pods; reading workloads…`);
  const scope = namespace !== undefined ? { namespace } : {};
  const [deployments, statefulSets] = await Promise.all([
    kube.listDeployments({ ...scope, select: workloadFields }),
    kube.listStatefulSets({ ...scope, select: workloadFields }),
  ]);

  const measuredPods = measureHealth({
    cluster,
    ...scope,
    takenAt: new Date(),
    pods,
    workloads: { deployments, statefulSets },
    catalogue,
  });
  const dataServices = await dataChecks;
  const report =
    dataServices === undefined
      ? measuredPods
      : { ...measuredPods, services: withDataChecks(measuredPods.services, dataServices), dataServices };
  const previous = await store.health.previous(cluster.name, namespace, report.takenAt);
  const snapshotId = await store.health.insert(report, options.jobId);
  return { report, snapshotId, ...(previous ? { previous } : {}) };
}
