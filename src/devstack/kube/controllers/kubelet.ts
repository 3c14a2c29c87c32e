// The scheduler and kubelet in one: places new pods on the node, then after their workload's ready delay
// (podReadyDelayMs unless set per workload) starts them
// into the state their workload's behaviour asks for, with the events kubelet writes on the way.
import type { Cluster, WorkloadResource } from '../cluster.js';
import type { EventInput } from '../events.js';
import type { PodBehaviour, PodStateSpec } from '../pod-status.js';
import { podStatus } from '../pod-status.js';
import type { StoreEvent } from '../store.js';
import type { KubeObject, Pod } from '../types.js';
import { isRecord } from '../types.js';
import { controllerOf } from './util.js';

const OWNER_RESOURCES: Record<string, WorkloadResource> = {
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Job: 'jobs',
};

const UNSCHEDULABLE = 'node(s) were unschedulable';

export class Kubelet {
  constructor(private readonly cluster: Cluster) {}

  /** Pods arrive without status (from a controller or an API client): that is our cue to start them. */
  onPodEvent(event: StoreEvent): void {
    const pod = event.object as Pod;
    if (event.type === 'ADDED' && !pod.status?.conditions && !pod.metadata.deletionTimestamp) this.start(pod);
  }

  setReady(pod: Pod, ready: boolean): Pod {
    const restarts = pod.status.containerStatuses?.[0]?.restartCount ?? 0;
    const node = this.node(pod.spec.nodeName);
    const state: PodStateSpec = { state: ready ? 'Ready' : 'NotReady', restarts };
    const now = this.cluster.now();
    const startedAt = pod.status.startTime ? Date.parse(pod.status.startTime) : now;
    const status = podStatus(pod, state, {
      node,
      podIP: pod.status.podIP ?? this.cluster.allocatePodIp(),
      startedAt,
      lastRestartAt: now,
    });
    return this.cluster.store.write('pods', { ...pod, spec: { ...pod.spec, nodeName: node.name }, status }) as Pod;
  }

  /** The workload whose pods this is (a Deployment through its ReplicaSet), for its behaviour and delay. */
  private workloadOf(pod: Pod): { resource: WorkloadResource; namespace: string; name: string } | undefined {
    const owner = controllerOf(pod);
    if (!owner) return undefined;
    const namespace = pod.metadata.namespace as string;
    if (owner.kind === 'ReplicaSet') {
      const deployment = controllerOf(
        this.cluster.store.get('replicasets', namespace, owner.name) ?? ({ metadata: {} } as KubeObject),
      );
      return deployment?.kind === 'Deployment'
        ? { resource: 'deployments', namespace, name: deployment.name }
        : undefined;
    }
    const resource = OWNER_RESOURCES[owner.kind];
    return resource ? { resource, namespace, name: owner.name } : undefined;
  }

  private behaviourOf(pod: Pod): PodBehaviour {
    const w = this.workloadOf(pod);
    return w ? this.cluster.podBehaviour(w.resource, w.namespace, w.name) : 'Ready';
  }

  private readyDelayOf(pod: Pod): number {
    const w = this.workloadOf(pod);
    return w ? this.cluster.podReadyDelay(w.resource, w.namespace, w.name) : this.cluster.options.podReadyDelayMs;
  }

  /** Pods the scheduler left Pending because every node was cordoned get another chance (uncordon). */
  retryUnschedulable(): void {
    if (this.schedulable().length === 0) return;
    for (const [, object] of [...this.cluster.store.scan('pods')]) {
      const pod = object as Pod;
      const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      if (!pod.spec.nodeName && !pod.metadata.deletionTimestamp && scheduled?.message?.includes(UNSCHEDULABLE))
        this.start(pod);
    }
  }

  private schedulable(): KubeObject[] {
    return [...this.cluster.store.scan('nodes')]
      .map(([, n]) => n)
      .filter((n) => !isRecord(n['spec']) || n['spec']['unschedulable'] !== true);
  }

  /** The named node, or the scheduler's pick: the first node not cordoned (none: name ''). */
  private node(name?: string): { name: string; ip: string } {
    const chosen = (name && this.cluster.store.get('nodes', undefined, name)) || this.schedulable()[0];
    const addresses = isRecord(chosen?.['status']) ? chosen['status']['addresses'] : undefined;
    const ip = Array.isArray(addresses)
      ? (addresses.find((a) => isRecord(a) && a['type'] === 'InternalIP') as { address?: string } | undefined)?.address
      : undefined;
    return { name: chosen?.metadata.name ?? '', ip: ip ?? '' };
  }

  private event(pod: Pod, component: 'kubelet' | 'default-scheduler', input: Omit<EventInput, 'source'>): void {
    const source = component === 'kubelet' ? { component, host: pod.spec.nodeName } : { component };
    this.cluster.recordEvent(pod, { ...input, source });
  }

  private containerEvents(pod: Pod, input: (container: string, image: string) => Omit<EventInput, 'source'>[]): void {
    for (const c of pod.spec.containers)
      for (const e of input(c.name, c.image))
        this.event(pod, 'kubelet', { fieldPath: `spec.containers{${c.name}}`, ...e });
  }

