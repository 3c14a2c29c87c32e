import type { Event as KubeEvent, Pod } from 'kubernetes-types/core/v1.js';
import { isReady, problemOf, restartsOf } from '../health/pod-state.js';

export interface FailingPod {
  name: string;
  reason: string;
  detail?: string;
  restarts: number;
}

export interface EventLine {
  at: string;
  type: string;
  reason: string;
  object: string;
  message: string;
  count: number;
}

/** The workload's pods that are not ready, with the reason `kubectl get pods` would show. */
export function failingPods(pods: readonly Pod[], limit = 8): FailingPod[] {
  return pods
    .filter((pod) => pod.metadata?.deletionTimestamp === undefined && !isReady(pod))
    .map((pod) => {
      const { reason, detail } = problemOf(pod);
      return { name: pod.metadata?.name ?? '?', reason, ...(detail ? { detail } : {}), restarts: restartsOf(pod) };
    })
    .sort((a, b) => b.restarts - a.restarts || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/**
 * Events about the workload, its ReplicaSets and its pods (named `<workload>-…`) since the rollout
 * began, newest first; warnings before normal events of the same time.
 */
export function recentEvents(events: readonly KubeEvent[], workload: string, since: Date, limit = 8): EventLine[] {
  const cutoff = since.getTime() - 60_000;
  return events
    .filter((e) => {
      const name = e.involvedObject?.name ?? '';
      return name === workload || name.startsWith(`${workload}-`);
    })
    .map((e) => ({ event: e, time: eventTime(e) }))
    .filter(({ time }) => time === undefined || time.getTime() >= cutoff)
    .sort(
      (a, b) =>
        (b.time?.getTime() ?? 0) - (a.time?.getTime() ?? 0) ||
        Number(b.event.type === 'Warning') - Number(a.event.type === 'Warning'),
    )
    .slice(0, limit)
    .map(({ event, time }) => ({
      at: time?.toISOString() ?? '',
      type: event.type ?? 'Normal',
      reason: event.reason ?? '',
      object: `${(event.involvedObject?.kind ?? '').toLowerCase()}/${event.involvedObject?.name ?? ''}`,
      message: (event.message ?? '').replace(/\s+/g, ' ').slice(0, 200),
      count: event.count ?? 1,
    }));
}

function eventTime(event: KubeEvent): Date | undefined {
  const value = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** "1 min 12 s", "8.4 s". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}
