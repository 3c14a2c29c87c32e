import { isDeepStrictEqual } from 'node:util';
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Command } from '../contracts/commands.js';
import { UsageError } from '../errors.js';
import { decodeIncidentValue, INCIDENT_ACTIONS, type IncidentButtonValue } from '../features/incidents/buttons.js';
import { podOwner } from '../features/incidents/owner.js';
import { GROUP_ID } from '../features/incidents/silence-command.js';
import { alertTarget } from '../features/incidents/target.js';
import { escapeMrkdwn } from '../message.js';
import { TAIL_DEFAULT } from '../features/inspect/command.js';
import { slackChat } from '../integrations/slack.js';
import { dispatch, type SlackHandlerDeps } from './dispatch.js';
import { clickActor } from './missing-fields.js';

/** Every action id the incident buttons carry (src/features/incidents/buttons.ts): these handlers take them all. */
export const INCIDENT_ACTION_IDS = [
  INCIDENT_ACTIONS.restart,
  `${INCIDENT_ACTIONS.silence}-1h`,
  `${INCIDENT_ACTIONS.silence}-4h`,
  INCIDENT_ACTIONS.logs,
  INCIDENT_ACTIONS.events,
] as const;

const NOT_OURS = 'This button does not carry an incident carbon-ops posted; nothing was done.';

/** The reason a restart from an incident post carries into its plan and the audit trail. */
export const INCIDENT_RESTART_REASON = 'asked with the Restart button of an incident post';

/**
 * The command a click means, built directly (like the plan's Approve): Restart → `restart KIND/NAME -n NS` (a
 * pod's owner read from its name), Silence → `silence GROUP --for 1h|4h`, Logs → `logs`, Events → `events`.
 * A value carbon-ops did not write is a usage error, shown to the clicker only.
 */
export function incidentCommand(actionId: string, value: IncidentButtonValue | undefined): Command {
  if (value === undefined || !written(value)) throw new UsageError(NOT_OURS);
  if (actionId.startsWith(INCIDENT_ACTIONS.silence)) {
    if (value.groupKey === undefined || (value.hours !== 1 && value.hours !== 4)) throw new UsageError(NOT_OURS);
    return { name: 'silence', group: value.groupKey, minutes: value.hours * 60 };
  }
  const { target } = value;
  if (target === undefined) throw new UsageError(NOT_OURS);
  const namespace = target.namespace;
  if (actionId === INCIDENT_ACTIONS.restart) {
    const workload = target.kind === 'pod' ? podOwner(target.name) : { kind: target.kind, name: target.name };
    if (workload === undefined)
      throw new UsageError(
        `Pod \`${escapeMrkdwn(target.name)}\` belongs to no Deployment or StatefulSet carbon-ops can restart; ` +
          'ask `/carbon describe` for its owner.',
      );
    return { name: 'restart', target: workload, namespace, reason: INCIDENT_RESTART_REASON };
  }
  if (actionId === INCIDENT_ACTIONS.logs)
    return {
      name: 'logs',
      target: { kind: target.kind, name: target.name },
      namespace,
      previous: false,
      tail: TAIL_DEFAULT,
    };
  return { name: 'events', target: { kind: target.kind, name: target.name }, namespace };
}

/** A value as carbon-ops writes it (buttons are user input): a group id and Kubernetes names, or nothing. */
function written(value: IncidentButtonValue): boolean {
  if (value.groupKey !== undefined && !GROUP_ID.test(value.groupKey)) return false;
  const t = value.target;
  return t === undefined || isDeepStrictEqual(alertTarget({ namespace: t.namespace, [t.kind]: t.name }), t);
}

/**
 * The incident buttons, under an alert group's message or a failing pod's: each click is its command from
 * whoever clicked, through dispatch (the policy, the audit of a refusal, the job), answered in the post's
 * thread, so a restart's plan, approval and rollout, a silence and a log all stay with the incident.
 */
export function registerIncidentButtons(app: App, deps: SlackHandlerDeps): void {
  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: new RegExp(`^(?:${INCIDENT_ACTION_IDS.join('|')})$`) },
    async ({ ack, body, action, client }) => {
      await ack();
      const chat = slackChat(client, deps.metrics);
      // The incident post's thread: the post's own ts, or its thread's when the post is itself a reply.
      const post = body.message?.thread_ts ?? body.message?.ts ?? body.container?.message_ts;
      const actor = await clickActor(body, action, { message_ts: post }, deps, chat);
      if (actor === undefined || post === undefined) return;
      await dispatch(
        {
          text: action.action_id,
          build: () => incidentCommand(action.action_id, decodeIncidentValue(action.value)),
          actor,
          threadTs: post,
        },
        { ...deps, chat },
      );
    },
  );
}