  private start(pod: Pod): void {
    const behaviour = this.behaviourOf(pod);
    const node = this.node(pod.spec.nodeName);
    const now = this.cluster.now();
    if (behaviour === 'Pending' || !node.name) {
      const nodes = [...this.cluster.store.scan('nodes')].length;
      const cordoned = behaviour !== 'Pending' && nodes > 0;
      const unschedulable = cordoned
        ? `0/${nodes} nodes are available: ${nodes} ${UNSCHEDULABLE}. preemption: 0/${nodes} nodes are available: ${nodes} Preemption is not helpful for scheduling.`
        : undefined;
      const status = podStatus(
        pod,
        { state: 'Pending', ...(unschedulable ? { message: unschedulable } : {}) },
        { node, podIP: '', startedAt: now, lastRestartAt: now },
      );
      const stored = this.cluster.store.write('pods', { ...pod, status }) as Pod;
      const message = status.conditions?.[0]?.message ?? '';
      this.event(stored, 'default-scheduler', { type: 'Warning', reason: 'FailedScheduling', message });
      return;
    }
    const scheduled = { ...pod, spec: { ...pod.spec, nodeName: node.name } };
    const status = podStatus(
      scheduled,
      { state: 'ContainerCreating' },
      { node, podIP: this.cluster.allocatePodIp(), startedAt: now, lastRestartAt: now },
    );
    const stored = this.cluster.store.write('pods', { ...scheduled, status }) as Pod;
    this.event(stored, 'default-scheduler', {
      type: 'Normal',
      reason: 'Scheduled',
      message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node.name}`,
    });
    this.later(stored, (current) => this.run(current, behaviour));
  }

  /** Runs `step` on the pod's latest version after its workload's start-up delay, if it still exists and is not terminating. */
  private later(pod: Pod, step: (current: Pod) => void): void {
    const { namespace, name, uid } = pod.metadata;
    this.cluster.schedule(this.readyDelayOf(pod), () => {
      const current = this.cluster.store.get('pods', namespace, name) as Pod | undefined;
      if (current?.metadata.uid === uid && !current.metadata.deletionTimestamp) step(current);
    });
  }

  private write(pod: Pod, state: PodStateSpec): Pod {
    const node = this.node(pod.spec.nodeName);
    const now = this.cluster.now();
    const startedAt = pod.status.startTime ? Date.parse(pod.status.startTime) : now;
    const status = podStatus(pod, state, { node, podIP: pod.status.podIP ?? '', startedAt, lastRestartAt: now });
    return this.cluster.store.write('pods', { ...pod, status }) as Pod;
  }

  /**
   * What kubelet refuses to start a container for (CreateContainerConfigError): an env var from a missing
   * ConfigMap or key (configMapKeyRef, unless optional), or envFrom of a missing ConfigMap (unless optional).
   */
  private configError(pod: Pod): string | undefined {
    const namespace = pod.metadata.namespace as string;
    const data = (name: string) =>
      (
        this.cluster.store.get('configmaps', namespace, name) as
          (KubeObject & { data?: Record<string, string> }) | undefined
      )?.data ?? undefined;
    const exists = (name: string) => this.cluster.store.get('configmaps', namespace, name) !== undefined;
    for (const c of pod.spec.containers) {
      for (const env of (c['env'] as
        { valueFrom?: { configMapKeyRef?: { name: string; key: string; optional?: boolean } } }[] | undefined) ?? []) {
        const ref = env.valueFrom?.configMapKeyRef;
        if (ref === undefined || ref.optional === true) continue;
        if (!exists(ref.name)) return `configmap "${ref.name}" not found`;
        if (data(ref.name)?.[ref.key] === undefined)
          return `couldn't find key ${ref.key} in ConfigMap ${namespace}/${ref.name}`;
      }
      for (const from of (c['envFrom'] as { configMapRef?: { name: string; optional?: boolean } }[] | undefined) ??
        []) {
        const ref = from.configMapRef;
        if (ref !== undefined && ref.optional !== true && !exists(ref.name)) return `configmap "${ref.name}" not found`;
      }
    }
    return undefined;
  }

  private run(pod: Pod, behaviour: PodBehaviour): void {
    const configError = this.configError(pod);
    if (configError !== undefined) {
      const failed = this.write(pod, { state: 'CreateContainerConfigError', message: configError });
      this.containerEvents(failed, () => [{ type: 'Warning', reason: 'Failed', message: `Error: ${configError}` }]);
      return;
    }
    const started = (): void =>
      this.containerEvents(pod, (name, image) => [
        { type: 'Normal', reason: 'Pulled', message: `Container image "${image}" already present on machine` },
        { type: 'Normal', reason: 'Created', message: `Created container ${name}` },
        { type: 'Normal', reason: 'Started', message: `Started container ${name}` },
      ]);
    switch (behaviour) {
      case 'Ready':
      case 'NotReady':
        started();
        this.write(pod, { state: behaviour });
        if (behaviour === 'NotReady')
          this.containerEvents(pod, () => [
            {
              type: 'Warning',
              reason: 'Unhealthy',
              message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
            },
          ]);
        break;
      case 'CrashLoopBackOff':
      case 'OOMKilled': {
        started();
        const lastTerminated = behaviour === 'OOMKilled' ? 'OOMKilled' : 'Error';
        const crashed = this.write(pod, { state: 'CrashLoopBackOff', restarts: 1, lastTerminated });
        this.containerEvents(crashed, (name) => [
          {
            type: 'Warning',
            reason: 'BackOff',
            message: `Back-off restarting failed container ${name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          },
        ]);
        break;
      }
      case 'ImagePullBackOff': {
        const failed = this.write(pod, { state: 'ErrImagePull' });
        this.containerEvents(failed, (_name, image) => [
          { type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"` },
          {
            type: 'Warning',
            reason: 'Failed',
            message: `Failed to pull image "${image}": ${failed.status.containerStatuses?.[0]?.state.waiting?.message ?? 'not found'}`,
          },
          { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull' },
        ]);
        this.later(failed, (current) => {
          const backOff = this.write(current, { state: 'ImagePullBackOff' });
          this.containerEvents(backOff, (_name, image) => [
            { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${image}"` },
            { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff' },
          ]);
        });
        break;
      }
      case 'Pending':
        break;
    }
  }
}
