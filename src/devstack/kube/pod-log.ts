// pods/log as the API server serves it (pkg/registry/core/pod/rest/log.go and the kubelet's
// validateContainerLogStatus): text/plain, the container named or the pod's only one, `previous` only when
// the container has terminated before, `tailLines` and `sinceSeconds` honoured. The stand-in's pods run
// nothing, so the lines come from the scenario (`logs:` of a workload) or are made from the pod's status: a
// crash-looping container's previous log ends with the error it exited on.
import type { Cluster } from './cluster.js';
import { badRequest } from './status.js';
import type { KubeObject } from './types.js';

export interface ScenarioLogs {
  /** The running (or last) container's lines, oldest first. */
  current: string[];
  /** The container before the last restart, oldest first. */
  previous: string[];
}

interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; running?: object; terminated?: object };
  lastState?: { terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
}

const isTrue = (value: string | null): boolean => value === 'true' || value === '1';

function positive(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < (name === 'tailLines' ? 0 : 1))
    throw badRequest(
      `${name}: Invalid value: ${text}: must be greater than ${name === 'tailLines' ? 'or equal to ' : ''}0`,
    );
  return value;
}

/** The container a log request means: the named one (an init container too), or the pod's only container.
 * The refusals are pkg/registry/core/pod/strategy.go's LogLocation's. */
function containerOf(pod: KubeObject, query: URLSearchParams): string {
  const name = pod.metadata.name;
  const spec = (pod['spec'] ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
  const containers = (spec.containers ?? []).map((c) => c.name);
  const inits = (spec.initContainers ?? []).map((c) => c.name);
  const asked = query.get('container');
  if (asked === null || asked === '') {
    if (containers.length === 1) return containers[0]!;
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    const also = inits.length > 0 ? ` or one of the init containers: [${inits.join(' ')}]` : '';
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${also}`,
    );
  }
  if (!containers.includes(asked) && !inits.includes(asked))
    throw badRequest(`container ${asked} is not valid for pod ${name}`);
  return asked;
}

/** The lines a container has logged, made from its status when the scenario gives none. */
function made(pod: KubeObject, status: ContainerStatus | undefined, previous: boolean, now: number): string[] {
  const image = ((pod['spec'] as { containers?: { image?: string }[] })?.containers ?? [])[0]?.image ?? '?';
  const stamp = (msAgo: number): string => new Date(now - msAgo).toISOString();
  const last = status?.lastState?.terminated;
  const crashed = previous || status?.state?.waiting !== undefined;
  const lines = [
    `${stamp(60_000)} INFO starting ${status?.name ?? 'container'} (${image})`,
    `${stamp(59_000)} INFO loading configuration from /etc/${status?.name ?? 'app'}`,
  ];
  if (!crashed || last === undefined) return [...lines, `${stamp(58_000)} INFO ready, serving requests`];
  if (last.reason === 'OOMKilled')
    return [...lines, `${stamp(30_000)} WARN heap usage above 95% of the container's memory limit`];
  return [...lines, `${stamp(30_000)} ERROR fatal: exiting with code ${last.exitCode ?? 1}`];
}

/** Keeps the lines of the last `sinceSeconds` (by their leading RFC 3339 timestamp, when they have one). */
function since(lines: string[], seconds: number | undefined, now: number): string[] {
  if (seconds === undefined) return lines;
  const from = now - seconds * 1000;
  return lines.filter((line) => {
    const stamp = Date.parse(line.split(' ')[0] ?? '');
    return Number.isNaN(stamp) || stamp >= from;
  });
}

export function podLog(cluster: Cluster, pod: KubeObject, query: URLSearchParams): string {
  const container = containerOf(pod, query);
  const previous = isTrue(query.get('previous'));
  const tail = positive(query, 'tailLines');
  const sinceSeconds = positive(query, 'sinceSeconds');
  const statuses = ((pod['status'] as { containerStatuses?: ContainerStatus[] })?.containerStatuses ?? []).filter(
    (c) => c.name === container,
  );
  const status = statuses[0];
  const name = pod.metadata.name;
  if (previous && status?.lastState?.terminated === undefined)
    throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
  const waiting = status?.state?.waiting?.reason;
  if (!previous && waiting !== undefined && status?.lastState?.terminated === undefined) {
    const why =
      waiting === 'ErrImagePull'
        ? "image can't be pulled"
        : waiting === 'ImagePullBackOff'
          ? 'trying and failing to pull image'
          : waiting;
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${why}`);
  }
  if (status === undefined && ((pod['status'] as { phase?: string })?.phase ?? 'Pending') === 'Pending')
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
  const scenario = cluster.podLogs(pod);
  const now = cluster.now();
  // a crash-looping container is not running: its log is the one it exited with (the kubelet's lastState case)
  const crashLooping = waiting !== undefined;
  const lines = scenario
    ? previous || crashLooping
      ? scenario.previous.length > 0
        ? scenario.previous
        : scenario.current
      : scenario.current
    : made(pod, status, previous, now);
  const kept = since(lines, sinceSeconds, now);
  const tailed = tail === undefined ? kept : tail === 0 ? [] : kept.slice(-tail);
  return tailed.map((line) => `${line}\n`).join('');
}
