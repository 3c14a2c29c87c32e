// The simulated cluster: the object store plus the controllers and kubelet that move it (rollouts, pod
// start-up and termination, PDB status), and the typed helpers tests use to look at and steer it.
import type { ScenarioLogs } from './pod-log.js';
import { Controllers } from './controllers/index.js';
import { rfc3339 } from './duration.js';
import type { EventInput } from './events.js';
import { makeEvent } from './events.js';
import { deepEqual, Ids } from './ids.js';
import type { PodBehaviour } from './pod-status.js';
import { isActive } from './pod-status.js';
import { dependentsOf, orphanDependents } from './controllers/gc.js';
import { usedFor } from './controllers/quota.js';
import { RESOURCES, resourceForKind, resourceOf } from './resources.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { notFound } from './status.js';
import { Store } from './store.js';
import type { AdmissionContext } from './strategy.js';
import { admitCreate, admitUpdate } from './strategy.js';
import type { KubeObject, Pod } from './types.js';

export interface ClusterOptions {
  /** How long a new pod takes from creation to Running and Ready (or to its failure state). Default 300. */
  podReadyDelayMs?: number;
  /** How long a deleted pod stays Terminating before it disappears. Default 100. */
  podTerminationDelayMs?: number;
  /** How long the namespace controller takes at least to empty and remove a deleted namespace (it stays
   * Terminating meanwhile, and while pods in it are still terminating). Default 1,000. */
  namespaceTerminationDelayMs?: number;
  /** Multiplies spec.progressDeadlineSeconds, so demos and tests see ProgressDeadlineExceeded in seconds
   * (0.01 turns the default 600 s into 6 s). Default 1. */
  progressDeadlineScale?: number;
  /** Seeds pod-name suffixes and uids, so a scenario loads identically every time. Default 254. */
  seed?: number;
  /** How many recent changes the store keeps (with compactionAgeMs, etcd's compaction window): a watch
   * resumes and a paged list reads its snapshot across them; older resourceVersions get 410 Expired.
   * Default 20,000. */
  watchHistory?: number;
  /** Changes older than this are compacted, as the API server has etcd compact every 5 minutes: a continue
   * token or watch from before then gets 410 Expired. Default 300,000. */
  compactionAgeMs?: number;
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK event. Default 60,000 (the real
   * server sends about one a minute). */
  bookmarkIntervalMs?: number;
  /** How long a new cert-manager Issuer or ClusterIssuer takes to become Ready (ACME registration).
   * Default 500. */
  issuerReadyDelayMs?: number;
  /** How long a Certificate with a Ready issuer takes to be issued (Ready=True). Default 1,500. */
  certificateIssueDelayMs?: number;
}

const COMBINED = '(combined from similar events): ';
/** client-go's EventCorrelator combines similar events from the tenth on (maxSimilarEvents). */
const SIMILAR_EVENTS_COMBINED = 10;

/** What the namespace controller deletes from a terminating namespace (events last, once it is empty). */
const CONTENT = RESOURCES.filter((r) => r.namespaced && r.plural !== 'events');

/** The garbage collector's finalizers for the propagation policies that need one. */
const GC_FINALIZERS: Record<string, string | undefined> = { Foreground: 'foregroundDeletion', Orphan: 'orphan' };

/** DeleteOptions.propagationPolicy. */
export type DeletePropagation = 'Orphan' | 'Background' | 'Foreground';

export type WorkloadResource = 'deployments' | 'statefulsets' | 'daemonsets' | 'jobs';

