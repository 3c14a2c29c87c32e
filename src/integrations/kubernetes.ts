// The narrow view of the Kubernetes API the jobs use, on plain JSON (kube-http.ts): every object is
// sent as the caller built it and read as the server sent it.
import type { Metrics } from '../contracts/metrics.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ConfigMap, Event, Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { WorkloadKind } from '../catalogue.js';
import { UserError } from '../errors.js';
import {
  KubeApiError,
  KubeCredentialsError,
  KubeHttp,
  KubeProtocolError,
  PATCH_CONTENT_TYPES,
  type KubeRequest,
  type PatchType,
} from './kube-http.js';
import type { ListEnvelope } from './kube-list-page.js';
import { kubeAccessFromFile, kubeAccessInCluster, type KubeAccess } from './kubeconfig.js';

export { KubeApiError } from './kube-http.js';

/** Who carbon-ops' changes are attributed to in managedFields. */
export const FIELD_MANAGER = 'carbon-ops';

/** The cluster cannot be reached or answered too slowly: the user is told plainly, the job is not retried. */
export class ClusterUnavailable extends UserError {}

export interface KubeOptions {
  /** Path of a kubeconfig; when absent, the in-cluster service account. */
  kubeconfig?: string;
  requestTimeoutMs: number;
  pageSize: number;
  /** Counts every API request by operation and outcome, with its latency; none counted when absent. */
  metrics?: Metrics;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Called after each page, e.g. to report progress while paging a large cluster. */
  onPage?: (itemsSoFar: number, page: number) => void | Promise<void>;
}

export interface PodLogOptions {
  container?: string;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  limitBytes?: number;
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
    super(
      `${object}: ${describeConflicts(conflicts)}. Not forced: ` +
        `re-run with --force to take ${conflicts.length === 1 ? 'this field' : 'these fields'} over.`,
    );
  }
}

export function describeConflicts(conflicts: readonly ManagerConflict[]): string {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  return [...byManager]
    .map(([manager, fields]) => `${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} managed by \`${manager}\``)
    .join('; ');
}

/** The cluster does not serve this apiVersion and kind (e.g. cert-manager is not installed). */
export class KindNotServed extends UserError {}

/** The object for a read or delete: what identifies it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** Any Kubernetes object, as plain JSON. */
export interface KubeObject extends ObjectRef {
  [field: string]: unknown;
}

/** Where a kind is served: from discovery (`/api/v1`, `/apis/GROUP/VERSION`). */
interface ServedResource {
  plural: string;
  namespaced: boolean;
}

/** The built-in kinds the jobs read by name or list, so those calls need no discovery. */
const BUILT_IN: Record<string, { apiVersion: string; plural: string; namespaced: boolean }> = {
  Namespace: { apiVersion: 'v1', plural: 'namespaces', namespaced: false },
  Pod: { apiVersion: 'v1', plural: 'pods', namespaced: true },
  Event: { apiVersion: 'v1', plural: 'events', namespaced: true },
  ConfigMap: { apiVersion: 'v1', plural: 'configmaps', namespaced: true },
  Deployment: { apiVersion: 'apps/v1', plural: 'deployments', namespaced: true },
  StatefulSet: { apiVersion: 'apps/v1', plural: 'statefulsets', namespaced: true },
  DaemonSet: { apiVersion: 'apps/v1', plural: 'daemonsets', namespaced: true },
  ReplicaSet: { apiVersion: 'apps/v1', plural: 'replicasets', namespaced: true },
  Job: { apiVersion: 'batch/v1', plural: 'jobs', namespaced: true },
  CronJob: { apiVersion: 'batch/v1', plural: 'cronjobs', namespaced: true },
  PodDisruptionBudget: { apiVersion: 'policy/v1', plural: 'poddisruptionbudgets', namespaced: true },
};

/** The kinds `listPodOwners` lists, with the type of their objects. */
interface PodOwnerKinds {
  DaemonSet: DaemonSet;
  ReplicaSet: ReplicaSet;
  Job: Job;
  CronJob: CronJob;
}

