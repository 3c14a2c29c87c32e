import { z } from 'zod';
import { createHash } from 'node:crypto';
import { clip } from '../../message.js';

/**
 * Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 * Alertmanager never retries a 4xx, so a big payload is shown in part rather than refused: long values are
 * clipped, extra labels dropped and alerts past `alerts` counted in `truncatedAlerts`. Only the body's bytes
 * are a hard cap (memory), which README's `max_alerts` keeps Alertmanager under.
 */
export const NOTIFICATION_LIMITS = {
  /** Bytes of the request body. README's `max_alerts: 200` keeps a payload well under it. */
  bodyBytes: 1024 * 1024,
  alerts: 5000,
  labels: 64,
  labelName: 256,
  labelValue: 4096,
} as const;

const clipped = (max: number) => z.string().transform((text) => clip(text, max));

/** A label set, its keys and values clipped and its entries past NOTIFICATION_LIMITS.labels dropped. */
const labelSet = z.record(z.string(), z.string()).transform((labels) =>
  Object.fromEntries(
    Object.entries(labels)
      .slice(0, NOTIFICATION_LIMITS.labels)
      .map(([k, v]) => [clip(k, NOTIFICATION_LIMITS.labelName), clip(v, NOTIFICATION_LIMITS.labelValue)]),
  ),
);

const alert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: clipped(64),
  endsAt: clipped(64).default(''),
  generatorURL: clipped(4096).default(''),
  fingerprint: z.string().regex(/^[0-9a-f]{1,32}$/),
});

export const notificationSchema = z
  .object({
    version: z.literal('4'),
    groupKey: z.string().min(1),
    truncatedAlerts: z.number().int().min(0).default(0),
    status: z.enum(['firing', 'resolved']),
    receiver: clipped(256),
    groupLabels: labelSet,
    commonLabels: labelSet,
    commonAnnotations: labelSet.default({}),
    externalURL: clipped(4096).default(''),
    alerts: z.array(alert).min(1),
  })
  .transform((n) =>
    n.alerts.length <= NOTIFICATION_LIMITS.alerts
      ? n
      : {
          ...n,
          alerts: n.alerts.slice(0, NOTIFICATION_LIMITS.alerts),
          truncatedAlerts: n.truncatedAlerts + n.alerts.length - NOTIFICATION_LIMITS.alerts,
        },
  );

export type Notification = z.infer<typeof notificationSchema>;
export type Alert = Notification['alerts'][number];

/** What the payload lacks, in one line a sender can act on; or the notification. */
export function parseNotification(json: unknown): { notification: Notification } | { problem: string } {
  const result = notificationSchema.safeParse(json);
  if (result.success) return { notification: result.data };
  const first = result.error.issues[0]!;
  const where = first.path.length > 0 ? first.path.join('.') : 'the payload';
  return { problem: `${where}: ${first.message}` };
}

/** A short stable id of an Alertmanager group key (the key itself may be long): the job's and the row's key. */
export const groupId = (groupKey: string): string => createHash('sha256').update(groupKey).digest('hex').slice(0, 32);

/** Each alert's fingerprint and status, sorted: two deliveries with the same state change nothing. */
export function alertStates(alerts: readonly Alert[]): Record<string, Alert['status']> {
  const states: Record<string, Alert['status']> = {};
  for (const a of [...alerts].sort((x, y) => x.fingerprint.localeCompare(y.fingerprint)))
    states[a.fingerprint] = a.status;
  return states;
}
