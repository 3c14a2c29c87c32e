import type { Migration } from './migration.js';

/** Incidents (Alertmanager alert groups): versions 50–59. */
export const INCIDENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 50,
    name: 'alert groups',
    // One Slack message per Alertmanager group (groupKey), shared by every replica: the row is claimed
    // (SELECT … FOR UPDATE) before anything is posted, so concurrent or redelivered notifications post once.
    // `states`: each alert's fingerprint → firing|resolved as last shown; a delivery with the same states changes nothing.
    sql: `
      CREATE TABLE alert_groups (
        group_id      text PRIMARY KEY,             -- sha256 of the group key, shortened
        group_key     text NOT NULL,
        channel       text NOT NULL,
        message_ts    text,                         -- the group's message once posted; changes go in its thread
        status        text NOT NULL CHECK (status IN ('firing', 'resolved')),
        group_labels  jsonb NOT NULL,
        common_labels jsonb NOT NULL,
        states        jsonb NOT NULL DEFAULT '{}',
        created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at    timestamptz NOT NULL DEFAULT clock_timestamp()
      );
    `,
  },
  {
    version: 51,
    name: 'alert groups: when the notification shown was received',
    // A notification that reached the bot before the one shown (its job retried or slow) is not shown over it.
    sql: `ALTER TABLE alert_groups ADD COLUMN received_at timestamptz;`,
  },
];

/** Incidents, later: versions 80–89 (applied after the health ones, 60–69). */
export const LATER_INCIDENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 80,
    name: 'alert groups: the post about to be made',
    // Saved before a post, cleared when its ts is recorded: a retry after a crash in between looks for the post
    // in Slack (its key is in the message's metadata) and records it instead of posting it again.
    sql: `ALTER TABLE alert_groups ADD COLUMN pending_post jsonb;`,
  },
];