const WORKLOAD_KIND: Record<WorkloadKind, 'Deployment' | 'StatefulSet'> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
};

/** The path of a collection (no name) or of one object, e.g. /apis/apps/v1/namespaces/kafka/deployments/broker. */
export function resourcePath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${scope}/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

const builtInPath = (kind: keyof typeof BUILT_IN, namespace?: string, name?: string): string => {
  const { apiVersion, plural } = BUILT_IN[kind]!;
  return resourcePath(apiVersion, plural, namespace, name);
};

/** A 410 means the continue token expired: the list restarts from the top, but not forever. */
const MAX_LIST_RESTARTS = 3;

/** The narrow view of the Kubernetes API the jobs use. Built once, passed explicitly. */
export class Kube {
  readonly server: string;
  readonly context: string;
  private readonly http: KubeHttp;
  /** Discovery answers by apiVersion: which kinds are served, under which plural. */
  private readonly discovered = new Map<string, Map<string, ServedResource>>();

  constructor(
    access: KubeAccess,
    private readonly options: KubeOptions,
  ) {
    this.http = new KubeHttp(access, options.requestTimeoutMs, options.metrics);
    this.server = this.http.server;
    this.context = access.contextName;
  }

  /** From the kubeconfig `options.kubeconfig` names, or the in-cluster service account; a KubeconfigError names what is wrong. */
  static fromOptions(options: KubeOptions): Kube {
    const access = options.kubeconfig !== undefined ? kubeAccessFromFile(options.kubeconfig) : kubeAccessInCluster();
    return new Kube(access, options);
  }

  /** Drops the kept-alive connections. */
  close(): void {
    this.http.close();
  }

  /**
   * One API call, bounded in time: a transport failure, a timeout or a 5xx is a ClusterUnavailable the
   * user is told plainly; any other HTTP error is a KubeApiError for the caller to interpret.
   */
  async request<T>(req: KubeRequest): Promise<T> {
    try {
      return await this.http.request<T>(req);
    } catch (error) {
      throw this.explain(req.what, error);
    }
  }

  /**
   * A watch of a collection from `query.resourceVersion` (kube-http.ts `watch`): each event handed to
   * `onEvent` in order, until the server ends the stream or `signal` does. Failures are passed on as they
   * are (KubeApiError with its code, the transport's error with its code): the watcher decides what a 410
   * or a dropped connection means.
   */
  watch(req: KubeRequest, onEvent: (type: string, object: unknown) => void, signal: AbortSignal): Promise<void> {
    return this.http.watch(req, onEvent, signal);
  }

  /** One list page, its items handed to `onItem` as each is parsed; failures as `request` reports them. */
  private async listPage(req: KubeRequest, onItem: (item: unknown) => void): Promise<ListEnvelope> {
    try {
      return await this.http.list(req, onItem);
    } catch (error) {
      throw this.explain(req.what, error);
    }
  }

  /** `/version`: gitVersion, platform… */
  version(): Promise<{ gitVersion?: string; platform?: string }> {
    return this.request({ method: 'GET', path: '/version', what: 'read version' });
  }

  async namespaceExists(name: string): Promise<boolean> {
    return (
      (await this.readOrUndefined<unknown>(builtInPath('Namespace', undefined, name), `read namespace ${name}`)) !==
      undefined
    );
  }

  /**
   * Pods, in pages. `select` is applied to each pod as soon as it is parsed, as its page is read: a caller
   * that reads a few fields of every pod of a large cluster keeps only those, and the rest of each pod
   * (spec, labels, managed fields…) is garbage at once.
   */
  listPods(options?: ListOptions): Promise<Pod[]>;
  listPods<T>(options: ListOptions & { select: (pod: Pod) => T }): Promise<T[]>;
  listPods<T>(options: ListOptions & { select?: (pod: Pod) => T } = {}): Promise<(Pod | T)[]> {
    const { select } = options;
    return this.listAll<Pod, Pod | T>(builtInPath('Pod', options.namespace), 'pods', options, select);
  }

