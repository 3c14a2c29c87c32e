import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type CoreV1Event,
  createConfiguration,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  Observable,
  PatchStrategy,
  PolicyV1Api,
  ServerConfiguration,
  setHeaderOptions,
  type ObservableMiddleware,
  type V1Deployment,
  type V1Pod,
  type V1PodDisruptionBudget,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import type { WorkloadKind } from '../catalogue.js';
import { UserError } from '../errors.js';

/** Who carbon-ops' changes are attributed to in managedFields. */
export const FIELD_MANAGER = 'carbon-ops';

/** The cluster cannot be reached or answered too slowly: the user is told plainly, the job is not retried. */
export class ClusterUnavailable extends UserError {}

export interface KubeOptions {
  /** Path of a kubeconfig; when absent, the in-cluster service account. */
  kubeconfig?: string;
  requestTimeoutMs: number;
  pageSize: number;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Called after each page, e.g. to report progress while paging a large cluster. */
  onPage?: (itemsSoFar: number, page: number) => void | Promise<void>;
}

interface Page<T> {
  items: T[];
  metadata?: { _continue?: string };
}

/** Another field manager owns a field the object declares with a different value (server-side apply, 409). */
export interface ManagerConflict {
  manager: string;
  field: string;
}

/**
 * A server-side apply refused because other managers own some of the fields (HTTP 409). Never forced
 * unless the operator asks: the message names each manager and field.
 */
export class ApplyConflict extends UserError {
  constructor(
    readonly object: string,
    readonly conflicts: ManagerConflict[],
  ) {
    super(`${object}: ${describeConflicts(conflicts)}. Not forced: re-run with --force to take ${conflicts.length === 1 ? 'this field' : 'these fields'} over.`);
  }
}

export function describeConflicts(conflicts: readonly ManagerConflict[]): string {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  return [...byManager].map(([manager, fields]) => `${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} managed by \`${manager}\``).join('; ');
}

/** The cluster does not serve this apiVersion and kind (e.g. cert-manager is not installed). */
export class KindNotServed extends UserError {}

/** The object for a read or delete: what identifies it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** KubernetesObjectApi with its discovery (which kinds the cluster serves) open to the Kube wrapper. */
export class ObjectApi extends KubernetesObjectApi {
  discover(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }

  useNamespaceOf(config: KubeConfig): void {
    this.setDefaultNamespace(config);
  }
}

/** A 410 means the continue token expired: the list restarts from the top, but not forever. */
const MAX_LIST_RESTARTS = 3;

/** The narrow, typed view of the Kubernetes API the jobs use. Built once, passed explicitly. */
export class Kube {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly policy: PolicyV1Api;
  /** Any kind by apiVersion and kind (phase manifests): server-side apply, dry runs, reads. */
  readonly objects: ObjectApi;
  readonly server: string;
  readonly context: string;

  constructor(
    readonly config: KubeConfig,
    private readonly options: KubeOptions,
  ) {
    this.core = config.makeApiClient(CoreV1Api);
    this.apps = config.makeApiClient(AppsV1Api);
    this.policy = config.makeApiClient(PolicyV1Api);
    this.server = config.getCurrentCluster()?.server ?? 'unknown';
    this.context = config.getCurrentContext();
    // What makeApiClient(KubernetesObjectApi) builds, plus the time bound: this API's methods take a whole
    // Configuration per call rather than extra middleware, so the bound is part of its own configuration.
    this.objects = new ObjectApi(
      createConfiguration({ baseServer: new ServerConfiguration(this.server, {}), authMethods: { default: config }, middleware: this.bounded().middleware }),
    );
    this.objects.useNamespaceOf(config);
  }

  static fromOptions(options: KubeOptions): Kube {
    const config = new KubeConfig();
    if (options.kubeconfig !== undefined) config.loadFromFile(options.kubeconfig);
    else config.loadFromCluster();
    return new Kube(config, options);
  }

