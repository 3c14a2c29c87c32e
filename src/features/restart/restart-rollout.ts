import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { ReportedFailure, UserError } from '../../errors.js';
import { ClusterUnavailable } from '../../integrations/kubernetes.js';
import { rolloutFailed, rolloutSucceeded, type RolloutOutcome } from './render.js';
import { showRequest } from './announce.js';
import { failingPods, formatDuration, recentEvents } from './failure.js';
import { RESTARTED_AT, type Workload } from './plan.js';
import { restartedAtValue } from '../../approvals/request-id.js';
import { progressLine, rolloutStatus, type RolloutStatus } from './rollout-status.js';
import { AuditUnavailable } from '../../store/audit-log.js';
import type { RestartRequest } from './store.js';
import type { JobContext, JobDefinition } from '../../jobs/job.js';

/** Consecutive failed reads of the workload tolerated while watching (an API server blip is not a failed rollout). */
const READ_FAILURES_TOLERATED = 5;

/**
 * After the approvals: the restart itself, then the watch. Safe to run twice and to resume:
 * the annotation value is recorded (with the `started` audit row) before the patch is sent, and a
 * retried job or another worker that finds the request running checks whether that value is on the
 * workload: if so it only watches; if not it sends the same patch, which is idempotent.
 */
export const restartRollout: JobDefinition<'restart-rollout'> = {
  attempts: 3,
  stallsAllowed: 5,
  async run(ctx) {
    const { data, deps, jobId, log } = ctx;
    const { store, chat } = deps;
    const id = data.request;
    if (id === undefined) throw new UserError('No restart request given.');

    let request = await load(ctx, id);
    let resumed = request.state === 'running';
    if (request.state === 'approved') {
      let started: RestartRequest | undefined;
      try {
        started = await store.restarts.start(id, restartedAtValue(), jobId);
      } catch (error) {
        if (!(error instanceof AuditUnavailable)) throw error;
        log.error({ err: error, request: id }, 'audit unavailable: restart not started');
        await store.restarts
          .abandon(id, 'the audit trail could not be written, so nothing was done')
          .catch(() => undefined);
        const now = await store.restarts.get(id);
        if (now !== undefined) await showRequest(chat, now, log);
        throw new UserError(
          `The audit trail cannot be written, so the restart of ${request.kind}/${request.name} was ` +
            `NOT started (request ${id}). Ask again once PostgreSQL accepts writes.`,
        );
      }
      if (started === undefined) {
        request = await load(ctx, id); // another worker started it a moment ago: follow it
        resumed = true;
      } else {
        request = started;
        await showRequest(chat, request, log);
      }
    }
    if (request.state === 'succeeded') return rolloutSucceeded({ request, durationMs: elapsed(request) });
    if (request.state !== 'running' || request.restartedAt === undefined)
      throw new UserError(`Restart request ${id} is ${request.state}: nothing to run.`);

    try {
      return await rollOut(ctx, request, resumed);
    } catch (error) {
      // A refusal (UserError) ends the request; so does an internal error on the last attempt. Otherwise the retry
      // resumes.
      if (error instanceof ReportedFailure || !(error instanceof UserError || ctx.lastAttempt)) throw error;
      const reason = error instanceof UserError ? error.message : 'internal error';
      const finished = await store.restarts.finish(id, 'failed', reason, jobId).catch(() => undefined);
      if (finished !== undefined) await showRequest(chat, finished, log);
      throw error;
    }
  },
};

async function load({ deps }: JobContext, id: string): Promise<RestartRequest> {
  const request = await deps.store.restarts.get(id);
  if (request === undefined) throw new UserError(`No restart request ${id}.`);
  return request;
}

async function rollOut(ctx: JobContext, request: RestartRequest, resumed: boolean) {
  const { deps, log, progress, jobId } = ctx;
  const { kube, store, chat, config } = deps;
  const { kind, name, namespace } = request;
  const restartedAt = request.restartedAt!;

  const current = await kube.readWorkload(kind, namespace, name);
  if (current === undefined) throw new UserError(`${kind}/${name} no longer exists in ${namespace}.`);
  const applied = current.spec?.template?.metadata?.annotations?.[RESTARTED_AT] === restartedAt;
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
  await showRequest(chat, finished, log);
  log.info({ request: request.id, durationMs }, 'rollout finished');
  return rolloutSucceeded({ request: finished, durationMs, status, resumed });
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
  await showRequest(chat, finished, log);
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
