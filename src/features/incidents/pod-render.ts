import type { KnownBlock } from '@slack/types';
import type { ClusterInfo } from '../../integrations/kubernetes.js';
import { context, escapeMrkdwn, header, section, utc, type Message } from '../../message.js';
import { incidentButtons } from './buttons.js';
import type { PodIncident, PodOutcome } from './pod-incidents.js';

/** What a failing pod's post shows: the incident without where it was posted. */
export type FailingPodView = Omit<PodIncident, 'channel' | 'ts'>;

const WHAT: Record<PodIncident['reason'], string> = {
  CrashLoopBackOff: 'keeps crashing',
  OOMKilled: 'is killed for running out of memory',
  ImagePullBackOff: 'cannot pull its image',
  Pending: 'has been Pending too long',
};

const podName = (i: FailingPodView): string => `\`${i.namespace}/${i.pod}\``;

function facts(i: FailingPodView): string {
  const detail = i.detail ? `: ${escapeMrkdwn(i.detail)}` : '';
  return [
    `*Workload* ${i.kind}/${i.workload} (service *${i.service}*, critical)`,
    `*Reason* ${i.reason}${detail}`,
    `*Restarts* ${i.restarts} · *seen* ${utc(new Date(i.postedAt))}`,
  ].join('\n');
}

const origin = (cluster: ClusterInfo): string =>
  `Found by the pod watch on ${cluster.name}${cluster.simulated ? ' (simulated: the demo cluster)' : ''}; no alert rule covers it.`;

/** The post in the incident channel: one per pod and reason, with the incident buttons (no Silence: no alert). */
export function renderFailingPod(incident: FailingPodView, cluster: ClusterInfo): Message {
  const blocks: KnownBlock[] = [
    header(`🚨 ${incident.service}: ${incident.reason}`),
    section(`${podName(incident)} ${WHAT[incident.reason]}.\n${facts(incident)}`),
    context(origin(cluster)),
    incidentButtons(
      'incident-pod',
      { target: { namespace: incident.namespace, kind: incident.kind, name: incident.workload } },
      { silence: false },
    ),
  ];
  return { text: `🚨 ${incident.service}: pod ${incident.pod} ${WHAT[incident.reason]} (${incident.reason})`, blocks };
}

const ended = (outcome: PodOutcome): string => (outcome.how === 'ready' ? 'ready again' : 'deleted');

const lasted = (incident: FailingPodView, outcome: PodOutcome): string => {
  const minutes = Math.max(0, Math.round((outcome.at.getTime() - incident.postedAt) / 60_000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

/** The post, edited once the pod is ready again (or gone): the buttons go, the facts stay. */
export function renderPodResolved(incident: FailingPodView, outcome: PodOutcome, cluster: ClusterInfo): Message {
  const blocks: KnownBlock[] = [
    header(`✅ Resolved · ${incident.service}: ${incident.reason}`),
    section(`${podName(incident)} is ${ended(outcome)} (${utc(outcome.at)}).\n${facts(incident)}`),
    context(origin(cluster)),
  ];
  return {
    text: `✅ Resolved: ${incident.service} pod ${incident.pod} is ${ended(outcome)} (was ${incident.reason})`,
    blocks,
  };
}

/** The thread reply that says so, with how long it lasted since the post. */
export function renderPodRecovered(incident: FailingPodView, outcome: PodOutcome): Message {
  const after = `after ${lasted(incident, outcome)} of ${incident.reason}`;
  const text =
    outcome.how === 'ready'
      ? `✅ \`${incident.pod}\` is ready again, ${after}.`
      : `✅ \`${incident.pod}\` was deleted, ${after}; its ${incident.kind} replaces it with a new pod, watched like any other.`;
  return { text, blocks: [section(text)] };
}
