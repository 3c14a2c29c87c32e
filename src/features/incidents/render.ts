import type { KnownBlock } from '@slack/types';
import { clip, context, escapeMrkdwn, header, LIMITS, section, type Message } from '../../message.js';
import { incidentButtons } from './buttons.js';
import type { Alert, Notification } from './notification.js';
import { alertTarget } from './target.js';

/** Alerts listed by name in a group's message; the rest are counted. */
export const LISTED_ALERTS = 15;
/** Characters of one alert's line. */
const LINE = 180;

const ICON = { firing: '🔥', resolved: '✅' } as const;

/** `name=value` pairs as the rules wrote them (`<!channel>` included): escaped where shown as mrkdwn. */
const pairs = (labels: Readonly<Record<string, string>>, skip: Readonly<Record<string, string>> = {}) =>
  Object.entries(labels)
    .filter(([k]) => !(k in skip))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** One alert: what sets it apart from the group (its own labels), then its summary; clipped, then escaped. */
export function alertLine(alert: Alert, common: Readonly<Record<string, string>>): string {
  const own = pairs(alert.labels, common) || (alert.labels['alertname'] ?? 'alert');
  const summary = alert.annotations['summary'] ?? alert.annotations['description'];
  return escapeMrkdwn(clip(`${ICON[alert.status]} ${own}${summary ? ` — ${summary}` : ''}`, LINE));
}

/** The group's name, raw (a header is plain text). */
const title = (n: Notification) =>
  n.groupLabels['alertname'] ?? n.commonLabels['alertname'] ?? (pairs(n.groupLabels) || 'Alertmanager group');

/** The first lines that fit in `max` characters (whole lines: an escape is never cut), and how many did not. */
function fit(lines: readonly string[], max: number): { shown: string[]; left: number } {
  const shown: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + line.length + 1 > max) break;
    shown.push(line);
    size += line.length + 1;
  }
  return { shown, left: lines.length - shown.length };
}

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
  const counts = `${firing} firing${resolved > 0 ? `, ${resolved} resolved` : ''}`;
  const headline = (name: string) =>
    status === 'firing' ? `${ICON.firing} ${name}: ${counts}` : `${ICON.resolved} ${name}: resolved`;
  const listed = [...n.alerts]
    .sort((a, b) => (a.status === b.status ? 0 : a.status === 'firing' ? -1 : 1))
    .slice(0, LISTED_ALERTS);
  // Room for the count line; lines past the section's limit are counted with the rest.
  const { shown } = fit(
    listed.map((a) => alertLine(a, n.commonLabels)),
    LIMITS.sectionText - 40,
  );
  const more = n.alerts.length + n.truncatedAlerts - shown.length;
  const lines = [...shown, ...(more > 0 ? [`…and ${more} more`] : [])].join('\n');
  const summary = n.commonAnnotations['summary'] ?? n.commonAnnotations['description'];
  const target = alertTarget(n.commonLabels);
  const groupName = clip(pairs(n.groupLabels) || 'all', 200);
  const blocks: KnownBlock[] = [
    header(headline(title(n))),
    section(`*Labels:* ${escapeMrkdwn(pairs(n.commonLabels)) || '(none in common)'}`),
    ...(summary ? [section(escapeMrkdwn(clip(summary, LIMITS.sectionText / 5)))] : []),
    section(lines),
    // Silence needs only the group; Restart, Logs and Events a workload its labels name.
    ...(status === 'firing'
      ? [
          incidentButtons(
            `incident-${groupId}`,
            { ...(target ? { target } : {}), groupKey: groupId },
            { silence: true },
          ),
        ]
      : []),
    context(
      `Alertmanager group \`${escapeMrkdwn(groupName)}\` (id \`${groupId}\`)`,
      ...(safeUrl(n.externalURL) ? [`<${n.externalURL}|Open Alertmanager>`] : []),
      'Changes are posted in this thread.',
    ),
  ];
  const text = escapeMrkdwn(clip(`${headline(title(n))} (${pairs(n.groupLabels)})`, 600));
  return { text, blocks };
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
  ];
  const text = fit(parts, LIMITS.sectionText).shown.join('\n');
  return { text, blocks: [section(text)] };
}
