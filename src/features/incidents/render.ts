import type { KnownBlock } from '@slack/types';
import { context, escapeMrkdwn, header, LIMITS, section, type Message } from '../../message.js';
import { incidentButtons } from './buttons.js';
import type { Alert, Notification } from './notification.js';
import { alertTarget } from './target.js';

/** Alerts listed by name in a group's message; the rest are counted. */
export const LISTED_ALERTS = 15;
/** Characters of one alert's line. */
const LINE = 180;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const ICON = { firing: '🔥', resolved: '✅' } as const;

/** `name=value` pairs, escaped for mrkdwn (labels are whatever the rules wrote: `<!channel>` included). */
const pairs = (labels: Readonly<Record<string, string>>, skip: Readonly<Record<string, string>> = {}) =>
  Object.entries(labels)
    .filter(([k]) => !(k in skip))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${escapeMrkdwn(k)}=${escapeMrkdwn(v)}`)
    .join(', ');

/** One alert: what sets it apart from the group (its own labels), then its summary. */
export function alertLine(alert: Alert, common: Readonly<Record<string, string>>): string {
  const own = pairs(alert.labels, common) || escapeMrkdwn(alert.labels['alertname'] ?? 'alert');
  const summary = alert.annotations['summary'] ?? alert.annotations['description'];
  return clip(`${ICON[alert.status]} ${own}${summary ? ` — ${escapeMrkdwn(summary)}` : ''}`, LINE);
}

const title = (n: Notification) =>
  n.groupLabels['alertname'] ?? n.commonLabels['alertname'] ?? (pairs(n.groupLabels) || 'Alertmanager group');

/** A link Slack cannot be made to misread: http(s), no spaces, no mrkdwn control characters. */
const safeUrl = (url: string) => /^https?:\/\/[^\s<>|&]{1,2000}$/.test(url);

/**
 * The group's one message: what fires, where, the first LISTED_ALERTS alerts, and the incident buttons when
 * its labels name a workload and something still fires. Always within Slack's block limits.
 */
export function groupMessage(n: Notification, groupId: string): Message {
  const firing = n.alerts.filter((a) => a.status === 'firing').length + n.truncatedAlerts;
  const resolved = n.alerts.length - (firing - n.truncatedAlerts);
  const status = firing > 0 ? 'firing' : 'resolved';
  const name = title(n);
  const counts = `${firing} firing${resolved > 0 ? `, ${resolved} resolved` : ''}`;
  const headline = status === 'firing' ? `${ICON.firing} ${name}: ${counts}` : `${ICON.resolved} ${name}: resolved`;
  const listed = [...n.alerts]
    .sort((a, b) => (a.status === b.status ? 0 : a.status === 'firing' ? -1 : 1))
    .slice(0, LISTED_ALERTS);
  const more = n.alerts.length + n.truncatedAlerts - listed.length;
  const lines = [...listed.map((a) => alertLine(a, n.commonLabels)), ...(more > 0 ? [`…and ${more} more`] : [])].join(
    '\n',
  );
  const summary = n.commonAnnotations['summary'] ?? n.commonAnnotations['description'];
  const target = alertTarget(n.commonLabels);
  const blocks: KnownBlock[] = [
    header(headline),
    section(`*Labels:* ${pairs(n.commonLabels) || '(none in common)'}`),
    ...(summary ? [section(escapeMrkdwn(summary))] : []),
    section(lines.slice(0, LIMITS.sectionText)),
    ...(target !== undefined && status === 'firing'
      ? [incidentButtons(`incident-${groupId}`, { target, groupKey: groupId }, { silence: true })]
      : []),
    context(
      `Alertmanager group \`${escapeMrkdwn(clip(pairs(n.groupLabels) || 'all', 200))}\` (id \`${groupId}\`)`,
      ...(safeUrl(n.externalURL) ? [`<${n.externalURL}|Open Alertmanager>`] : []),
      'Changes are posted in this thread.',
    ),
  ];
  return { text: clip(`${headline} (${escapeMrkdwn(pairs(n.groupLabels))})`, 3000), blocks };
}

/** The thread reply for what changed since the message was last updated: alerts that started and ended firing. */
export function changeMessage(n: Notification, before: Readonly<Record<string, Alert['status']>>): Message | undefined {
  const started = n.alerts.filter((a) => a.status === 'firing' && before[a.fingerprint] !== 'firing');
  const ended = n.alerts.filter((a) => a.status === 'resolved' && before[a.fingerprint] !== 'resolved');
  if (started.length + ended.length === 0) return undefined;
  const list = (alerts: Alert[]) => {
    const shown = alerts.slice(0, LISTED_ALERTS).map((a) => `• ${alertLine(a, n.commonLabels)}`);
    return [...shown, ...(alerts.length > shown.length ? [`• …and ${alerts.length - shown.length} more`] : [])];
  };
  const parts = [
    ...(started.length > 0 ? [`*Firing (${started.length}):*`, ...list(started)] : []),
    ...(ended.length > 0 ? [`*Resolved (${ended.length}):*`, ...list(ended)] : []),
  ].join('\n');
  const text = parts.slice(0, LIMITS.sectionText);
  return { text: clip(text, 3000), blocks: [section(text)] };
}
