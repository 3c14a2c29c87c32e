// Scenario data → Kubernetes objects: Nodes, Namespaces, Services, ConfigMaps, and for each workload the
// objects its controllers would have made (Deployment → ReplicaSet → pods named <rs>-<suffix>; StatefulSet →
// <name>-<ordinal>; DaemonSet → one pod per node; Job → completed or failed pods), pods in the states the
// scenario gives, with the recurring Events that such pods keep producing on a real cluster.
import type { WorkloadResource } from './cluster.js';
import { REVISION } from './controllers/deployment.js';
import { revisionOf } from './controllers/statefulset.js';
import { omitZero, ownerReference } from './controllers/util.js';
import { applyDefaults } from './defaults.js';
import { parseAge, rfc3339 } from './duration.js';
import type { EventInput } from './events.js';
import { makeEvent } from './events.js';
import type { Ids } from './ids.js';
import { fnv32a, templateHash } from './ids.js';
import type { PodBehaviour } from './pod-status.js';
import { isPodReady, podStatus } from './pod-status.js';
import type { PodEntry, Scenario, WorkloadSpec } from './scenario.js';
import type {
  Condition,
  Deployment,
  KubeObject,
  LabelSelector,
  OwnerReference,
  Pod,
  PodTemplate,
  StatefulSet,
} from './types.js';

export interface ExpansionContext {
  ids: Ids;
  now(): number;
  allocatePodIp(): string;
}

export interface Expansion {
  objects: KubeObject[];
  /** How each workload's new pods start: their behaviour and ready delay, where the scenario sets them. */
  behaviours: {
    resource: WorkloadResource;
    namespace: string;
    name: string;
    behaviour?: PodBehaviour;
    readyDelayMs?: number;
  }[];
}

const iso = rfc3339;
const minReady = (w: WorkloadSpec): { minReadySeconds?: number } =>
  w.minReadySeconds ? { minReadySeconds: w.minReadySeconds } : {};
const RESOURCE_OF_KIND: Record<string, WorkloadResource> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Job: 'jobs',
};

class Expander {
  readonly objects: KubeObject[] = [];
  private nodeIndex = 0;
  private readonly now: number;
  private readonly nodes: { name: string; ip: string }[];
  /** Static pods name their node as owner. */
  private readonly nodeUids = new Map<string, string>();

  constructor(
    private readonly scenario: Scenario,
    private readonly ctx: ExpansionContext,
  ) {
    this.now = ctx.now();
    this.nodes = scenario.nodes.map((n) => ({ name: n.name, ip: n.ip }));
  }

  meta(
    name: string,
    namespace: string | undefined,
    createdAt: number,
    rest: Partial<KubeObject['metadata']> = {},
  ): KubeObject['metadata'] {
    return {
      name,
      ...(namespace ? { namespace } : {}),
      uid: this.ctx.ids.uid(),
      resourceVersion: '',
      creationTimestamp: iso(createdAt),
      ...rest,
    };
  }

  ago(age: string): number {
    return this.now - parseAge(age);
  }

  nextNode(): { name: string; ip: string } {
    return this.nodes[this.nodeIndex++ % this.nodes.length] as { name: string; ip: string };
  }

  event(involved: KubeObject, input: Omit<EventInput, 'source'> & { component?: string; host?: string }): void {
    const source = { component: input.component ?? 'kubelet', ...(input.host ? { host: input.host } : {}) };
    this.objects.push(makeEvent(involved, { ...input, source }, this.ctx.ids.uid(), this.now));
  }

