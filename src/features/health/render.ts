import type { KnownBlock } from '@slack/types';
import type { HealthReport, ServiceState, ServiceStatus } from './measure.js';
import {
  capBlocks,
  context,
  divider,
  escapeMrkdwn,
  header,
  lineList,
  section,
  table,
  type Message,
} from '../../message.js';
import { dataServicesBlocks } from './data-services/render.js';

const ICON: Record<ServiceStatus, string> = { up: '✅', degraded: '⚠️', down: '❌', missing: '❓' };

/** How many pods to name per problem reason: the worst few, the rest are counted. */
const WORST_PODS = 3;

export interface HealthContext {
  snapshotId?: string;
  jobId?: string;
  /** The previous report for the same scope, to show the change. */
  previous?: { healthPct: number | null; takenAt: Date };
}

export function headline(report: HealthReport): string {
  const { ready, counted } = report.pods;
  const pct = report.healthPct === null ? 'n/a' : `${report.healthPct.toFixed(1)}%`;
  return `Platform health ${pct} (${ready} of ${counted} pods ready)`;
}

export function renderHealth(report: HealthReport, meta: HealthContext = {}): Message {
  const scope = report.namespace ? ` · namespace ${report.namespace}` : '';
  const blocks: KnownBlock[] = [header(`Platform health · ${report.cluster.name}${scope}`)];
  if (report.cluster.simulated)
    blocks.push(context('⚠️ *Simulated*: this is the built-in demo cluster, not a real one.'));

  const excluded =
    report.pods.succeeded > 0 ? `; ${report.pods.succeeded} Succeeded pods of completed jobs not counted` : '';
  blocks.push(section(`*${headline(report)}*${change(report, meta)}\n${report.pods.total} pods in all${excluded}.`));

  blocks.push(...servicesBlocks(report.services));
  blocks.push(...dataServicesBlocks(report.dataServices));
  blocks.push(...problemBlocks(report));
  if (report.namespaces.length > 0) {
    blocks.push(
      table(
        ['NAMESPACE', 'READY', 'HEALTH'],
        report.namespaces.map((n) => [n.name, `${n.ready}/${n.pods}`, `${((n.ready / n.pods) * 100).toFixed(1)}%`]),
        '*By namespace* (least healthy first)',
      ),
    );
  }
  blocks.push(divider(), context(provenance(report, meta)));
  return {
    text: headline(report) + (report.cluster.simulated ? ' [simulated demo cluster]' : ''),
    blocks: capBlocks(blocks),
  };
}

function change(report: HealthReport, meta: HealthContext): string {
  const before = meta.previous?.healthPct;
  if (before === undefined || before === null || report.healthPct === null) return '';
  const delta = report.healthPct - before;
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  return (
    `, ${sign}${Math.abs(delta).toFixed(1)} points ` +
    `since ${meta.previous!.takenAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`
  );
}

function servicesBlocks(services: ServiceState[]): KnownBlock[] {
  if (services.length === 0) return [];
  const critical = services.filter((s) => s.critical);
  const up = critical.filter((s) => s.status === 'up').length;
  const rows = [...services]
    .sort((a, b) => Number(b.critical) - Number(a.critical) || a.name.localeCompare(b.name))
    .map((s) => [
      ICON[s.status],
      s.name,
      s.namespace,
      s.status === 'missing' ? 'missing' : `${s.ready}/${s.desired}`,
      s.critical ? 'critical' : '',
    ]);
  const failing = services
    .filter((s) => s.failedChecks !== undefined)
    .map((s) => `• \`${s.name}\`${s.critical ? ' (critical)' : ''}: ${escapeMrkdwn(s.failedChecks!.join('; '))}`);
  return [
    table(['', 'SERVICE', 'NAMESPACE', 'READY', ''], rows, `*Critical services: ${up} of ${critical.length} fully up*`),
    ...(failing.length > 0
      ? [lineList('*Failing data checks* (pods may be ready; the service is not):', failing)]
      : []),
  ];
}

function problemBlocks(report: HealthReport): KnownBlock[] {
  if (report.problems.length === 0) return [section('*Problem pods:* none.')];
  const notReady = report.pods.counted - report.pods.ready;
  const summary = table(
    ['REASON', 'PODS', 'RESTARTS'],
    report.problems.map((p) => [p.reason, String(p.count), String(p.restarts)]),
    `*Problem pods: ${notReady}* by reason`,
  );
  const worst = report.problems.map((p) => {
    const named = p.pods.slice(0, WORST_PODS).map((pod) => {
      const detail = pod.detail ? `: ${escapeMrkdwn(pod.detail.slice(0, 120))}` : '';
      return `• \`${pod.namespace}/${pod.name}\` (${pod.restarts} restarts)${detail}`;
    });
    const more = p.count > WORST_PODS ? `\n… and ${p.count - WORST_PODS} more` : '';
    return section(`*${escapeMrkdwn(p.reason)}* (${p.count})\n${named.join('\n')}${more}`);
  });
  return [summary, ...worst];
}

function provenance(report: HealthReport, meta: HealthContext): string {
  const parts = [
    `Measured ${report.takenAt.toISOString()} from the Kubernetes API`,
    'health = ready ÷ (all pods − Succeeded)',
  ];
  if (report.dataServices !== undefined) parts.push('data services measured at their endpoints, as each line says');
  if (meta.snapshotId) parts.push(`snapshot #${meta.snapshotId}`);
  if (meta.jobId) parts.push(`job ${meta.jobId}`);
  return parts.join(' · ');
}
