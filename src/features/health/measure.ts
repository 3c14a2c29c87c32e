import type { ClusterInfo } from '../../integrations/kubernetes.js';
import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Catalogue, Service } from '../../catalogue.js';
import type { DataCheck } from './data-services/check.js';
import { isReady, isSucceeded, problemOf, restartsOf } from './pod-state.js';

export type ServiceStatus = 'up' | 'degraded' | 'down' | 'missing';

export interface ServiceState {
  name: string;
  namespace: string;
  workload: string;
  critical: boolean;
  url?: string;
  ready: number;
  desired: number;
  status: ServiceStatus;
  /** The data checks that failed (data-services/): the service is not up whatever its pods say. */
  failedChecks?: string[];
}

export interface ProblemPod {
  namespace: string;
  name: string;
  restarts: number;
  detail?: string;
}

export interface ProblemGroup {
  reason: string;
  count: number;
  restarts: number;
  /** Worst first: most restarts, then name. */
  pods: ProblemPod[];
}

export interface NamespaceHealth {
  name: string;
  /** Pods that count: every pod but those that Succeeded. */
  pods: number;
  ready: number;
}

export interface HealthReport {
  cluster: ClusterInfo;
  namespace?: string;
  takenAt: Date;
  pods: { total: number; succeeded: number; counted: number; ready: number };
  /** ready ÷ (all − Succeeded) in percent with one decimal; null when no pod counts. */
  healthPct: number | null;
  services: ServiceState[];
  problems: ProblemGroup[];
  namespaces: NamespaceHealth[];
  /** The Data services section (data-services/): absent when the report was made without data checks. */
  dataServices?: DataCheck[];
}

/** What a service's state is read from: a Deployment or StatefulSet, or only these fields of one (workloadFields). */
export interface WorkloadState {
  metadata?: { name?: string; namespace?: string };
  spec?: { replicas?: number };
  status?: { readyReplicas?: number };
}

export interface Workloads {
  deployments: WorkloadState[];
  statefulSets: WorkloadState[];
}

/** What serviceState reads of a Deployment or StatefulSet, kept as each is listed instead of the whole object. */
export function workloadFields(workload: Deployment | StatefulSet): WorkloadState {
  const { spec, status } = workload;
  return {
    metadata: { name: workload.metadata?.name, namespace: workload.metadata?.namespace },
    spec: spec?.replicas !== undefined ? { replicas: spec.replicas } : {},
    status: status?.readyReplicas !== undefined ? { readyReplicas: status.readyReplicas } : {},
  };
}

/** The platform health definition: ready pods ÷ (all pods − pods that Succeeded). */
export function healthPercent(ready: number, counted: number): number | null {
  return counted === 0 ? null : Math.round((ready / counted) * 1000) / 10;
}

export function measureHealth(input: {
  cluster: ClusterInfo;
  namespace?: string;
  takenAt: Date;
  pods: Pod[];
  workloads: Workloads;
  catalogue: Catalogue;
}): HealthReport {
  const counted = input.pods.filter((p) => !isSucceeded(p));
  const ready = counted.filter(isReady);
  return {
    cluster: input.cluster,
    ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
    takenAt: input.takenAt,
    pods: {
      total: input.pods.length,
      succeeded: input.pods.length - counted.length,
      counted: counted.length,
      ready: ready.length,
    },
    healthPct: healthPercent(ready.length, counted.length),
    services: input.catalogue.inNamespace(input.namespace).map((s) => serviceState(s, input.workloads)),
    problems: problemGroups(counted.filter((p) => !isReady(p))),
    namespaces: namespaceBreakdown(counted),
  };
}

function serviceState(service: Service, workloads: Workloads): ServiceState {
  const pool = service.kind === 'deployment' ? workloads.deployments : workloads.statefulSets;
  const workload = pool.find(
    (w) => w.metadata?.name === service.workload && w.metadata?.namespace === service.namespace,
  );
  const desired = workload?.spec?.replicas ?? (workload ? 1 : 0);
  const readyCount = workload?.status?.readyReplicas ?? 0;
  const status: ServiceStatus =
    workload === undefined
      ? 'missing'
      : desired > 0 && readyCount >= desired
        ? 'up'
        : readyCount > 0
          ? 'degraded'
          : 'down';
  return {
    name: service.name,
    namespace: service.namespace,
    workload: `${service.kind}/${service.workload}`,
    critical: service.critical,
    ...(service.url ? { url: service.url } : {}),
    ready: readyCount,
    desired,
    status,
  };
}

function problemGroups(notReady: Pod[]): ProblemGroup[] {
  const groups = new Map<string, ProblemGroup>();
  for (const pod of notReady) {
    const { reason, detail } = problemOf(pod);
    const group = groups.get(reason) ?? { reason, count: 0, restarts: 0, pods: [] };
    const restarts = restartsOf(pod);
    group.count++;
    group.restarts += restarts;
    group.pods.push({
      namespace: pod.metadata?.namespace ?? '',
      name: pod.metadata?.name ?? '',
      restarts,
      ...(detail ? { detail } : {}),
    });
    groups.set(reason, group);
  }
  for (const group of groups.values()) {
    group.pods.sort((a, b) => b.restarts - a.restarts || a.name.localeCompare(b.name));
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

function namespaceBreakdown(counted: Pod[]): NamespaceHealth[] {
  const byName = new Map<string, NamespaceHealth>();
  for (const pod of counted) {
    const name = pod.metadata?.namespace ?? '';
    const entry = byName.get(name) ?? { name, pods: 0, ready: 0 };
    entry.pods++;
    if (isReady(pod)) entry.ready++;
    byName.set(name, entry);
  }
  // Least healthy first: that is where an operator looks.
  return [...byName.values()].sort((a, b) => a.ready / a.pods - b.ready / b.pods || a.name.localeCompare(b.name));
}
