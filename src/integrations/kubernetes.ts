import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type CoreV1Event,
  KubeConfig,
  Observable,
  PatchStrategy,
  PolicyV1Api,
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

/** A 410 means the continue token expired: the list restarts from the top, but not forever. */
const MAX_LIST_RESTARTS = 3;

/** The narrow, typed view of the Kubernetes API the jobs use. Built once, passed explicitly. */
export class Kube {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly policy: PolicyV1Api;
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

  listPods(options: ListOptions = {}): Promise<V1Pod[]> {
    const { namespace, labelSelector, fieldSelector } = options;
    return this.listAll('pods', options, (limit, _continue, o) =>
      namespace === undefined
        ? this.core.listPodForAllNamespaces({ limit, _continue, labelSelector, fieldSelector }, o)
        : this.core.listNamespacedPod({ namespace, limit, _continue, labelSelector, fieldSelector }, o),
    );
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