  /** Deployments, in pages; `select` as for listPods. */
  listDeployments(options?: ListOptions): Promise<Deployment[]>;
  listDeployments<T>(options: ListOptions & { select: (deployment: Deployment) => T }): Promise<T[]>;
  listDeployments<T>(
    options: ListOptions & { select?: (deployment: Deployment) => T } = {},
  ): Promise<(Deployment | T)[]> {
    const { select } = options;
    return this.listAll<Deployment, Deployment | T>(
      builtInPath('Deployment', options.namespace),
      'deployments',
      options,
      select,
    );
  }

  /** StatefulSets, in pages; `select` as for listPods. */
  listStatefulSets(options?: ListOptions): Promise<StatefulSet[]>;
  listStatefulSets<T>(options: ListOptions & { select: (statefulSet: StatefulSet) => T }): Promise<T[]>;
  listStatefulSets<T>(
    options: ListOptions & { select?: (statefulSet: StatefulSet) => T } = {},
  ): Promise<(StatefulSet | T)[]> {
    const { select } = options;
    return this.listAll<StatefulSet, StatefulSet | T>(
      builtInPath('StatefulSet', options.namespace),
      'statefulsets',
      options,
      select,
    );
  }

  /** The other owners of pod templates: what, besides Deployments and StatefulSets, runs pods. */
  listPodOwners<K extends keyof PodOwnerKinds>(kind: K, options: ListOptions = {}): Promise<PodOwnerKinds[K][]> {
    return this.listAll<PodOwnerKinds[K]>(builtInPath(kind, options.namespace), BUILT_IN[kind]!.plural, options);
  }

  listPodDisruptionBudgets(namespace: string): Promise<PodDisruptionBudget[]> {
    return this.listAll<PodDisruptionBudget>(builtInPath('PodDisruptionBudget', namespace), 'poddisruptionbudgets', {});
  }

  listEvents(namespace: string, fieldSelector?: string): Promise<Event[]> {
    return this.listAll<Event>(
      builtInPath('Event', namespace),
      'events',
      fieldSelector === undefined ? {} : { fieldSelector },
    );
  }

  readPod(namespace: string, name: string): Promise<Pod | undefined> {
    return this.readOrUndefined(builtInPath('Pod', namespace, name), `read pod ${namespace}/${name}`);
  }

  /**
   * A container's log (pods/log), as text: the last `tailLines` lines, or those of the last `sinceSeconds`,
   * of the running container or, with `previous`, of the one before it. Bounded by `limitBytes`.
   */
  readPodLog(namespace: string, name: string, options: PodLogOptions): Promise<string> {
    return this.request<string>({
      method: 'GET',
      path: `${builtInPath('Pod', namespace, name)}/log`,
      query: {
        container: options.container,
        previous: options.previous === true ? true : undefined,
        tailLines: options.tailLines,
        sinceSeconds: options.sinceSeconds,
        limitBytes: options.limitBytes,
      },
      text: true,
      what: `read the log of pod ${namespace}/${name}`,
    });
  }

  listConfigMaps(namespace?: string): Promise<ConfigMap[]> {
    return this.listAll<ConfigMap>(builtInPath('ConfigMap', namespace), 'configmaps', {});
  }

  readConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.readOrUndefined(builtInPath('ConfigMap', namespace, name), `read configmap ${namespace}/${name}`);
  }

  /** A Deployment or StatefulSet, or undefined when there is none by that name. */
  readWorkload(kind: WorkloadKind, namespace: string, name: string): Promise<Deployment | StatefulSet | undefined> {
    return this.readOrUndefined(builtInPath(WORKLOAD_KIND[kind], namespace, name), `read ${kind} ${namespace}/${name}`);
  }

  /**
   * A patch of one object of a built-in kind, the body sent as given, under the field manager `carbon-ops`.
   * `json` patches (RFC 6902) may `test` a resourceVersion, so a concurrent edit fails instead of being lost.
   */
  patch<T>(
    kind: keyof typeof BUILT_IN,
    namespace: string,
    name: string,
    type: PatchType,
    body: unknown,
    what: string,
  ): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path: builtInPath(kind, namespace, name),
      query: { fieldManager: FIELD_MANAGER },
      body,
      contentType: PATCH_CONTENT_TYPES[type],
      what,
    });
  }

  /** Sets (string) or removes (null) pod-template annotations: a strategic-merge patch, like kubectl's. */
  patchTemplateAnnotations(
    kind: WorkloadKind,
    namespace: string,
    name: string,
    annotations: Record<string, string | null>,
    what: string,
  ): Promise<Deployment | StatefulSet> {
    return this.patch(
      WORKLOAD_KIND[kind],
      namespace,
      name,
      'strategic',
      { spec: { template: { metadata: { annotations } } } },
      what,
    );
  }

  /**
   * Exactly `kubectl rollout restart`: a strategic-merge patch that sets only the pod template's
   * `kubectl.kubernetes.io/restartedAt` annotation, under the field manager `carbon-ops`.
   */
  restartWorkload(
    kind: WorkloadKind,
    namespace: string,
    name: string,
    restartedAt: string,
  ): Promise<Deployment | StatefulSet> {
    return this.patchTemplateAnnotations(
      kind,
      namespace,
      name,
      { 'kubectl.kubernetes.io/restartedAt': restartedAt },
      `patch ${kind} ${namespace}/${name}`,
    );
  }

  /**
   * Server-side apply of a whole object with field manager `carbon-ops` (`kubectl apply --server-side`),
   * the object sent exactly as written; `dryRun` runs everything but storage (`dryRun=All`) and returns
   * what would be stored. A conflict with another manager is an ApplyConflict naming it and the fields,
   * unless `force` takes them over.
   */
  async apply<T extends ObjectRef>(object: T, options: { dryRun: boolean; force: boolean }): Promise<KubeObject> {
    const what = `${options.dryRun ? 'dry-run ' : ''}apply ${describeRef(object)}`;
    const path = await this.objectPath(object, what);
    try {
      return await this.request<KubeObject>({
        method: 'PATCH',
        path,
        query: {
          fieldManager: FIELD_MANAGER,
          fieldValidation: 'Strict',
          dryRun: options.dryRun ? 'All' : undefined,
          force: options.force ? true : undefined,
        },
        body: object,
        contentType: PATCH_CONTENT_TYPES.apply,
        what,
      });
    } catch (error) {
      const conflicts = statusOf(error) === 409 ? conflictsOf(error) : [];
      if (conflicts.length > 0) throw new ApplyConflict(describeRef(object), conflicts);
      throw this.refused(what, error);
    }
  }

  /**
   * Creates the object, sent exactly as written, unless one by that name exists (`exists`); never changes an existing
   * one.
   */
  async createIfMissing(object: ObjectRef, options: { dryRun: boolean }): Promise<'created' | 'exists'> {
    const what = `${options.dryRun ? 'dry-run ' : ''}create ${describeRef(object)}`;
    const path = await this.objectPath(object, what, { collection: true });
    try {
      await this.request({
        method: 'POST',
        path,
        query: { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict', dryRun: options.dryRun ? 'All' : undefined },
        body: object,
        what,
      });
      return 'created';
    } catch (error) {
      if (statusOf(error) === 409) return 'exists';
      throw this.refused(what, error);
    }
  }

  /** The live object, or undefined when there is none by that name. */
  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    const what = `read ${describeRef(ref)}`;
    const path = await this.objectPath(ref, what);
    try {
      return await this.readOrUndefined<KubeObject>(path, what);
    } catch (error) {
      throw this.refused(what, error);
    }
  }

  /** Every object of a kind (in a namespace, or all), in pages. */
  async list(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string } = {},
  ): Promise<KubeObject[]> {
    const served = await this.served(apiVersion, kind, `list ${kind}`);
    const path = resourcePath(apiVersion, served.plural, served.namespaced ? options.namespace : undefined);
    return this.listAll<KubeObject>(
      path,
      served.plural,
      options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector },
    );
  }

  /**
   * Deletes one pod, only if it is still the pod that was looked at (a UID precondition: a pod recreated
   * under the same name is left alone). False when it was already gone.
   */
  async deletePod(namespace: string, name: string, uid: string): Promise<boolean> {
    const what = `delete pod ${namespace}/${name}`;
    try {
      await this.request({
        method: 'DELETE',
        path: builtInPath('Pod', namespace, name),
        body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid } },
        what,
      });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 409) return false;
      throw this.refused(what, error);
    }
  }

  /** The object's path (or its collection's, for a create); KindNotServed when discovery does not know the kind. */
  private async objectPath(ref: ObjectRef, what: string, options: { collection?: boolean } = {}): Promise<string> {
    const served = await this.served(ref.apiVersion, ref.kind, what);
    const namespace = served.namespaced ? (ref.metadata.namespace ?? 'default') : undefined;
    return resourcePath(ref.apiVersion, served.plural, namespace, options.collection ? undefined : ref.metadata.name);
  }

  /**
   * Where a kind is served, from discovery (cached; a kind not found is looked up again next time: a CRD may arrive).
   */
  private async served(apiVersion: string, kind: string, what: string): Promise<ServedResource> {
    let kinds = this.discovered.get(apiVersion);
    if (kinds?.has(kind) !== true) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      let list: { resources?: { name: string; kind: string; namespaced: boolean }[] } | undefined;
      try {
        list = await this.readOrUndefined(path, `discover ${apiVersion}`);
      } catch (error) {
        throw this.refused(what, error);
      }
      kinds = new Map(
        (list?.resources ?? [])
          .filter((r) => !r.name.includes('/'))
          .map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }]),
      );
      this.discovered.set(apiVersion, kinds);
    }
    const served = kinds.get(kind);
    if (served === undefined)
      throw new KindNotServed(
        `The cluster at ${this.server} does not serve ${apiVersion} ${kind} (${what}): is the API or CRD installed?`,
      );
    return served;
  }

  /** GET, with 404 as undefined. */
  private async readOrUndefined<T>(path: string, what: string): Promise<T | undefined> {
    try {
      return await this.request<T>({ method: 'GET', path, what });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** A 4xx answer as a message the operator can act on (403: which permission is missing). */
  private refused(what: string, error: unknown): unknown {
    if (!(error instanceof KubeApiError)) return error;
    const message = withoutValues(error.status?.message);
    if (error.code === 403)
      return new UserError(
        `carbon-ops is not allowed to ${what}: ${message ?? 'forbidden'}. Its RBAC is in manifests/bot/base/rbac.yaml.`,
      );
    if (error.code >= 400 && error.code < 500)
      return new UserError(`The cluster refused to ${what}: ${message ?? `HTTP ${error.code}`}`);
    return error;
  }

  /**
   * Lists in pages of `pageSize` following `continue`, each item parsed on its own and `select` applied to
   * it as its page is read (kube-list-page.ts), so what is not selected is garbage at once; a 410
   * (the continue token expired) restarts the listing, for a consistent result rather than a patched one.
   */
  private async listAll<T, R = T>(
    path: string,
    resource: string,
    options: ListOptions,
    select?: (item: T) => R,
  ): Promise<R[]> {
    for (let attempt = 0; ; attempt++) {
      const items: R[] = [];
      let cont: string | undefined;
      let pages = 0;
      try {
        do {
          const query = {
            limit: this.options.pageSize,
            continue: cont,
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
          };
          const page = await this.listPage({ method: 'GET', path, query, what: `list ${resource}` }, (item) => {
            items.push(select === undefined ? (item as R) : select(item as T));
          });
          const next = page.metadata?.continue || undefined;
          if (next !== undefined && next === cont)
            throw new KubeProtocolError(`list ${resource}: the API answered the same continue token twice`);
          cont = next;
          pages++;
          await options.onPage?.(items.length, pages);
        } while (cont !== undefined);
        return items;
      } catch (error) {
        if (statusOf(error) !== 410 || attempt >= MAX_LIST_RESTARTS) throw error;
      }
    }
  }

  /**
   * A failure as the user sees it: only what was attempted, the server, and a code (ECONNREFUSED, a
   * timeout, HTTP 503). Never a raw message: it can carry an exec plugin's output or an echoed value.
   */
  private explain(what: string, error: unknown): unknown {
    if (error instanceof KubeApiError) {
      return error.code >= 500
        ? new ClusterUnavailable(`The Kubernetes API at ${this.server} answered ${error.code} (${what}).`)
        : error;
    }
    if (error instanceof KubeCredentialsError || error instanceof KubeProtocolError)
      return new ClusterUnavailable(`The Kubernetes API at ${this.server}: ${error.message} (${what}).`);
    const name = (error as { name?: string }).name;
    if (name === 'AbortError' || name === 'TimeoutError') {
      return new ClusterUnavailable(
        `The Kubernetes API at ${this.server} did not answer within ${this.options.requestTimeoutMs / 1000} s ` +
          `(${what}).`,
      );
    }
    const code = (error as { code?: unknown }).code;
    return new ClusterUnavailable(
      `The Kubernetes API at ${this.server} cannot be reached ` +
        `(${what}: ${typeof code === 'string' ? code : 'connection failed'}).`,
    );
  }
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.code : undefined;
}

/**
 * The API server's message without the values it quotes (`Invalid value: "…"`, a patched object): a 422
 * about a ConfigMap or an env var can echo a secret. Field paths, reasons and limits stay.
 */
export function withoutValues(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  const cleaned = message
    .replace(/Invalid value: (?:"(?:[^"\\]|\\.)*"|\{.*?\}|\[.*?\]|[^:,]+)/g, 'Invalid value')
    .replace(/"(?:[^"\\]|\\.){80,}"/g, '"…"');
  return cleaned.length > 500 ? `${cleaned.slice(0, 500)}…` : cleaned;
}

