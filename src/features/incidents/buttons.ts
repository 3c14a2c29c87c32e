import type { KnownBlock } from '@slack/types';
import type { InspectKind } from '../../contracts/commands.js';

/**
 * The buttons under an incident post (an Alertmanager alert group or a failing pod of a critical
 * service): the same four actions whatever raised the incident. Their handlers live beside the
 * Alertmanager receiver; the pod watch only renders them.
 */
export const INCIDENT_ACTIONS = {
  restart: 'incident-restart',
  silence: 'incident-silence',
  logs: 'incident-logs',
  events: 'incident-events',
} as const;

export type IncidentAction = (typeof INCIDENT_ACTIONS)[keyof typeof INCIDENT_ACTIONS];

/** What an incident is about: a workload or a pod, in a namespace. */
export interface IncidentTarget {
  namespace: string;
  kind: InspectKind;
  name: string;
}

/** A button's value (Slack caps it at 2,000 characters; names are at most 253). */
export interface IncidentButtonValue {
  /** The workload, when the incident names one: Restart, Logs and Events need it. */
  target?: IncidentTarget;
  /**
   * The Alertmanager group the post shows, when an alert raised it: its id (alert_groups.group_id, a digest of
   * the groupKey, which may be longer than a button value allows). Silence finds the group's matchers by it.
   */
  groupKey?: string;
  /** Silence buttons only: the silence's length in hours. */
  hours?: number;
}

export const encodeIncidentValue = (value: IncidentButtonValue): string => JSON.stringify(value);

/** A clicked button's value, or undefined when it is not one carbon-ops wrote (buttons are user input). */
export function decodeIncidentValue(raw: string | undefined): IncidentButtonValue | undefined {
  try {
    const value = JSON.parse(raw ?? '') as Partial<IncidentButtonValue> | null;
    if (typeof value !== 'object' || value === null) return undefined;
    const t = value.target;
    const kinds: readonly string[] = ['pod', 'deployment', 'statefulset'];
    if (t !== undefined && (typeof t.namespace !== 'string' || typeof t.name !== 'string' || !kinds.includes(t.kind)))
      return undefined;
    if (value.groupKey !== undefined && typeof value.groupKey !== 'string') return undefined;
    if (t === undefined && value.groupKey === undefined) return undefined;
    return value as IncidentButtonValue;
  } catch {
    return undefined;
  }
}

/**
 * Restart (a pod's owner is resolved by the handler), Logs and Events when the value names a target;
 * Silence 1h/4h (alerts only) when `silence`, with or without a target.
 */
export function incidentButtons(
  blockId: string,
  value: IncidentButtonValue,
  options: { silence: boolean },
): KnownBlock {
  const button = (actionId: IncidentAction, text: string, extra: Partial<IncidentButtonValue> = {}) => ({
    type: 'button' as const,
    action_id: actionId,
    text: { type: 'plain_text' as const, text },
    value: encodeIncidentValue({ ...value, ...extra }),
  });
  return {
    type: 'actions',
    block_id: blockId,
    elements: [
      ...(value.target !== undefined ? [button(INCIDENT_ACTIONS.restart, 'Restart')] : []),
      ...(options.silence
        ? [
            {
              ...button(INCIDENT_ACTIONS.silence, 'Silence 1h', { hours: 1 }),
              action_id: `${INCIDENT_ACTIONS.silence}-1h`,
            },
            {
              ...button(INCIDENT_ACTIONS.silence, 'Silence 4h', { hours: 4 }),
              action_id: `${INCIDENT_ACTIONS.silence}-4h`,
            },
          ]
        : []),
      ...(value.target !== undefined
        ? [button(INCIDENT_ACTIONS.logs, 'Logs'), button(INCIDENT_ACTIONS.events, 'Events')]
        : []),
    ],
  };
}
