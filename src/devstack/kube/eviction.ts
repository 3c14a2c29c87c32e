// The pods/eviction subresource (pkg/registry/core/pod/storage/eviction.go): a graceful delete that the
// PodDisruptionBudgets covering the pod must allow. Terminal, pending or already terminating pods are
// deleted without asking; a healthy pod needs status.disruptionsAllowed > 0 on its one PDB, which the
// eviction decrements (and notes in disruptedPods) before deleting; an unready pod may go while the
// budget is met. 429 TooManyRequests tells clients (kubectl drain) to retry.
import type { Cluster } from './cluster.js';
import type { DeleteOptions } from './delete-options.js';
import { checkPreconditions, isDryRun, parseDeleteOptions } from './delete-options.js';
import { rfc3339 } from './duration.js';
import { isPodReady } from './pod-status.js';
import { resourceOf } from './resources.js';
import { selects } from './selectors.js';
import { ApiError, badRequest, decodeJsonObject, notFound } from './status.js';
import type { Condition, JsonObject, Pod, PodDisruptionBudget } from './types.js';
import { isRecord } from './types.js';

const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

/** errors.NewTooManyRequests with a DisruptionBudget cause; a retry delay only while the budget is
 * still being processed. */
function tooManyRequests(cause: string, retryAfterSeconds = 0): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATION, {
    causes: [{ reason: 'DisruptionBudget', message: cause }],
    ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
  });
}

/** propagateDryRun: the Eviction's deleteOptions, dry run if either they or the request (CreateOptions) say so. */
function evictionOptions(query: URLSearchParams, body: JsonObject): DeleteOptions {
  const fromBody = isRecord(body['deleteOptions']) ? body['deleteOptions'] : {};
  const options = parseDeleteOptions(new URLSearchParams(), JSON.stringify(fromBody));
  return { ...options, dryRun: options.dryRun || isDryRun(query.getAll('dryRun')) };
}

function parseEviction(name: string, text: string): JsonObject {
  const body = decodeJsonObject(text, 'an Eviction object');
  if (body['kind'] !== 'Eviction' || !EVICTION_VERSIONS.includes(String(body['apiVersion'])))
    throw badRequest(`not a Eviction object: ${String(body['apiVersion'])}, Kind=${String(body['kind'])}`);
  const metadata = isRecord(body['metadata']) ? body['metadata'] : {};
  if (metadata['name'] !== name) throw badRequest('name in URL does not match name in Eviction object');
  return body;
}

/** The budgets covering the pod; one with an empty selector covers nothing. */
function budgetsOf(cluster: Cluster, pod: Pod): PodDisruptionBudget[] {
  const out: PodDisruptionBudget[] = [];
  for (const [, object] of cluster.store.scan('poddisruptionbudgets', pod.metadata.namespace)) {
    const pdb = object as PodDisruptionBudget;
    const selector = pdb.spec?.selector;
    const empty =
      !selector ||
      (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
    if (!empty && selects(selector, pod.metadata.labels)) out.push(pdb);
  }
  return out;
}

/** checkAndDecrement: the budget's status after taking one disruption, or the refusal. */
function decremented(cluster: Cluster, pdb: PodDisruptionBudget, podName: string): PodDisruptionBudget {
  const status = pdb.status;
  if (!status || (status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0))
    throw tooManyRequests(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`, 10);
  if (status.disruptionsAllowed < 0)
    throw new ApiError(
      403,
      'Forbidden',
      `poddisruptionbudget.policy "${pdb.metadata.name}" is forbidden: pdb disruptions allowed is negative`,
      { name: pdb.metadata.name, group: 'policy', kind: 'poddisruptionbudget' },
    );
  if (status.disruptionsAllowed === 0)
    throw tooManyRequests(
      `The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
    );
  const allowed = status.disruptionsAllowed - 1;
  const now = rfc3339(cluster.now());
  const conditions: Condition[] =
    allowed === 0
      ? [
          ...(status.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed'),
          {
            type: 'DisruptionAllowed',
            status: 'False',
            reason: 'InsufficientPods',
            message: '',
            observedGeneration: pdb.metadata.generation,
            lastTransitionTime: now,
          },
        ]
      : (status.conditions ?? []);
  const disruptedPods = {
    ...((status as JsonObject)['disruptedPods'] as Record<string, string> | undefined),
    [podName]: now,
  };
  return {
    ...pdb,
    status: { ...status, disruptionsAllowed: allowed, conditions, disruptedPods } as PodDisruptionBudget['status'],
  };
}

/** addConditionAndDeletePod: the DisruptionTarget condition, then a graceful delete. */
function evictPod(cluster: Cluster, pod: Pod, options: DeleteOptions): void {
  if (options.dryRun) return;
  const condition = {
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
    lastTransitionTime: rfc3339(cluster.now()),
  };
  const conditions = [...(pod.status.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition];
  const marked = pod.metadata.deletionTimestamp
    ? pod
    : (cluster.store.write('pods', { ...pod, status: { ...pod.status, conditions } }) as Pod);
  cluster.terminatePod(marked, options.gracePeriodSeconds);
}

/** POST pods/NAME/eviction. */
export function evict(
  cluster: Cluster,
  namespace: string,
  name: string,
  query: URLSearchParams,
  text: string,
): { code: number; body: unknown } {
  const eviction = parseEviction(name, text);
  const options = evictionOptions(query, eviction);
  const pod = cluster.store.get('pods', namespace, name) as Pod | undefined;
  if (!pod) throw notFound(resourceOf('pods'), name);
  checkPreconditions(resourceOf('pods'), pod, options.preconditions);
  const success = { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
  const phase = pod.status.phase;
  // canIgnorePDB: the pod is no (longer a) part of what the budget protects.
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) {
    evictPod(cluster, pod, options);
    return success;
  }
  const budgets = budgetsOf(cluster, pod);
  // Returned, not thrown, by the real EvictionREST: the create handler writes it with HTTP 201, and
  // clients go by its status (Failure) and code.
  if (budgets.length > 1)
    return {
      code: 201,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        code: 500,
      },
    };
  const pdb = budgets[0];
  if (pdb) {
    const status = pdb.status;
    const unhealthyButBudgetMet =
      !isPodReady(pod) &&
      ((pdb.spec as JsonObject)['unhealthyPodEvictionPolicy'] === 'AlwaysAllow' ||
        (status !== undefined && status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0));
    if (!unhealthyButBudgetMet) {
      const next = decremented(cluster, pdb, name);
      if (!options.dryRun) cluster.store.write('poddisruptionbudgets', next);
    }
  }
  evictPod(cluster, pod, options);
  return success;
}
