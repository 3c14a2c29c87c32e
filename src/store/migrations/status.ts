import type { Migration } from './migration.js';

/** Daily status posts and handoffs: versions 30–39. */
export const STATUS_MIGRATIONS: readonly Migration[] = [
  {
    version: 30,
    name: 'status schedules and posts',
    // status_schedules: the schedule each process registers on start, and since when its pattern and time
    // zone hold, so a tick from before that was never due and is not caught up.
    // status_posts: one row per tick, written (claimed) before anything is posted, so however many
    // replicas run and however often a tick's job is delivered, one message is posted per tick.
    sql: `
      CREATE TABLE status_schedules (
        id          text PRIMARY KEY,             -- the BullMQ job scheduler id
        pattern     text NOT NULL,                -- cron, read in tz
        tz          text NOT NULL,
        channel     text NOT NULL,
        since       timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE TABLE status_posts (
        scheduler   text NOT NULL,
        tick_at     timestamptz NOT NULL,         -- the cron time this post is for
        channel     text NOT NULL,
        state       text NOT NULL CHECK (state IN ('claimed', 'posted')),
        job_id      text NOT NULL,                -- the job holding the claim
        claimed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
        message_ts  text,                         -- the Slack message, once posted: a retry edits it
        posted_at   timestamptz,
        late        boolean NOT NULL DEFAULT false,
        snapshot_id bigint REFERENCES health_snapshots (id),
        PRIMARY KEY (scheduler, tick_at)
      );
      CREATE INDEX status_posts_posted ON status_posts (scheduler, tick_at DESC) WHERE state = 'posted';
    `,
  },
  {
    version: 31,
    name: 'vault coverage snapshots',
    // Vault coverage as measured for a status post or a handoff (cluster-wide): what the handoff's key
    // metrics start from, as health_snapshots are for health. Counts only, never a key's value.
    sql: `
      CREATE TABLE vault_coverage_snapshots (
        id        bigserial PRIMARY KEY,
        taken_at  timestamptz NOT NULL,
        cluster   text NOT NULL,
        in_vault  integer NOT NULL CHECK (in_vault >= 0),
        total     integer NOT NULL CHECK (total >= in_vault),
        job_id    text
      );
      CREATE INDEX vault_coverage_snapshots_cluster_time ON vault_coverage_snapshots (cluster, taken_at DESC);
    `,
  },
];
