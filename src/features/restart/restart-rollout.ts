import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { ReportedFailure, UserError } from '../../errors.js';
import type { Message } from '../../message.js';
import { ClusterUnavailable } from '../../integrations/kubernetes.js';
import { rolloutFailed, rolloutSucceeded, type RolloutOutcome } from './render.js';
import { showRequest } from '../../approvals/index.js';
import { RESTART_KIND } from './approval.js';
import { failingPods, formatDuration, recentEvents } from './failure.js';
import { RESTARTED_AT, restartedAtValue, type Workload } from './plan.js';
import { progressLine, rolloutStatus, type RolloutStatus } from './rollout-status.js';
import type { RestartRequest } from './store.js';
import type { JobContext, JobDeps } from '../../jobs/job.js';
import type { LostOutcome } from '../../approvals/recover.js';

/** Consecutive failed reads of the workload tolerated while watching (an API server blip is not a failed rollout). */
const READ_FAILURES_TOLERATED = 5;

/** The follow-up's start: the annotation value is recorded, with the `started` audit row, before the patch. */
export const beginRestart = (
  { deps, jobId }: JobContext,
  request: RestartRequest,
): Promise<RestartRequest | undefined> => deps.store.restarts.start(request.id, restartedAtValue(), jobId);

/** What a re-run shows for a restart that has already finished. */
export const rolloutDone = async (_ctx: JobContext, request: RestartRequest): Promise<Message> =>
  rolloutSucceeded({ request, durationMs: elapsed(request) });

/**
 * After the approvals: the restart itself, then the watch. Safe to run twice and to resume:
 * the annotation value is recorded (with the `started` audit row) before the patch is sent, and a
 * retried job or another worker that finds the request running checks whether that value is on the
 * workload: if so it only watches; if not it sends the same patch, which is idempotent.
 */
export async function rollOut(ctx: JobContext, request: RestartRequest, resumed: boolean): Promise<Message> {
  const { deps, log, progress, jobId } = ctx;
  const { kube, store, chat, config } = deps;
  const { kind, name, namespace, restartedAt } = request;
  if (restartedAt === undefined)
    throw new UserError(`Restart request ${request.id} is ${request.state}: nothing to run.`);

  const current = await kube.readWorkload(kind, namespace, name);
  if (current === undefined) throw new UserError(`${kind}/${name} no longer exists in ${namespace}.`);
  const onWorkload = current.spec?.template?.metadata?.annotations?.[RESTARTED_AT];
  const applied = onWorkload === restartedAt;
  if (!applied && restartedSince(onWorkload, restartedAt)) {
    // Patching our older value back would start a second rollout.
    throw new UserError(
      `${kind}/${name} was restarted again after this request started (${RESTARTED_AT}=${onWorkload}): ` +
        'not restarted a second time.',
    );
  }
  if (applied) {
    log.info({ request: request.id, restartedAt }, 'resuming the watch of a rollout already started');
  } else {
    if (kind === 'deployment' && (current as { spec?: { paused?: boolean } }).spec?.paused === true) {
      throw new UserError(
        `deployment/${name} was paused after the plan: not restarted. Resume it (kubectl rollout resume) ` +
          'and ask again.',
      );
    }
    await progress(`Patching ${kind}/${name}: ${RESTARTED_AT}=${restartedAt}`);
    await kube.restartWorkload(kind, namespace, name, restartedAt);
    log.info({ request: request.id, restartedAt, resumed }, 'restart patch sent');
  }

  const startedAt = request.startedAt ?? new Date();
  const deadline = startedAt.getTime() + config.RESTART_ROLLOUT_TIMEOUT_SEC * 1000;
  let status: RolloutStatus | undefined;
  let workload: Workload = current;
  let failures = 0;
  for (;;) {
    try {
      const read = await kube.readWorkload(kind, namespace, name);
      if (read === undefined) throw new UserError(`${kind}/${name} was deleted during the rollout.`);
      workload = read;
      failures = 0;
    } catch (error) {
      if (!(error instanceof ClusterUnavailable) || ++failures > READ_FAILURES_TOLERATED) throw error;
      log.warn({ err: error, failures }, 'reading the rollout failed; trying again');
      await sleep(config.RESTART_POLL_MS);
      continue;
    }
    status = rolloutStatus(kind, workload);
    if (status.done) break;
    if (status.failure !== undefined) return fail(ctx, request, workload, status, status.failure, resumed);
    if (Date.now() > deadline) {
      return fail(
        ctx,
        request,
        workload,
        status,
        `the rollout did not finish within ${formatDuration(config.RESTART_ROLLOUT_TIMEOUT_SEC * 1000)}`,
        resumed,
      );
    }
    await progress(progressLine(status));
    await sleep(config.RESTART_POLL_MS);
  }

  const durationMs = Date.now() - startedAt.getTime();
  const summary = `${status.updated} of ${status.desired} pods updated and ready in ${formatDuration(durationMs)}`;
  const finished =
    (await store.restarts.finish(request.id, 'succeeded', summary, jobId)) ??
    (await store.restarts.get(request.id)) ??
    request;
  await showRequest(chat, RESTART_KIND, finished, log);
  log.info({ request: request.id, durationMs }, 'rollout finished');
  return rolloutSucceeded({ request: finished, durationMs, status, resumed });
}