export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export class Cluster implements AdmissionContext {
  /** The raw store; objects read from it must not be mutated (the helpers below hand out copies). */
  readonly store: Store;
  readonly options: Readonly<Required<ClusterOptions>>;
  readonly ids: Ids;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly behaviours = new Map<string, PodBehaviour>();
  private readonly readyDelays = new Map<string, number>();
  /** The scenario's log lines, by namespace and the labels a workload's pods carry. */
  private readonly logs: { namespace: string; labels: Record<string, string>; logs: ScenarioLogs }[] = [];
  private readonly controllers: Controllers;
  private podIps = 0;
  /** Starts past 10.43.0.1, the `kubernetes` Service's address. */
  private clusterIps = 9;
  private closed = false;

  constructor(options: ClusterOptions = {}) {
    this.options = {
      podReadyDelayMs: 300,
      podTerminationDelayMs: 100,
      namespaceTerminationDelayMs: 1_000,
      progressDeadlineScale: 1,
      seed: 254,
      watchHistory: 20_000,
      compactionAgeMs: 300_000,
      bookmarkIntervalMs: 60_000,
      issuerReadyDelayMs: 500,
      certificateIssueDelayMs: 1_500,
      ...options,
    };
    this.store = new Store({
      events: this.options.watchHistory,
      ageMs: this.options.compactionAgeMs,
      now: () => this.now(),
    });
    this.ids = new Ids(this.options.seed);
    this.controllers = new Controllers(this);
  }

  now(): number {
    return Date.now();
  }

  get resourceVersion(): number {
    return this.store.resourceVersion;
  }

  /** A copy of one object, or undefined. */
  get<T extends KubeObject = KubeObject>(resource: string, namespace: string | undefined, name: string): T | undefined {
    const object = this.store.get(resource, namespace, name);
    return object && (structuredClone(object) as T);
  }

  /** Copies of the objects a list request with these parameters would return, in API order. */
  list<T extends KubeObject = KubeObject>(resource: string, query: ListQuery = {}): T[] {
    const labels = parseLabelSelector(query.labelSelector ?? '');
    const fields = parseFieldSelector(query.fieldSelector ?? '', resourceOf(resource));
    const out: T[] = [];
    for (const [, object] of this.store.scan(resource, query.namespace)) {
      if (matchesLabels(labels, object.metadata.labels) && matchesFields(fields, object))
        out.push(structuredClone(object) as T);
    }
    return out;
  }

  /** Creates or replaces an object as an API client would (defaults, generation); returns the stored copy. */
  put<T extends KubeObject>(object: T): T {
    const info = resourceForKind(object.kind);
    if (!info) throw new Error(`the stand-in does not serve kind ${object.kind}`);
    const current = this.store.get(info.plural, object.metadata.namespace, object.metadata.name);
    const admitted = current
      ? admitUpdate(info, current, object)
      : admitCreate(this, info, object, object.metadata.namespace);
    if (object['status'] !== undefined) admitted['status'] = structuredClone(object['status']);
    return structuredClone(this.store.write(info.plural, admitted)) as T;
  }

  /** Deletes like the API: pods terminate gracefully, namespaces take their contents with them, objects
   * with finalizers are only marked, and the garbage collector deletes dependents (Background, the
   * default), deletes them before the owner goes (Foreground) or releases them (Orphan: their
   * ownerReferences to the deleted object are dropped). */
  delete(
    resource: string,
    namespace: string | undefined,
    name: string,
    propagation: DeletePropagation = 'Background',
  ): boolean {
    const object = this.store.get(resource, namespace, name);
    if (!object) return false;
    if (resource === 'pods') this.terminatePod(object as Pod);
    else if (resource === 'namespaces') this.deleteNamespace(name);
    else {
      const marked = this.markedForDeletion(object, propagation);
      if (!marked) this.store.remove(resource, namespace, name);
      else if (marked !== object) this.store.write(resource, marked);
      const finalizer = GC_FINALIZERS[propagation];
      if (marked && finalizer) this.collect(resource, namespace, name, finalizer);
    }
    return true;
  }

  /** What deleting an object other than a pod or namespace leaves: undefined when it goes at once, else
   * the object marked (deletionTimestamp) and held by its finalizers, the garbage collector's
   * foregroundDeletion or orphan among them. Stores nothing. */
  markedForDeletion(object: KubeObject, propagation: DeletePropagation = 'Background'): KubeObject | undefined {
    const finalizers = (object.metadata['finalizers'] as string[] | undefined) ?? [];
    const gc = GC_FINALIZERS[propagation];
    if (!gc && finalizers.length === 0) return undefined;
    if (object.metadata.deletionTimestamp) return object;
    const held = gc && !finalizers.includes(gc) ? [...finalizers, gc] : finalizers;
    return {
      ...object,
      metadata: {
        ...object.metadata,
        deletionTimestamp: rfc3339(this.now()),
        deletionGracePeriodSeconds: 0,
        finalizers: held,
      },
    };
  }

  /** Drops one finalizer; with the last one the object goes (an update that empties finalizers does too). */
  removeFinalizer(resource: string, object: KubeObject, finalizer: string): void {
    const { namespace, name } = object.metadata;
    const finalizers = ((object.metadata['finalizers'] as string[] | undefined) ?? []).filter((f) => f !== finalizer);
    const metadata: KubeObject['metadata'] = { ...object.metadata, finalizers };
    if (finalizers.length === 0) delete metadata['finalizers'];
    this.store.write(resource, { ...object, metadata });
    if (finalizers.length === 0 && object.metadata.deletionTimestamp) this.store.remove(resource, namespace, name);
  }

  /** The garbage collector on an owner it holds a finalizer on: orphan releases the dependents;
   * foregroundDeletion deletes them (in the foreground too) and waits until they are gone. Then the
   * finalizer goes. */
  private collect(resource: string, namespace: string | undefined, name: string, finalizer: string, delayMs = 0): void {
    this.schedule(delayMs, () => {
      const owner = this.store.get(resource, namespace, name);
      if (!owner || !(owner.metadata['finalizers'] as string[] | undefined)?.includes(finalizer)) return;
      if (finalizer === 'orphan') orphanDependents(this, resource, owner);
      else {
        const dependents = dependentsOf(this, resource, owner);
        if (dependents.length > 0) {
          for (const [r, d] of dependents)
            if (!d.metadata.deletionTimestamp) this.delete(r, d.metadata.namespace, d.metadata.name, 'Foreground');
          this.collect(resource, namespace, name, finalizer, Math.max(10, this.options.podTerminationDelayMs / 2));
          return;
        }
      }
      this.removeFinalizer(resource, owner, finalizer);
    });
  }

  /** Flips a pod's readiness as kubelet would after a probe result. */
  setPodReady(namespace: string, name: string, ready = true): Pod {
    const pod = this.store.get('pods', namespace, name) as Pod | undefined;
    if (!pod) throw notFound(resourceOf('pods'), name);
    return structuredClone(this.controllers.kubelet.setReady(pod, ready));
  }

  /** How pods that `resource/name` creates from now on behave (default Ready). */
  setPodBehaviour(resource: WorkloadResource, namespace: string, name: string, behaviour: PodBehaviour): void {
    this.behaviours.set(`${resource}/${namespace}/${name}`, behaviour);
  }

  podBehaviour(resource: WorkloadResource, namespace: string, name: string): PodBehaviour {
    return this.behaviours.get(`${resource}/${namespace}/${name}`) ?? 'Ready';
  }

  /** The lines the pods of a workload log (pods/log): those in `namespace` whose labels include `labels`. */
  setPodLogs(namespace: string, labels: Record<string, string>, logs: ScenarioLogs): void {
    this.logs.push({ namespace, labels, logs });
  }

  podLogs(pod: KubeObject): ScenarioLogs | undefined {
    const labels = pod.metadata.labels ?? {};
    return this.logs.find(
      (l) => l.namespace === pod.metadata.namespace && Object.entries(l.labels).every(([k, v]) => labels[k] === v),
    )?.logs;
  }

  /** How long pods that `resource/name` creates from now on take to start (default podReadyDelayMs): a
   * slow starter, whose readiness minReadySeconds and rollouts wait for. */
  setPodReadyDelay(resource: WorkloadResource, namespace: string, name: string, ms: number): void {
    this.readyDelays.set(`${resource}/${namespace}/${name}`, ms);
  }

  podReadyDelay(resource: WorkloadResource, namespace: string, name: string): number {
    return this.readyDelays.get(`${resource}/${namespace}/${name}`) ?? this.options.podReadyDelayMs;
  }

  /** Stores an Event about `involved`, as kubelet or a controller would. With `aggregate`, client-go's
   * EventCorrelator: a repeat (same object, reason and message) bumps the earlier event's count, and
   * from the tenth similar one (same object and reason) on they are combined into one. */
  recordEvent(involved: KubeObject, input: EventInput, { aggregate = false } = {}): void {
    if (this.closed) return;
    if (aggregate) {
      const similar = [...this.store.scan('events', involved.metadata.namespace ?? 'default')]
        .map(([, e]) => e)
        .filter(
          (e) =>
            (e['involvedObject'] as { uid?: string } | undefined)?.uid === involved.metadata.uid &&
            e['reason'] === input.reason,
        );
      const combinedMessage = `${COMBINED}${input.message}`;
      const repeat =
        similar.find((e) => e['message'] === input.message) ??
        similar.find((e) => String(e['message']).startsWith(COMBINED));
      if (repeat) {
        const message = repeat['message'] === input.message ? input.message : combinedMessage;
        this.store.write('events', {
          ...repeat,
          message,
          count: ((repeat['count'] as number | undefined) ?? 1) + 1,
          lastTimestamp: rfc3339(this.now()),
        });
        return;
      }
      if (similar.length >= SIMILAR_EVENTS_COMBINED - 1) input = { ...input, message: combinedMessage };
    }
    this.store.write('events', makeEvent(involved, input, this.ids.uid(), this.now()));
  }

  /** Loads scenario objects as given (uids, timestamps and statuses kept) and lets the controllers compute
   * workload status once, synchronously, before anyone looks. */
  load(objects: KubeObject[]): void {
    for (const object of objects) {
      const info = resourceForKind(object.kind);
      if (!info) throw new Error(`the stand-in does not serve kind ${object.kind}`);
      this.store.write(info.plural, admitCreate(this, info, object, object.metadata.namespace, true));
    }
    this.controllers.flush();
  }

  /** Stops every timer; the store stays readable. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.controllers.close();
  }

  // ---- used by the API handlers and the controllers ----

  /** Runs `fn` after `ms` unless the cluster closes first. */
  schedule(ms: number, fn: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Has the controllers look at an object again after `ms` (progress deadlines). */
  requeue(resource: string, namespace: string, name: string, ms: number): void {
    this.controllers.requeue(resource, namespace, name, ms);
  }

  allocateClusterIp(): string {
    const n = ++this.clusterIps;
    return `10.43.${(n >> 8) & 255}.${n & 255}`;
  }

  /** The LimitRanges of a namespace, for the LimitRanger's defaults on new pods. */
  limitRanges(namespace: string): KubeObject[] {
    return [...this.store.scan('limitranges', namespace)].map(([, o]) => o);
  }

  resourceQuotas(namespace: string): KubeObject[] {
    return [...this.store.scan('resourcequotas', namespace)].map(([, o]) => o);
  }

  quotaUsed(namespace: string, resources: string[]): Record<string, string> {
    return usedFor(this, namespace, resources);
  }

  /** Admission for a dry run: the same checks and defaults, but nothing the cluster hands out (uids,
   * names, Service IPs) is used up, so a dry run leaves no trace. */
  dryRunContext(): AdmissionContext {
    const ids = new Ids((this.now() ^ this.store.resourceVersion) >>> 0);
    const next = this.clusterIps + 1;
    return {
      ids,
      now: () => this.now(),
      allocateClusterIp: () => `10.43.${(next >> 8) & 255}.${next & 255}`,
      limitRanges: (ns) => this.limitRanges(ns),
      resourceQuotas: (ns) => this.resourceQuotas(ns),
      quotaUsed: (ns, resources) => this.quotaUsed(ns, resources),
    };
  }

  allocatePodIp(): string {
    const n = ++this.podIps + 1;
    return `10.42.${(n >> 8) & 255}.${n & 255}`;
  }

  /** Creates an object on behalf of a controller. */
  create(resource: string, object: KubeObject): KubeObject {
    const info = resourceOf(resource);
    const generated = !object.metadata.name && object.metadata.generateName;
    const admitted = admitCreate(this, info, object, object.metadata.namespace, true);
    // A generated name that is taken: the controller's retry gets another.
    while (generated && this.store.get(resource, admitted.metadata.namespace, admitted.metadata.name))
      admitted.metadata.name = `${generated}${this.ids.suffix()}`;
    return this.store.write(resource, admitted);
  }

  /** Writes a controller's new version of an object: nothing when nothing changed, and a spec change bumps
   * the generation like any other writer's would. */
  save(resource: string, next: KubeObject): KubeObject {
    const current = this.store.get(resource, next.metadata.namespace, next.metadata.name);
    if (!current) return next;
    if (
      deepEqual(
        { ...current, metadata: { ...current.metadata, resourceVersion: '' } },
        { ...next, metadata: { ...next.metadata, resourceVersion: '' } },
      )
    )
      return current;
    if (current.metadata.generation !== undefined && !deepEqual(current['spec'], next['spec'])) {
      next = { ...next, metadata: { ...next.metadata, generation: current.metadata.generation + 1 } };
    }
    return this.store.write(resource, next);
  }

  /** The pod a delete leaves behind: Terminating (deletionTimestamp = now + grace period) while kubelet
   * stops it, or undefined when it goes at once (grace 0, or never started on a node). Stores nothing. */
  terminatingPod(pod: Pod, graceSeconds?: number): Pod | undefined {
    if (pod.metadata.deletionTimestamp) return pod;
    const grace = graceSeconds ?? (pod.spec['terminationGracePeriodSeconds'] as number | undefined) ?? 30;
    if (grace <= 0 || !isActive(pod) || !pod.spec.nodeName) return undefined;
    return {
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: rfc3339(this.now() + grace * 1000),
        deletionGracePeriodSeconds: grace,
      },
    };
  }

  /** Graceful deletion: Terminating (deletionTimestamp set, containers being stopped) for
   * podTerminationDelayMs, then gone. */
  terminatePod(pod: Pod, graceSeconds?: number): void {
    if (pod.metadata.deletionTimestamp) return;
    const { namespace, name, uid } = pod.metadata;
    const next = this.terminatingPod(pod, graceSeconds);
    if (!next || this.options.podTerminationDelayMs <= 0) {
      this.store.remove('pods', namespace, name);
      return;
    }
    const terminating = this.store.write('pods', next);
    for (const c of pod.spec.containers)
      this.recordEvent(terminating, {
        type: 'Normal',
        reason: 'Killing',
        message: `Stopping container ${c.name}`,
        source: { component: 'kubelet', host: pod.spec.nodeName },
        fieldPath: `spec.containers{${c.name}}`,
      });
    this.schedule(this.options.podTerminationDelayMs, () => {
      if (this.store.get('pods', namespace, name)?.metadata.uid === uid) this.store.remove('pods', namespace, name);
    });
  }

  /** A namespace being deleted: deletionTimestamp set and phase Terminating; spec.finalizers (kubernetes)
   * hold it until the namespace controller has emptied it. Stores nothing. */
  terminatingNamespace(namespace: KubeObject): KubeObject {
    if (namespace.metadata.deletionTimestamp) return namespace;
    return {
      ...namespace,
      metadata: { ...namespace.metadata, deletionTimestamp: rfc3339(this.now()) },
      status: { ...(namespace['status'] as object), phase: 'Terminating' },
    };
  }

  /** The namespace controller: marks the namespace Terminating, deletes its contents (pods gracefully,
   * objects with finalizers only marked), and once nothing is left removes the `kubernetes` finalizer and
   * with it the namespace. */
  private deleteNamespace(name: string): void {
    const namespace = this.store.get('namespaces', undefined, name);
    if (!namespace || namespace.metadata.deletionTimestamp) return;
    this.store.write('namespaces', this.terminatingNamespace(namespace));
    for (const info of CONTENT)
      for (const [, object] of [...this.store.scan(info.plural, name)])
        this.delete(info.plural, name, object.metadata.name);
    this.schedule(this.options.namespaceTerminationDelayMs, () => this.finishNamespace(name));
  }

  /** Waits for the namespace to be empty: pods still terminating, or objects held by finalizers. */
  private finishNamespace(name: string): void {
    if (CONTENT.some((info) => !this.store.scan(info.plural, name).next().done)) {
      this.schedule(Math.max(10, this.options.podTerminationDelayMs / 2), () => this.finishNamespace(name));
      return;
    }
    for (const [, event] of [...this.store.scan('events', name)])
      this.store.remove('events', name, event.metadata.name);
    const namespace = this.store.get('namespaces', undefined, name);
    if (!namespace?.metadata.deletionTimestamp) return;
    const finalized = this.store.write('namespaces', {
      ...namespace,
      spec: { ...(namespace['spec'] as object), finalizers: [] },
    });
    this.store.remove('namespaces', undefined, finalized.metadata.name);
  }
}