  /** The recurring events a pod in this state keeps producing. */
  podEvents(pod: Pod, entry: PodEntry): void {
    const created = Date.parse(pod.metadata.creationTimestamp);
    const minutes = Math.max(1, Math.floor((this.now - created) / 60_000));
    const recent = iso(this.now - 60_000 * (1 + (minutes % 4)));
    const host = pod.spec.nodeName;
    const container = pod.spec.containers[0];
    if (!container) return;
    const common = {
      firstTimestamp: iso(created),
      lastTimestamp: recent,
      fieldPath: `spec.containers{${container.name}}`,
      host,
    };
    switch (entry.state) {
      case 'Pending':
        this.event(pod, {
          type: 'Warning',
          reason: 'FailedScheduling',
          message: pod.status.conditions?.[0]?.message ?? '',
          component: 'default-scheduler',
          firstTimestamp: iso(created),
          lastTimestamp: recent,
          count: Math.ceil(minutes / 5),
        });
        break;
      case 'ErrImagePull':
      case 'ImagePullBackOff': {
        const waiting = pod.status.containerStatuses?.[0]?.state.waiting?.message ?? '';
        this.event(pod, {
          ...common,
          type: 'Normal',
          reason: 'BackOff',
          message: `Back-off pulling image "${container.image}"`,
          count: minutes,
        });
        this.event(pod, {
          ...common,
          type: 'Warning',
          reason: 'Failed',
          message: 'Error: ImagePullBackOff',
          count: minutes,
        });
        this.event(pod, {
          ...common,
          type: 'Warning',
          reason: 'Failed',
          message: `Failed to pull image "${container.image}": ${waiting.replace(/^Back-off.*$/, 'not found')}`,
          count: Math.ceil(minutes / 5),
        });
        break;
      }
      case 'CrashLoopBackOff':
      case 'OOMKilled': {
        const restarts = entry.restarts ?? 1;
        this.event(pod, {
          ...common,
          type: 'Normal',
          reason: 'Pulled',
          message: `Container image "${container.image}" already present on machine`,
          count: restarts,
        });
        this.event(pod, {
          ...common,
          type: 'Warning',
          reason: 'BackOff',
          message: `Back-off restarting failed container ${container.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          count: restarts * 4,
        });
        break;
      }
    }
  }

  template(w: WorkloadSpec): PodTemplate {
    const app = w.app ?? w.name;
    const labels = {
      app,
      'app.kubernetes.io/name': app,
      ...(w.component ? { component: w.component, 'app.kubernetes.io/component': w.component } : {}),
      ...w.labels,
    };
    const container = {
      name: w.container ?? w.name,
      image: w.image,
      ...(w.ports ? { ports: w.ports.map((containerPort) => ({ containerPort, protocol: 'TCP' })) } : {}),
      resources: { requests: { cpu: w.cpu, memory: w.memory } },
    };
    return {
      metadata: { labels },
      spec: {
        containers: [container],
        ...(w.kind === 'Job' || (w.kind === 'Pod' && !w.static) ? { restartPolicy: 'Never' } : {}),
      },
    };
  }

  selector(w: WorkloadSpec): LabelSelector {
    return { matchLabels: { app: w.app ?? w.name, ...(w.component ? { component: w.component } : {}) } };
  }

  pod(
    w: WorkloadSpec,
    name: string,
    template: PodTemplate,
    entry: PodEntry,
    rest: {
      owner?: OwnerReference;
      labels?: Record<string, string>;
      generateName?: string;
      node?: { name: string; ip: string };
    },
  ): Pod {
    const createdAt = this.ago(entry.age ?? w.age);
    const node = entry.state === 'Pending' ? undefined : (rest.node ?? this.nextNode());
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: this.meta(name, w.namespace, createdAt, {
        ...(rest.generateName ? { generateName: rest.generateName } : {}),
        labels: { ...template.metadata?.labels, ...rest.labels },
        ...(rest.owner ? { ownerReferences: [rest.owner] } : {}),
      }),
      // Pods share the (already defaulted, never mutated) containers of their template.
      spec: { ...template.spec, ...(node ? { nodeName: node.name } : {}) },
      status: {},
    };
    const lastRestart = Math.max(
      createdAt + 60_000,
      this.ago(entry.lastRestart ?? (entry.state === 'CrashLoopBackOff' || entry.state === 'OOMKilled' ? '3m' : '2d')),
    );
    pod.status = podStatus(pod, entry, {
      node: node ?? { name: '', ip: '' },
      podIP: node ? this.ctx.allocatePodIp() : '',
      startedAt: createdAt + 2_000,
      lastRestartAt: lastRestart,
    });
    this.objects.push(pod);
    this.podEvents(pod, entry);
    return pod;
  }

  /** Pod entries for `count` pods: the scenario's, then Ready ones. */
  entries(w: WorkloadSpec, count: number): PodEntry[] {
    return Array.from({ length: count }, (_, i) => w.pods[i] ?? { state: 'Ready' as const });
  }

  service(w: WorkloadSpec): void {
    if (!w.ports) return;
    this.objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: this.meta(w.name, w.namespace, this.ago(w.age), { labels: { app: w.app ?? w.name } }),
      spec: {
        type: 'ClusterIP',
        selector: this.selector(w).matchLabels,
        ports: w.ports.map((port) => ({ name: `tcp-${port}`, port, targetPort: port, protocol: 'TCP' })),
      },
    });
  }

  deployment(w: WorkloadSpec): void {
    const replicas = w.replicas ?? Math.max(1, w.pods.length);
    const createdAt = this.ago(w.age);
    const draft: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: this.meta(w.name, w.namespace, createdAt, {
        generation: 1,
        labels: { app: w.app ?? w.name },
        annotations: { [REVISION]: '1' },
      }),
      spec: {
        replicas,
        selector: this.selector(w),
        template: this.template(w),
        ...(w.paused ? { paused: true } : {}),
        ...(w.progressDeadlineSeconds ? { progressDeadlineSeconds: w.progressDeadlineSeconds } : {}),
        ...minReady(w),
      },
    };
    applyDefaults(draft);
    const hash = w.templateHash ?? templateHash(draft.spec.template);
    const rsTemplate = structuredClone(draft.spec.template);
    rsTemplate.metadata = {
      ...rsTemplate.metadata,
      labels: { ...rsTemplate.metadata?.labels, 'pod-template-hash': hash },
    };
    const maxSurge = Math.ceil(replicas / 4);
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: this.meta(`${w.name}-${hash}`, w.namespace, createdAt, {
        generation: 1,
        labels: { ...rsTemplate.metadata.labels },
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge),
          [REVISION]: '1',
        },
        ownerReferences: [ownerReference(draft)],
      }),
      spec: {
        replicas,
        minReadySeconds: w.minReadySeconds ?? 0,
        selector: { matchLabels: { ...draft.spec.selector.matchLabels, 'pod-template-hash': hash } },
        template: rsTemplate,
      },
      status: { replicas: 0 },
    };
    const pods = this.entries(w, replicas).map((entry) =>
      this.pod(w, entry.name ?? `${rs.metadata.name}-${this.ctx.ids.suffix()}`, rsTemplate, entry, {
        owner: ownerReference(rs),
        generateName: `${rs.metadata.name}-`,
      }),
    );
    const ready = pods.filter(isPodReady).length;
    const settled = iso(createdAt + 60_000);
    const condition = (
      type: string,
      status: Condition['status'],
      reason: string,
      message: string,
      at = settled,
    ): Condition => ({
      type,
      status,
      lastUpdateTime: at,
      lastTransitionTime: at,
      reason,
      message,
    });
    const stuck = w.newPods !== undefined && w.newPods !== 'Ready' && ready === 0 && replicas > 0;
    const deadline = iso(createdAt + (draft.spec.progressDeadlineSeconds ?? 600) * 1000);
    const available = ready >= replicas - Math.floor(replicas / 4);
    draft.status = {
      observedGeneration: 1,
      replicas: pods.length,
      updatedReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, replicas - ready),
      conditions: [
        available
          ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
        w.paused
          ? condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused')
          : stuck
            ? condition(
                'Progressing',
                'False',
                'ProgressDeadlineExceeded',
                `ReplicaSet "${rs.metadata.name}" has timed out progressing.`,
                deadline,
              )
            : condition(
                'Progressing',
                'True',
                'NewReplicaSetAvailable',
                `ReplicaSet "${rs.metadata.name}" has successfully progressed.`,
              ),
      ],
    };
    draft.status = omitZero(draft.status);
    this.objects.push(draft, rs);
  }

  statefulSet(w: WorkloadSpec): void {
    const replicas = w.replicas ?? Math.max(1, w.pods.length);
    const sts: StatefulSet = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: this.meta(w.name, w.namespace, this.ago(w.age), { generation: 1, labels: { app: w.app ?? w.name } }),
      spec: { replicas, selector: this.selector(w), template: this.template(w), serviceName: w.name, ...minReady(w) },
      status: { replicas: 0 },
    };
    applyDefaults(sts);
    const revision = revisionOf(sts);
    sts.status = { replicas: 0, currentRevision: revision, updateRevision: revision };
    this.objects.push(sts);
    this.entries(w, replicas).forEach((entry, i) =>
      this.pod(w, `${w.name}-${i}`, sts.spec.template, entry, {
        owner: ownerReference(sts),
        labels: {
          'controller-revision-hash': revision,
          'statefulset.kubernetes.io/pod-name': `${w.name}-${i}`,
          'apps.kubernetes.io/pod-index': String(i),
        },
      }),
    );
  }

  daemonSet(w: WorkloadSpec): void {
    const ds: KubeObject & { spec: { selector: LabelSelector; template: PodTemplate } } = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: this.meta(w.name, w.namespace, this.ago(w.age), { generation: 1, labels: { app: w.app ?? w.name } }),
      spec: { selector: this.selector(w), template: this.template(w), ...minReady(w) },
    };
    applyDefaults(ds);
    const hash = templateHash(ds.spec.template);
    this.objects.push(ds);
    this.entries(w, this.nodes.length).forEach((entry, i) =>
      this.pod(w, entry.name ?? `${w.name}-${this.ctx.ids.suffix()}`, ds.spec.template, entry, {
        owner: ownerReference(ds),
        labels: { 'controller-revision-hash': hash, 'pod-template-generation': '1' },
        generateName: `${w.name}-`,
        node: this.nodes[i],
      }),
    );
  }

  job(w: WorkloadSpec): void {
    const createdAt = this.ago(w.age);
    const meta = this.meta(w.name, w.namespace, createdAt, { generation: 1, labels: { app: w.app ?? w.name } });
    const ids = {
      'batch.kubernetes.io/controller-uid': meta.uid,
      'batch.kubernetes.io/job-name': w.name,
      'controller-uid': meta.uid,
      'job-name': w.name,
    };
    const template = this.template(w);
    template.metadata = { labels: { ...template.metadata?.labels, ...ids } };
    const entries = this.entries(w, Math.max(1, w.pods.length));
    const succeeded = entries.filter((e) => e.state === 'Completed').length;
    const failed = entries.filter((e) => e.state === 'Error').length;
    const done = iso(createdAt + 60_000);
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta,
      spec: {
        backoffLimit: failed > 0 ? failed - 1 : 6,
        completions: 1,
        parallelism: 1,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': meta.uid } },
        manualSelector: false,
        template,
      },
      status: {
        startTime: iso(createdAt),
        ...(succeeded ? { completionTime: done, succeeded } : { failed }),
        conditions: succeeded
          ? [{ type: 'Complete', status: 'True', lastProbeTime: done, lastTransitionTime: done }]
          : [
              {
                type: 'Failed',
                status: 'True',
                reason: 'BackoffLimitExceeded',
                message: 'Job has reached the specified backoff limit',
                lastProbeTime: done,
                lastTransitionTime: done,
              },
            ],
      },
    };
    this.objects.push(job);
    for (const entry of entries)
      this.pod(w, entry.name ?? `${w.name}-${this.ctx.ids.suffix()}`, template, entry, {
        owner: ownerReference(job),
        labels: ids,
        generateName: `${w.name}-`,
      });
    if (failed)
      this.event(job, {
        type: 'Warning',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
        component: 'job-controller',
        count: 1,
        lastTimestamp: done,
      });
  }

  barePod(w: WorkloadSpec): void {
    const node = this.nodes[0] as { name: string; ip: string };
    const name = w.static ? `${w.name}-${node.name}` : w.name;
    const owner: OwnerReference | undefined = w.static
      ? { apiVersion: 'v1', kind: 'Node', name: node.name, uid: this.nodeUids.get(node.name) ?? '', controller: true }
      : undefined;
    const template = this.template(w);
    if (w.static)
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, tier: 'control-plane' } };
    this.pod(w, name, template, w.pods[0] ?? { state: 'Ready' }, { ...(owner ? { owner } : {}), node });
  }

  expand(): Expansion {
    const behaviours: Expansion['behaviours'] = [];
    for (const n of this.scenario.nodes) {
      const meta = this.meta(n.name, undefined, this.ago(n.age), {
        labels: {
          'kubernetes.io/hostname': n.name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          ...Object.fromEntries(n.roles.map((r) => [`node-role.kubernetes.io/${r}`, ''])),
        },
      });
      this.nodeUids.set(n.name, meta.uid);
      const capacity = { cpu: n.cpu, memory: n.memory, pods: String(n.maxPods), 'ephemeral-storage': '1Ti' };
      const heartbeat = iso(this.now - 20_000);
      const since = iso(this.ago(n.age));
      const condition = (type: string, status: string, reason: string, message: string): object => ({
        type,
        status,
        lastHeartbeatTime: heartbeat,
        lastTransitionTime: since,
        reason,
        message,
      });
      this.objects.push({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: meta,
        spec: { podCIDR: '10.42.0.0/16', podCIDRs: ['10.42.0.0/16'] },
        status: {
          capacity,
          allocatable: capacity,
          conditions: [
            condition(
              'MemoryPressure',
              'False',
              'KubeletHasSufficientMemory',
              'kubelet has sufficient memory available',
            ),
            condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
            condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
            condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
          ],
          addresses: [
            { type: 'InternalIP', address: n.ip },
            { type: 'Hostname', address: n.name },
          ],
          // The API requires the three ids; derived from the name so the seeded uids stay as they are.
          nodeInfo: {
            machineID: nodeId(n.name, 'machine').replace(/-/g, ''),
            systemUUID: nodeId(n.name, 'system'),
            bootID: nodeId(n.name, 'boot'),
            kubeletVersion: n.version,
            kubeProxyVersion: n.version,
            osImage: 'Ubuntu 22.04.5 LTS',
            kernelVersion: '5.15.0-124-generic',
            containerRuntimeVersion: 'containerd://1.7.23',
            operatingSystem: 'linux',
            architecture: 'amd64',
          },
        },
      });
    }
    for (const ns of this.scenario.namespaces) {
      this.objects.push({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: this.meta(ns.name, undefined, this.ago(ns.age), ns.labels ? { labels: ns.labels } : {}),
        spec: {},
        status: { phase: 'Active' },
      });
      this.objects.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: this.meta('kube-root-ca.crt', ns.name, this.ago(ns.age)),
        data: {
          'ca.crt':
            '-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAjMSEwHwYDVQQDDBhrM3Mtc2VydmVyLWNh\n-----END CERTIFICATE-----\n',
        },
      });
    }
    if (this.scenario.namespaces.some((n) => n.name === 'default'))
      this.objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: this.meta('kubernetes', 'default', this.ago(this.scenario.nodes[0]?.age ?? '60d'), {
          labels: { component: 'apiserver', provider: 'kubernetes' },
        }),
        spec: {
          type: 'ClusterIP',
          clusterIP: '10.43.0.1',
          clusterIPs: ['10.43.0.1'],
          ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }],
        },
      });
    for (const cm of this.scenario.configMaps)
      this.objects.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: this.meta(cm.name, cm.namespace, this.ago('30d')),
        data: cm.data,
      });
    for (const w of this.scenario.workloads) {
      this.service(w);
      if (w.kind === 'Deployment') this.deployment(w);
      else if (w.kind === 'StatefulSet') this.statefulSet(w);
      else if (w.kind === 'DaemonSet') this.daemonSet(w);
      else if (w.kind === 'Job') this.job(w);
      else this.barePod(w);
      const resource = RESOURCE_OF_KIND[w.kind];
      if (resource && (w.newPods || w.readyDelayMs !== undefined))
        behaviours.push({
          resource,
          namespace: w.namespace,
          name: w.name,
          ...(w.newPods ? { behaviour: w.newPods } : {}),
          ...(w.readyDelayMs !== undefined ? { readyDelayMs: w.readyDelayMs } : {}),
        });
    }
    return { objects: this.objects, behaviours };
  }
}

/** A stable uuid-shaped id for one of a node's ids. */
function nodeId(name: string, which: string): string {
  const hex = [1, 2, 3, 4].map((i) => fnv32a(`${name}/${which}/${i}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function expandScenario(scenario: Scenario, ctx: ExpansionContext): Expansion {
  return new Expander(scenario, ctx).expand();
}
