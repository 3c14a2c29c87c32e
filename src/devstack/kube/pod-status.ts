// Pod status for each state a scenario or the simulated kubelet puts a pod in, shaped like kubelet's
// (phase, conditions, container states, last termination) so printers and the health report read real
// fields: kubectl's STATUS column is derived from these exactly as it is on a real cluster.
import { rfc3339 } from './duration.js';
import type { Condition, ContainerState, ContainerStatus, Pod } from './types.js';

export const POD_STATES = [
  'Ready',
  'NotReady',
  'ContainerCreating',
  'Pending',
  'ErrImagePull',
  'ImagePullBackOff',
  'CreateContainerConfigError',
  'CrashLoopBackOff',
  'OOMKilled',
  'Error',
  'Completed',
] as const;
export type PodState = (typeof POD_STATES)[number];

/** What the pods a workload creates from now on do once started: how a "never becomes ready" workload is
 * modelled (its images were never mirrored, its database is unreachable, …). */
export const POD_BEHAVIOURS = [
  'Ready',
  'NotReady',
  'CrashLoopBackOff',
  'OOMKilled',
  'ImagePullBackOff',
  'Pending',
] as const;
export type PodBehaviour = (typeof POD_BEHAVIOURS)[number];

export interface PodStateSpec {
  state: PodState;
  /** Container restarts so far. */
  restarts?: number;
  /** Why the container last ended (CrashLoopBackOff, or a Ready pod that restarted before). */
  lastTerminated?: 'Error' | 'OOMKilled' | 'Completed';
  exitCode?: number;
  /** Pending: the scheduler's message; CreateContainerConfigError: kubelet's (the missing ConfigMap or key). */
  message?: string;
}

export interface PodStatusContext {
  node: { name: string; ip: string };
  podIP: string;
  /** When the pod started (startTime); also when its running container started unless it restarted. */
  startedAt: number;
  /** When the last restart happened (the "(3m ago)" of the RESTARTS column). */
  lastRestartAt: number;
}

const iso = rfc3339;

const EXIT_CODES: Record<string, number> = { Error: 1, OOMKilled: 137, Completed: 0 };

