// Runs the controllers: store events mark the objects they concern as dirty (a pod marks its owner and
// the PDBs and ResourceQuotas of its namespace, a ReplicaSet its Deployment, an issuer the Certificates
// naming it), and a flush on the next tick reconciles them, repeating until nothing changes. Reconcilers
// write only real changes, so this settles.
import type { Cluster } from '../cluster.js';
import type { StoreEvent } from '../store.js';
import { isRecord } from '../types.js';
import { CertManager } from './certmanager.js';
import { reconcileDaemonSet } from './daemonset.js';
import { reconcileDeployment } from './deployment.js';
import { collectGarbage } from './gc.js';
import { Kubelet } from './kubelet.js';
import { reconcilePdb } from './pdb.js';
import { reconcileQuota } from './quota.js';
import { reconcileReplicaSet } from './replicaset.js';
import { reconcileStatefulSet } from './statefulset.js';
import { controllerOf } from './util.js';

type Reconciler = (cluster: Cluster, namespace: string, name: string) => void;

/** In flush order: pod owners first, so Deployments, PDBs and quotas read fresh ReplicaSet and pod state;
 * issuers before the Certificates that wait for them. */
const RECONCILERS: [string, Reconciler][] = [
  ['replicasets', reconcileReplicaSet],
  ['statefulsets', reconcileStatefulSet],
  ['daemonsets', reconcileDaemonSet],
  ['deployments', reconcileDeployment],
  ['poddisruptionbudgets', reconcilePdb],
  ['resourcequotas', reconcileQuota],
];
const CLUSTER_SCOPED = new Set(['clusterissuers']);
const OWNER_RESOURCES: Record<string, string> = {
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Deployment: 'deployments',
};
const MAX_ROUNDS = 50;

export class Controllers {
  readonly kubelet: Kubelet;
  readonly certManager: CertManager;
  private readonly reconcilers: [string, Reconciler][];
  private readonly dirty: Map<string, Set<string>>;
  private readonly requeued = new Set<string>();
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly cluster: Cluster) {
    this.kubelet = new Kubelet(cluster);
    const certManager = (this.certManager = new CertManager(cluster));
    this.reconcilers = [
      ...RECONCILERS,
      ['issuers', (_c, ns, name) => certManager.reconcileIssuer('issuers', ns, name)],
      ['clusterissuers', (_c, ns, name) => certManager.reconcileIssuer('clusterissuers', ns, name)],
      ['certificates', (_c, ns, name) => certManager.reconcileCertificate(ns, name)],
    ];
    this.dirty = new Map(this.reconcilers.map(([resource]) => [resource, new Set<string>()]));
    this.unsubscribe = cluster.store.subscribe((event) => this.onEvent(event));
  }

  /** Reconciles everything dirty, repeatedly, until the cluster is quiet (or MAX_ROUNDS, then next tick). */
  flush(): void {
    this.immediate = undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let worked = false;
      for (const [resource, reconcile] of this.reconcilers) {
        const keys = this.dirty.get(resource) as Set<string>;
        if (keys.size === 0) continue;
        const batch = [...keys];
        keys.clear();
        worked = true;
        for (const key of batch) {
          const slash = key.indexOf('/');
          try {
            reconcile(this.cluster, key.slice(0, slash), key.slice(slash + 1));
          } catch (error) {
            // A controller bug must not take the API server down with it; say so and carry on.
            console.error(`kube stand-in: reconciling ${resource} ${key} failed:`, error);
          }
        }
      }
      if (!worked) return;
    }
    this.scheduleFlush();
  }

  /** Looks at an object again after `ms` (progress deadlines); one pending look per object is enough. */
  requeue(resource: string, namespace: string, name: string, ms: number): void {
    const key = `${resource}/${namespace}/${name}`;
    if (this.requeued.has(key)) return;
    this.requeued.add(key);
    this.cluster.schedule(ms, () => {
      this.requeued.delete(key);
      this.enqueue(resource, namespace, name);
    });
  }

  close(): void {
    this.unsubscribe();
    if (this.immediate) clearImmediate(this.immediate);
  }

  private enqueue(resource: string, namespace: string | undefined, name: string): void {
    const keys = this.dirty.get(resource);
    if (!keys || (namespace === undefined && !CLUSTER_SCOPED.has(resource))) return;
    keys.add(`${namespace ?? ''}/${name}`);
    this.scheduleFlush();
  }

  /** Everything that counts against a namespace's quotas. */
  private enqueueQuotas(namespace: string | undefined): void {
    if (namespace === undefined) return;
    for (const [, quota] of this.cluster.store.scan('resourcequotas', namespace))
      this.enqueue('resourcequotas', namespace, quota.metadata.name);
  }

  private scheduleFlush(): void {
    this.immediate ??= setImmediate(() => this.flush());
  }

  private onEvent(event: StoreEvent): void {
    const { object, resource } = event;
    const namespace = object.metadata.namespace;
    if (event.type === 'DELETED') collectGarbage(this.cluster, event);
    if (resource !== 'events' && resource !== 'resourcequotas') this.enqueueQuotas(namespace);
    if (resource === 'issuers' || resource === 'clusterissuers') {
      const kind = resource === 'issuers' ? 'Issuer' : 'ClusterIssuer';
      for (const [, cert] of this.cluster.store.scan('certificates', resource === 'issuers' ? namespace : undefined)) {
        const spec = isRecord(cert['spec']) ? cert['spec'] : {};
        const ref = isRecord(spec['issuerRef']) ? spec['issuerRef'] : {};
        if (ref['name'] === object.metadata.name && (ref['kind'] ?? 'Issuer') === kind)
          this.enqueue('certificates', cert.metadata.namespace, cert.metadata.name);
      }
    }
    if (resource === 'nodes' && event.type === 'MODIFIED') this.kubelet.retryUnschedulable();
    if (resource === 'pods') {
      this.kubelet.onPodEvent(event);
      const owner = controllerOf(object);
      const ownerResource = owner && OWNER_RESOURCES[owner.kind];
      if (owner && ownerResource) this.enqueue(ownerResource, namespace, owner.name);
      for (const [, pdb] of this.cluster.store.scan('poddisruptionbudgets', namespace))
        this.enqueue('poddisruptionbudgets', namespace, pdb.metadata.name);
      return;
    }
    if (resource === 'replicasets') {
      const owner = controllerOf(object);
      if (owner?.kind === 'Deployment') this.enqueue('deployments', namespace, owner.name);
    }
    if (event.type !== 'DELETED') this.enqueue(resource, namespace, object.metadata.name);
  }
}