/**
 * For the approvals sweep, when the follow-up of a running restart was lost (its worker, or Redis):
 * where it stands, read from the cluster. The value recorded before the patch on the pod template and
 * the rollout complete: succeeded; failed for good (ProgressDeadlineExceeded) or the workload gone:
 * failed. Not done: the patch is on the workload and the rollout under way, or the patch is not there
 * (never sent): a resumed follow-up watches it to its end, or sends the same patch (idempotent: the
 * same value), unless someone restarted the workload since.
 */
export async function restartOutcome(deps: JobDeps, request: RestartRequest): Promise<LostOutcome> {
  const { kind, name, namespace, restartedAt } = request;
  const workload = await deps.kube.readWorkload(kind, namespace, name);
  const from = 'the cluster';
  if (restartedAt === undefined) return { done: true, state: 'failed', result: 'no restart value was recorded', from };
  if (workload === undefined)
    return { done: true, state: 'failed', result: `${kind}/${name} no longer exists in ${namespace}`, from };
  const onWorkload = workload.spec?.template?.metadata?.annotations?.[RESTARTED_AT];
  if (onWorkload !== restartedAt) {
    return restartedSince(onWorkload, restartedAt)
      ? { done: true, state: 'failed', result: `restarted again since (${RESTARTED_AT}=${onWorkload})`, from }
      : { done: false, seen: 'its patch is not on the workload: it was not sent' };
  }
  const status = rolloutStatus(kind, workload);
  if (status.done)
    return {
      done: true,
      state: 'succeeded',
      result: `${status.updated} of ${status.desired} pods updated and ready`,
      from,
    };
  if (status.failure !== undefined) return { done: true, state: 'failed', result: status.failure, from };
  const line = progressLine(status);
  return { done: false, seen: `the patch is applied; ${line.charAt(0).toLowerCase()}${line.slice(1)}` };
}

/** Whether the workload carries a later restart than ours (kubectl and carbon-ops both write RFC 3339 times). */
function restartedSince(onWorkload: string | undefined, ours: string | undefined): boolean {
  if (onWorkload === undefined || ours === undefined) return false;
  return Date.parse(onWorkload) > Date.parse(ours);
}

/** The end of a failed rollout: the failing pods with their reasons and the recent events, stored and reported. */
async function fail(
  ctx: JobContext,
  request: RestartRequest,
  workload: Workload,
  status: RolloutStatus,
  failure: string,
  resumed: boolean,
): Promise<never> {
  const { deps, log, jobId } = ctx;
  const { kube, store, chat } = deps;
  const startedAt = request.startedAt ?? new Date();
  const selector = labelSelector(workload.spec?.selector);
  const [pods, events] = await Promise.all([
    selector === undefined
      ? Promise.resolve([])
      : kube.listPods({ namespace: request.namespace, labelSelector: selector }).catch(() => []),
    kube.listEvents(request.namespace).catch(() => []),
  ]);
  const outcome: RolloutOutcome = {
    request,
    durationMs: Date.now() - startedAt.getTime(),
    status,
    failure,
    pods: failingPods(pods),
    events: recentEvents(events, request.name, startedAt),
    resumed,
  };
  const reasons = [...new Set(outcome.pods!.map((p) => p.reason))].join(', ');
  const finished =
    (await store.restarts.finish(request.id, 'failed', `${failure}${reasons ? ` (pods: ${reasons})` : ''}`, jobId)) ??
    request;
  await showRequest(chat, RESTART_KIND, finished, log);
  const report = rolloutFailed({ ...outcome, request: finished });
  throw new ReportedFailure(report.text, report);
}

/** matchLabels and matchExpressions as a label selector string for a list call. */
export function labelSelector(selector: LabelSelector | undefined): string | undefined {
  if (selector === undefined) return undefined;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

const elapsed = (request: RestartRequest): number =>
  request.startedAt && request.finishedAt ? request.finishedAt.getTime() - request.startedAt.getTime() : 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