function condition(type: string, status: boolean, at: number, reason?: string, message?: string): Condition {
  return {
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: iso(at),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

function imageMessage(state: PodState, image: string): string {
  return state === 'ImagePullBackOff'
    ? `Back-off pulling image "${image}"`
    : `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;
}

function containerStatus(
  pod: Pod,
  name: string,
  image: string,
  spec: PodStateSpec,
  ctx: PodStatusContext,
): ContainerStatus {
  const restarts = spec.restarts ?? (spec.state === 'CrashLoopBackOff' || spec.state === 'OOMKilled' ? 1 : 0);
  const lastReason = spec.lastTerminated ?? 'Error';
  const lastState: ContainerState =
    restarts > 0
      ? {
          terminated: {
            reason: lastReason,
            exitCode: spec.exitCode ?? EXIT_CODES[lastReason] ?? 1,
            startedAt: iso(ctx.lastRestartAt - 30_000),
            finishedAt: iso(ctx.lastRestartAt),
          },
        }
      : {};
  const runningSince = restarts > 0 ? ctx.lastRestartAt : ctx.startedAt;
  const id = `containerd://${pod.metadata.uid.replace(/-/g, '')}${name.length.toString(16)}`;
  const base = { name, image, imageID: '', restartCount: restarts, lastState, containerID: id };
  switch (spec.state) {
    case 'Ready':
      return {
        ...base,
        imageID: `${image.split(':')[0]}@sha256:${pod.metadata.uid.replace(/-/g, '')}`,
        ready: true,
        started: true,
        state: { running: { startedAt: iso(runningSince) } },
      };
    case 'NotReady':
      return { ...base, ready: false, started: true, state: { running: { startedAt: iso(runningSince) } } };
    case 'ContainerCreating':
      return {
        name,
        image,
        imageID: '',
        restartCount: 0,
        lastState: {},
        ready: false,
        started: false,
        state: { waiting: { reason: 'ContainerCreating' } },
      };
    case 'ErrImagePull':
    case 'ImagePullBackOff':
      return {
        name,
        image,
        imageID: '',
        restartCount: 0,
        lastState: {},
        ready: false,
        started: false,
        state: { waiting: { reason: spec.state, message: imageMessage(spec.state, image) } },
      };
    case 'CreateContainerConfigError':
      return {
        name,
        image,
        imageID: '',
        restartCount: 0,
        lastState: {},
        ready: false,
        started: false,
        state: { waiting: { reason: spec.state, message: spec.message ?? 'configmap not found' } },
      };
    case 'CrashLoopBackOff': {
      const message = `back-off 5m0s restarting failed container=${name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
      return { ...base, ready: false, started: false, state: { waiting: { reason: 'CrashLoopBackOff', message } } };
    }
    case 'OOMKilled':
      return {
        ...base,
        ready: false,
        started: false,
        state: {
          terminated: {
            reason: 'OOMKilled',
            exitCode: 137,
            startedAt: iso(ctx.lastRestartAt),
            finishedAt: iso(ctx.lastRestartAt + 45_000),
          },
        },
      };
    case 'Error':
    case 'Completed':
      return {
        ...base,
        ready: false,
        started: false,
        state: {
          terminated: {
            reason: spec.state,
            exitCode: spec.exitCode ?? EXIT_CODES[spec.state] ?? 1,
            startedAt: iso(ctx.startedAt),
            finishedAt: iso(ctx.startedAt + 60_000),
          },
        },
      };
    case 'Pending':
      throw new Error('unscheduled pods have no container status');
  }
}

/** The complete status of `pod` in `spec.state`. */
export function podStatus(pod: Pod, spec: PodStateSpec, ctx: PodStatusContext): Pod['status'] {
  const at = ctx.startedAt;
  const qosClass = 'Burstable';
  if (spec.state === 'Pending') {
    const message =
      spec.message ??
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
    return { phase: 'Pending', conditions: [condition('PodScheduled', false, at, 'Unschedulable', message)], qosClass };
  }
  const containers = pod.spec.containers.map((c) => containerStatus(pod, c.name, c.image, spec, ctx));
  const ready = containers.every((c) => c.ready);
  const finished = spec.state === 'Error' || spec.state === 'Completed';
  const phase =
    spec.state === 'Completed'
      ? 'Succeeded'
      : spec.state === 'Error'
        ? 'Failed'
        : spec.state === 'Ready' ||
            spec.state === 'NotReady' ||
            spec.state === 'CrashLoopBackOff' ||
            spec.state === 'OOMKilled'
          ? 'Running'
          : 'Pending';
  const unready = containers.filter((c) => !c.ready).map((c) => c.name);
  const notReadyReason = finished ? (spec.state === 'Completed' ? 'PodCompleted' : 'PodFailed') : 'ContainersNotReady';
  const notReadyMessage = finished ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const readyAt = spec.restarts ? ctx.lastRestartAt : at + 5_000;
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', !finished && spec.state !== 'ContainerCreating', at + 2_000),
      condition('Initialized', true, at, finished ? 'PodCompleted' : undefined),
      ready ? condition('Ready', true, readyAt) : condition('Ready', false, at, notReadyReason, notReadyMessage),
      ready
        ? condition('ContainersReady', true, readyAt)
        : condition('ContainersReady', false, at, notReadyReason, notReadyMessage),
      condition('PodScheduled', true, at),
    ],
    hostIP: ctx.node.ip,
    podIP: ctx.podIP,
    podIPs: [{ ip: ctx.podIP }],
    startTime: iso(at),
    containerStatuses: containers,
    qosClass,
  };
}

export function isPodReady(pod: Pod): boolean {
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Pods that count for controllers: not finished, not being deleted (controller.FilterActivePods). */
export function isActive(pod: Pod): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed'
  );
}

/** How long until a ready pod has been ready for minReadySeconds (podutil.IsPodAvailable: its Ready
 * condition's lastTransitionTime, whole seconds as stored, plus minReadySeconds, strictly before now):
 * 0 when it is available, undefined when it is not ready. */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  if (!isPodReady(pod)) return undefined;
  if (minReadySeconds <= 0) return 0;
  const since = Date.parse(pod.status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
  if (Number.isNaN(since)) return undefined;
  return Math.max(0, since + minReadySeconds * 1000 + 1 - now);
}
