import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { context, escapeMrkdwn, header, section, table, type Message } from '../../message.js';
import { logBlocks } from './log-blocks.js';
import { isReady, problemOf, restartsOf } from '../health/pod-state.js';
import type { InspectTarget } from './target.js';

export interface LogsView {
  cluster: string;
  target: InspectTarget;
  pod: string;
  container: string;
  /** The other containers of the pod (the first was read when none was named). */
  containers: string[];
  previous: boolean;
  tail: number;
  sinceSeconds?: number;
  /** The lines as read, credentials already masked. */
  lines: string[];
  /** How many values were masked. */
  masked: number;
  /** The other pods of the service, by name. */
  otherPods: string[];
  /** When the lines do not all fit: the file the whole log was uploaded as, in the thread (or not, on a failure). */
  file?: { name: string; uploaded: boolean };
}

function moreLines(omitted: number, file: LogsView['file']): string {
  const more = `… ${omitted} more line${omitted === 1 ? '' : 's'} above`;
  if (file === undefined) return `${more}; narrow with --tail or --since`;
  return file.uploaded
    ? `${more}: the whole log is in ${file.name}, in this thread`
    : `${more}; the file with the whole log could not be uploaded (logged): narrow with --tail or --since`;
}

/** `logs`: the last lines of one container's log. */
export function renderLogs(view: LogsView): Message {
  const which = `${view.previous ? 'previous ' : ''}log of ${view.pod}/${view.container}`;
  const { blocks, omitted } = logBlocks(view.lines);
  const window = [
    `last ${view.tail} lines`,
    view.sinceSeconds !== undefined ? `of the last ${view.sinceSeconds}s` : '',
    view.masked > 0 ? `· ${view.masked} credential-looking value${view.masked === 1 ? '' : 's'} masked` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const notes = [
    `${view.cluster} · ${view.target.namespace} · ${window}`,
    ...(omitted > 0 ? [moreLines(omitted, view.file)] : []),
    ...(view.containers.length > 0 ? [`other containers: ${view.containers.join(', ')} (--container NAME)`] : []),
    ...(view.otherPods.length > 0
      ? [`other pods: ${view.otherPods.slice(0, 5).join(', ')}${view.otherPods.length > 5 ? ', …' : ''}`]
      : []),
  ];
  const body = view.lines.length === 0 ? [section('_The log is empty for this window._')] : blocks;
  return {
    text: `Logs: ${which} (${view.lines.length} lines)`,
    blocks: [header(`Logs: ${which}`), ...body, context(...notes.map(escapeMrkdwn))],
  };
}

export interface EventsView {
  cluster: string;
  target: InspectTarget;
  events: Event[];
  /** All events found; `events` holds the newest of them. */
  total: number;
  now: Date;
}

/** `5m`, `3h`, `2d`: how long ago. */
function ago(iso: string | undefined, now: Date): string {
  if (iso === undefined) return '?';
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function eventRows(events: readonly Event[], now: Date): string[][] {
  return events.map((e) => [
    ago(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp, now),
    e.type ?? '',
    e.reason ?? '',
    `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`,
    `${(e.count ?? 1) > 1 ? `(x${e.count}) ` : ''}${(e.message ?? '').replace(/\s+/g, ' ').slice(0, 120)}`,
  ]);
}

/** `events`: the newest events about a service's workload and pods, or one object. */
export function renderEvents(view: EventsView): Message {
  const what = `${view.target.kind}/${view.target.name}`;
  const warnings = view.events.filter((e) => e.type === 'Warning').length;
  const body =
    view.events.length === 0
      ? [section(`_No events about ${escapeMrkdwn(what)} (events are kept about an hour)._`)]
      : [table(['AGE', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], eventRows(view.events, view.now))];
  const shown = view.total > view.events.length ? `newest ${view.events.length} of ${view.total}` : `${view.total}`;
  return {
    text: `Events: ${what}: ${view.total} event${view.total === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
    blocks: [
      header(`Events: ${what}`),
      ...body,
      context(escapeMrkdwn(`${view.cluster} · ${view.target.namespace} · ${shown} event(s), ${warnings} warning(s)`)),
    ],
  };
}

export interface DescribeView extends EventsView {
  workload?: Deployment | StatefulSet;
  pods: Pod[];
}

/** A pod described on its own: its images, node and phase. */
function podLines(pod: Pod | undefined): string[] {
  if (pod === undefined) return [];
  const images = (pod.spec?.containers ?? []).map((c) => `${c.name}: ${c.image ?? '?'}`);
  return [
    `*Phase* ${pod.status?.phase ?? '?'}${pod.spec?.nodeName ? ` on ${escapeMrkdwn(pod.spec.nodeName)}` : ''}`,
    `*Images* ${escapeMrkdwn(images.join(', ') || 'none')}`,
  ];
}

function workloadLines(view: DescribeView): string[] {
  const w = view.workload;
  if (w === undefined) return podLines(view.pods[0]);
  const s = w.status ?? {};
  const images = (w.spec?.template?.spec?.containers ?? []).map((c) => `${c.name}: ${c.image ?? '?'}`);
  const conditions = (s as { conditions?: { type: string; status: string; reason?: string }[] }).conditions ?? [];
  return [
    `*Replicas* ${w.spec?.replicas ?? 1} desired · ${s.readyReplicas ?? 0} ready · ${s.updatedReplicas ?? 0} up to date · ${
      (s as { availableReplicas?: number }).availableReplicas ?? 0
    } available`,
    `*Images* ${escapeMrkdwn(images.join(', ') || 'none')}`,
    ...(conditions.length > 0
      ? [`*Conditions* ${conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ')}`]
      : []),
  ];
}

function podRows(pods: readonly Pod[], now: Date): string[][] {
  return pods.map((pod) => {
    const last = (pod.status?.containerStatuses ?? []).find((c) => c.lastState?.terminated)?.lastState?.terminated;
    return [
      pod.metadata?.name ?? '?',
      isReady(pod) ? 'Ready' : problemOf(pod).reason,
      String(restartsOf(pod)),
      last ? `${last.reason ?? '?'} (exit ${last.exitCode}) ${ago(last.finishedAt, now)} ago` : '-',
      ago(pod.metadata?.creationTimestamp, now),
    ];
  });
}

/** `describe`: replicas, images, conditions, each pod's state and last termination, the newest events. */
export function renderDescribe(view: DescribeView): Message {
  const what = `${view.target.kind}/${view.target.name}`;
  const ready = view.pods.filter(isReady).length;
  const pods =
    view.pods.length === 0
      ? [section('_No pods._')]
      : [
          table(
            ['POD', 'STATE', 'RESTARTS', 'LAST TERMINATION', 'AGE'],
            podRows(view.pods, view.now),
            `*Pods* (${ready}/${view.pods.length} ready)`,
          ),
        ];
  const events =
    view.events.length === 0
      ? [section('_No recent events._')]
      : [
          table(
            ['AGE', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
            eventRows(view.events.slice(0, 10), view.now),
            '*Events*',
          ),
        ];
  const lines = workloadLines(view);
  return {
    text: `Describe: ${what}: ${ready}/${view.pods.length} pods ready`,
    blocks: [
      header(`Describe: ${what}`),
      ...(lines.length > 0 ? [section(lines.join('\n'))] : []),
      ...pods,
      ...events,
      context(
        escapeMrkdwn(
          `${view.cluster} · ${view.target.namespace}${view.target.service ? ` · service ${view.target.service}` : ''}`,
        ),
      ),
    ],
  };
}