export const describeRef = (ref: ObjectRef): string =>
  `${ref.kind} ${ref.metadata.namespace ? `${ref.metadata.namespace}/` : ''}${ref.metadata.name}`;

/**
 * The managers and fields of a server-side apply conflict, from the Status the API server answers:
 * `causes: [{reason: FieldManagerConflict, message: 'conflict with "kubectl" using policy/v1', field: '.spec.x'}]`.
 */
export function conflictsOf(error: unknown): ManagerConflict[] {
  if (!(error instanceof KubeApiError)) return [];
  const body = error.status;
  const causes = (body?.details?.causes ?? []).filter((c) => (c.reason ?? c.type) === 'FieldManagerConflict');
  const conflicts = causes.map((c) => ({
    manager: /conflict with "([^"]+)"/.exec(c.message ?? '')?.[1] ?? 'another manager',
    field: c.field ?? '?',
  }));
  if (conflicts.length > 0) return conflicts;
  // Without causes, the message:
  // `Apply failed with 1 conflict: conflict with "kubectl" using policy/v1: .spec.maxUnavailable`
  const message = body?.message ?? '';
  const manager = /conflicts? with "([^"]+)"/.exec(message)?.[1];
  if (manager === undefined) return [];
  const fields = [...message.matchAll(/(?:: |\n- )(\.[^\s,]+)/g)].map((m) => m[1]!);
  return (fields.length > 0 ? fields : ['?']).map((field) => ({ manager, field }));
}

/** Which cluster the reports are about. */
export interface ClusterInfo {
  name: string;
  /** True for the devstack stand-in: every report from it says so. */
  simulated: boolean;
}
