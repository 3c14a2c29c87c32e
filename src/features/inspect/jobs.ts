import type { Pod } from 'kubernetes-types/core/v1.js';
import { UserError } from '../../errors.js';
import { KubeApiError } from '../../integrations/kubernetes.js';
import type { DataOf } from '../../contracts/jobs.js';
import type { JobContext, JobDefinition } from '../../jobs/job.js';
import { logBlocks } from './log-blocks.js';
import { maskSecrets } from '../vault/detect.js';
import { eventsOf, observe, podToRead } from './read.js';
import { renderDescribe, renderEvents, renderLogs } from './render.js';
import { resolveInspectTarget } from './target.js';

/** The most a log read asks the API server for, whatever the line count: 256 KiB. */
export const LOG_LIMIT_BYTES = 256 * 1024;
const EVENT_LIMIT = 25;

/** A 4xx from pods/log (no such container, no previous container, waiting to start) in the server's words. */
function logRefusal(error: unknown, pod: string): never {
  if (error instanceof KubeApiError && error.code < 500) {
    const message = (error.status?.message ?? '').replace(/\s+/g, ' ').slice(0, 300);
    throw new UserError(`The log of pod \`${pod}\` cannot be read: ${message || `HTTP ${error.code}`}.`);
  }
  throw error;
}

/** The whole (masked) log as a text file in the reply's thread, when the message shows only its end. */
async function uploadLog(
  { deps, data, log }: Pick<JobContext<DataOf<'inspect-logs'>>, 'deps' | 'data' | 'log'>,
  name: string,
  lines: readonly string[],
): Promise<{ name: string; uploaded: boolean }> {
  try {
    await deps.chat.upload(
      data.reply.channel,
      { filename: name, title: name, bytes: Buffer.from(`${lines.join('\n')}\n`, 'utf8') },
      data.reply.threadTs ?? data.reply.ts,
    );
    return { name, uploaded: true };
  } catch (error) {
    log.warn({ err: error }, 'log file not uploaded');
    return { name, uploaded: false };
  }
}

const containersOf = (pod: Pod): string[] => (pod.spec?.containers ?? []).map((c) => c.name);

/** `/carbon logs`: one container's last lines, every line through the credential mask. Reads only. */
export const inspectLogs: JobDefinition<'inspect-logs'> = {
  attempts: 2,
  async run({ data, deps, log, progress }) {
    const { command } = data;
    const target = resolveInspectTarget(command, deps.catalogue);
    const observed = await observe(deps.kube, target, deps.cluster.name);
    const pod = podToRead(observed.pods);
    if (pod === undefined) throw new UserError(`${target.kind}/${target.name} has no pods to read a log from.`);
    const podName = pod.metadata?.name ?? '?';
    const containers = containersOf(pod);
    // like kubectl: the first container when none is named (the server refuses a pod of several without one)
    const container = command.container ?? containers[0] ?? '';
    await progress(`Reading the log of ${podName}/${container}…`);
    const text = await deps.kube
      .readPodLog(target.namespace, podName, {
        container,
        previous: command.previous,
        tailLines: command.tail,
        ...(command.sinceSeconds !== undefined ? { sinceSeconds: command.sinceSeconds } : {}),
        limitBytes: LOG_LIMIT_BYTES,
      })
      .catch((error: unknown) => logRefusal(error, podName));
    let masked = 0;
    const lines = text
      .replace(/\n$/, '')
      .split('\n')
      .filter((line, i, all) => !(all.length === 1 && line === ''))
      .map((line) => {
        const result = maskSecrets(line);
        masked += result.masked;
        return result.text;
      });
    const file =
      logBlocks(lines).omitted > 0
        ? await uploadLog(
            { deps, data, log },
            `logs-${podName}-${container}${command.previous ? '-previous' : ''}.txt`,
            lines,
          )
        : undefined;
    return renderLogs({
      ...(file ? { file } : {}),
      cluster: deps.cluster.name,
      target,
      pod: podName,
      container,
      containers: containers.filter((c) => c !== container),
      previous: command.previous,
      tail: command.tail,
      ...(command.sinceSeconds !== undefined ? { sinceSeconds: command.sinceSeconds } : {}),
      lines,
      masked,
      otherPods: observed.pods.map((p) => p.metadata?.name ?? '').filter((n) => n !== podName),
    });
  },
};

/** `/carbon events`: the newest events about a service's workload and pods, or one object. Reads only. */
export const inspectEvents: JobDefinition<'inspect-events'> = {
  attempts: 2,
  async run({ data, deps }) {
    const target = resolveInspectTarget(data.command, deps.catalogue);
    const observed = await observe(deps.kube, target, deps.cluster.name);
    const { events, total } = await eventsOf(deps.kube, target, observed, EVENT_LIMIT);
    return renderEvents({ cluster: deps.cluster.name, target, events, total, now: new Date() });
  },
};

/** `/carbon describe`: the workload's replicas, images and conditions, its pods, the newest events. Reads only. */
export const inspectDescribe: JobDefinition<'inspect-describe'> = {
  attempts: 2,
  async run({ data, deps }) {
    const target = resolveInspectTarget(data.command, deps.catalogue);
    const observed = await observe(deps.kube, target, deps.cluster.name);
    const { events, total } = await eventsOf(deps.kube, target, observed, EVENT_LIMIT);
    return renderDescribe({
      cluster: deps.cluster.name,
      target,
      ...(observed.workload ? { workload: observed.workload } : {}),
      pods: observed.pods,
      events,
      total,
      now: new Date(),
    });
  },
};
