import { z } from 'zod';
import { createHash } from 'node:crypto';

/**
 * Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config),
 * bounded: a payload past these bounds is refused whole (413/400) rather than shown in part.
 */
export const NOTIFICATION_LIMITS = {
  /** Bytes of the request body. Alertmanager's `max_alerts` (0: all) bounds a group's alerts; 1 MiB holds thousands. */
  bodyBytes: 1024 * 1024,
  alerts: 5000,
  labels: 64,
  labelValue: 4096,
} as const;

const labelSet = z
  .record(z.string().max(256), z.string().max(NOTIFICATION_LIMITS.labelValue))
  .refine((labels) => Object.keys(labels).length <= NOTIFICATION_LIMITS.labels, {
    message: `at most ${NOTIFICATION_LIMITS.labels} labels`,
  });

const alert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: z.string().max(64),
  endsAt: z.string().max(64).default(''),
  generatorURL: z.string().max(4096).default(''),
  fingerprint: z.string().regex(/^[0-9a-f]{1,32}$/),
});

export const notificationSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1).max(4096),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(256),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().max(4096).default(''),
  alerts: z.array(alert).min(1).max(NOTIFICATION_LIMITS.alerts),
});

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