  /** Per-request options: every call is bounded in time, so a hung API server fails the job instead of hanging it. */
  bounded() {
    const timeoutMs = this.options.requestTimeoutMs;
    const middleware: ObservableMiddleware = {
      pre: (context) => {
        context.setSignal(AbortSignal.timeout(timeoutMs));
        return new Observable(Promise.resolve(context));
      },
      post: (response) => new Observable(Promise.resolve(response)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' as const };
  }

  /** Runs one API call with the time bound and turns transport failures into a clear ClusterUnavailable. */
  async call<T>(what: string, request: (options: ReturnType<Kube['bounded']>) => Promise<T>): Promise<T> {
    try {
      return await request(this.bounded());
    } catch (error) {
      throw this.explain(what, error);
    }
  }

  async namespaceExists(name: string): Promise<boolean> {
    try {
      await this.call(`read namespace ${name}`, (o) => this.core.readNamespace({ name }, o));
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  /**
   * Pods, in pages. `select` is applied to each page as it arrives: a caller that reads a few fields of
   * every pod of a large cluster keeps only those, not 10,000 whole pods (spec, labels, managed fields…).
   */
  listPods(options?: ListOptions): Promise<V1Pod[]>;
  listPods<T>(options: ListOptions & { select: (pod: V1Pod) => T }): Promise<T[]>;
  listPods<T>(options: ListOptions & { select?: (pod: V1Pod) => T } = {}): Promise<(V1Pod | T)[]> {
    const { namespace, labelSelector, fieldSelector, select } = options;
    return this.listAll<V1Pod | T>('pods', options, async (limit, _continue, o) => {
      const page = await (namespace === undefined
        ? this.core.listPodForAllNamespaces({ limit, _continue, labelSelector, fieldSelector }, o)
        : this.core.listNamespacedPod({ namespace, limit, _continue, labelSelector, fieldSelector }, o));
      return select === undefined ? page : { items: page.items.map(select), metadata: page.metadata };
    });
  }

  listDeployments(options: ListOptions = {}): Promise<V1Deployment[]> {
    const { namespace, labelSelector } = options;
    return this.listAll('deployments', options, (limit, _continue, o) =>
      namespace === undefined
        ? this.apps.listDeploymentForAllNamespaces({ limit, _continue, labelSelector }, o)
        : this.apps.listNamespacedDeployment({ namespace, limit, _continue, labelSelector }, o),
    );
  }

  listStatefulSets(options: ListOptions = {}): Promise<V1StatefulSet[]> {
    const { namespace, labelSelector } = options;
    return this.listAll('statefulsets', options, (limit, _continue, o) =>
      namespace === undefined
        ? this.apps.listStatefulSetForAllNamespaces({ limit, _continue, labelSelector }, o)
        : this.apps.listNamespacedStatefulSet({ namespace, limit, _continue, labelSelector }, o),
    );
  }

  /** A Deployment or StatefulSet, or undefined when there is none by that name. */
  async readWorkload(kind: WorkloadKind, namespace: string, name: string): Promise<V1Deployment | V1StatefulSet | undefined> {
    try {
      return await this.call(`read ${kind} ${namespace}/${name}`, (o) =>
        kind === 'deployment' ? this.apps.readNamespacedDeployment({ name, namespace }, o) : this.apps.readNamespacedStatefulSet({ name, namespace }, o),
      );
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Exactly `kubectl rollout restart`: a strategic-merge patch that sets only the pod template's
   * `kubectl.kubernetes.io/restartedAt` annotation, under the field manager `carbon-ops`.
   */
  restartWorkload(kind: WorkloadKind, namespace: string, name: string, restartedAt: string): Promise<V1Deployment | V1StatefulSet> {
    const body = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } };
    const params = { name, namespace, body, fieldManager: FIELD_MANAGER };
    return this.call(`patch ${kind} ${namespace}/${name}`, (o) => {
      const options = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch, o);
      return kind === 'deployment' ? this.apps.patchNamespacedDeployment(params, options) : this.apps.patchNamespacedStatefulSet(params, options);
    });
  }

  listPodDisruptionBudgets(namespace: string): Promise<V1PodDisruptionBudget[]> {
    return this.listAll('poddisruptionbudgets', {}, (limit, _continue, o) => this.policy.listNamespacedPodDisruptionBudget({ namespace, limit, _continue }, o));
  }

  listEvents(namespace: string, fieldSelector?: string): Promise<CoreV1Event[]> {
    return this.listAll('events', {}, (limit, _continue, o) => this.core.listNamespacedEvent({ namespace, limit, _continue, fieldSelector }, o));
  }

  /**
   * Server-side apply of a whole object with field manager `carbon-ops` (`kubectl apply --server-side`);
   * `dryRun` runs everything but storage (`dryRun=All`) and returns what would be stored. A conflict with
   * another manager is an ApplyConflict naming it and the fields, unless `force` takes them over.
   */
  async apply<T extends KubernetesObject & ObjectRef>(object: T, options: { dryRun: boolean; force: boolean }): Promise<T> {
    const what = `${options.dryRun ? 'dry-run ' : ''}apply ${describeRef(object)}`;
    await this.served(object, what);
    try {
      return await this.call(what, () =>
        this.objects.patch(structuredClone(object), undefined, options.dryRun ? 'All' : undefined, FIELD_MANAGER, options.force ? true : undefined, PatchStrategy.ServerSideApply),
      );
    } catch (error) {
      const conflicts = statusOf(error) === 409 ? conflictsOf(error) : [];
      if (conflicts.length > 0) throw new ApplyConflict(describeRef(object), conflicts);
      throw this.refused(what, error);
    }
  }

  /** Creates the object unless one by that name exists (`exists`); never changes an existing one. */
  async createIfMissing(object: KubernetesObject, options: { dryRun: boolean }): Promise<'created' | 'exists'> {
    const what = `${options.dryRun ? 'dry-run ' : ''}create ${describeRef(object as ObjectRef)}`;
    await this.served(object as ObjectRef, what);
    try {
      await this.call(what, () => this.objects.create(structuredClone(object), undefined, options.dryRun ? 'All' : undefined, FIELD_MANAGER));
      return 'created';
    } catch (error) {
      if (statusOf(error) === 409) return 'exists';
      throw this.refused(what, error);
    }
  }

  /** The live object, or undefined when there is none by that name. */
  async read(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    const what = `read ${describeRef(ref)}`;
    await this.served(ref, what);
    try {
      return await this.call(what, () => this.objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { ...ref.metadata } }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.refused(what, error);
    }
  }

  /** Every object of a kind (in a namespace, or all), in pages. */
  async list(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<KubernetesObject[]> {
    await this.served({ apiVersion, kind, metadata: { name: '' } }, `list ${kind}`);
    return this.listAll(kind, {}, (limit, cont) =>
      this.objects.list(apiVersion, kind, options.namespace, undefined, undefined, undefined, undefined, options.labelSelector, limit, cont),
    );
  }

  /**
   * Deletes one pod, only if it is still the pod that was looked at (a UID precondition: a pod recreated
   * under the same name is left alone). False when it was already gone.
   */
  async deletePod(namespace: string, name: string, uid: string): Promise<boolean> {
    try {
      await this.call(`delete pod ${namespace}/${name}`, (o) => this.core.deleteNamespacedPod({ name, namespace, body: { preconditions: { uid } } }, o));
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 409) return false;
      throw this.refused(`delete pod ${namespace}/${name}`, error);
    }
  }

  /** Throws KindNotServed when discovery does not know the kind (an API group not installed). */
  private async served(ref: ObjectRef, what: string): Promise<void> {
    let known;
    try {
      known = await this.call(`discover ${ref.apiVersion}`, () => this.objects.discover(ref.apiVersion, ref.kind));
    } catch (error) {
      if (statusOf(error) !== 404) throw this.refused(what, error);
    }
    if (known === undefined) throw new KindNotServed(`The cluster at ${this.server} does not serve ${ref.apiVersion} ${ref.kind} (${what}): is the API or CRD installed?`);
  }

  /** A 4xx answer as a message the operator can act on (403: which permission is missing). */
  private refused(what: string, error: unknown): unknown {
    if (!(error instanceof ApiException)) return error;
    const message = statusMessage(error);
    if (error.code === 403) return new UserError(`carbon-ops is not allowed to ${what}: ${message ?? 'forbidden'}. Its RBAC is in manifests/bot/rbac.yaml.`);
    if (error.code >= 400 && error.code < 500) return new UserError(`The cluster refused to ${what}: ${message ?? `HTTP ${error.code}`}`);
    return error;
  }

  /** Lists in pages of `pageSize` following `continue`; a 410 Gone restarts the listing. */
  private async listAll<T>(
    resource: string,
    options: ListOptions,
    fetchPage: (limit: number, cont: string | undefined, o: ReturnType<Kube['bounded']>) => Promise<Page<T>>,
  ): Promise<T[]> {
    for (let attempt = 0; ; attempt++) {
      const items: T[] = [];
      let cont: string | undefined;
      let page = 0;
      try {
        do {
          const result = await this.call(`list ${resource}`, (o) => fetchPage(this.options.pageSize, cont, o));
          items.push(...result.items);
          cont = result.metadata?._continue || undefined;
          page++;
          await options.onPage?.(items.length, page);
        } while (cont !== undefined);
        return items;
      } catch (error) {
        if (statusOf(error) !== 410 || attempt >= MAX_LIST_RESTARTS) throw error;
      }
    }
  }

  private explain(what: string, error: unknown): unknown {
    if (error instanceof ApiException) {
      return error.code >= 500 ? new ClusterUnavailable(`The Kubernetes API at ${this.server} answered ${error.code} (${what}).`) : error;
    }
    const name = (error as { name?: string; type?: string }).name;
    const type = (error as { type?: string }).type;
    if (name === 'AbortError' || name === 'TimeoutError' || type === 'aborted') {
      return new ClusterUnavailable(`The Kubernetes API at ${this.server} did not answer within ${this.options.requestTimeoutMs / 1000} s (${what}).`);
    }
    const code = (error as { code?: string }).code ?? (error as { errno?: string }).errno;
    return new ClusterUnavailable(`The Kubernetes API at ${this.server} cannot be reached (${what}: ${code ?? (error as Error).message}).`);
  }
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

export const describeRef = (ref: ObjectRef): string => `${ref.kind} ${ref.metadata.namespace ? `${ref.metadata.namespace}/` : ''}${ref.metadata.name}`;

interface StatusBody {
  message?: string;
  details?: { causes?: { reason?: string; type?: string; message?: string; field?: string }[] };
}

function statusBody(error: ApiException<unknown>): StatusBody | undefined {
  const body = error.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return undefined;
    }
  }
  return body !== null && typeof body === 'object' ? (body as StatusBody) : undefined;
}

const statusMessage = (error: ApiException<unknown>): string | undefined => statusBody(error)?.message;

/**
 * The managers and fields of a server-side apply conflict, from the Status the API server answers:
 * `causes: [{reason: FieldManagerConflict, message: 'conflict with "kubectl" using policy/v1', field: '.spec.x'}]`.
 */
export function conflictsOf(error: unknown): ManagerConflict[] {
  if (!(error instanceof ApiException)) return [];
  const body = statusBody(error);
  const causes = (body?.details?.causes ?? []).filter((c) => (c.reason ?? c.type) === 'FieldManagerConflict');
  const conflicts = causes.map((c) => ({ manager: /conflict with "([^"]+)"/.exec(c.message ?? '')?.[1] ?? 'another manager', field: c.field ?? '?' }));
  if (conflicts.length > 0) return conflicts;
  // Without causes, the message: `Apply failed with 1 conflict: conflict with "kubectl" using policy/v1: .spec.maxUnavailable`
  const message = body?.message ?? '';
  const manager = /conflicts? with "([^"]+)"/.exec(message)?.[1];
  if (manager === undefined) return [];
  const fields = [...message.matchAll(/(?:: |\n- )(\.[^\s,]+)/g)].map((m) => m[1]!);
  return (fields.length > 0 ? fields : ['?']).map((field) => ({ manager, field }));
}
