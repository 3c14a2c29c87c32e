import type { Pool } from '../../integrations/postgres.js';
import type { Alert } from './notification.js';

/** An Alertmanager group as carbon-ops last showed it. */
export interface AlertGroup {
  groupId: string;
  groupKey: string;
  channel: string;
  /** The group's message, once posted. */
  messageTs?: string;
  status: Alert['status'];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  /** fingerprint → status, as last shown. */
  states: Record<string, Alert['status']>;
  /** When the notification shown reached the bot. */
  receivedAt?: Date;
  /** A post about to be made (saved before it, cleared once its ts is recorded). */
  pendingPost?: PendingPost;
}

/**
 * A post the job is about to make: its key (carried in the message's metadata), when, in which thread (none:
 * the group's message itself), and what the job records once it is made, so a retry that finds the post in
 * Slack records what the job that died would have.
 */
export interface PendingPost {
  key: string;
  since: Date;
  threadTs?: string;
  change: GroupChange;
}

interface Row {
  group_id: string;
  group_key: string;
  channel: string;
  message_ts: string | null;
  status: Alert['status'];
  group_labels: Record<string, string>;
  common_labels: Record<string, string>;
  states: Record<string, Alert['status']>;
  received_at: Date | null;
  pending_post: (Omit<PendingPost, 'since' | 'change'> & { since: string; change: StoredChange }) | null;
}

type StoredChange = Omit<GroupChange, 'receivedAt'> & { receivedAt: string };

const pendingFromRow = (stored: NonNullable<Row['pending_post']>): PendingPost => ({
  ...stored,
  since: new Date(stored.since),
  change: { ...stored.change, receivedAt: new Date(stored.change.receivedAt) },
});

const fromRow = (row: Row): AlertGroup => ({
  groupId: row.group_id,
  groupKey: row.group_key,
  channel: row.channel,
  ...(row.message_ts !== null ? { messageTs: row.message_ts } : {}),
  status: row.status,
  groupLabels: row.group_labels,
  commonLabels: row.common_labels,
  states: row.states,
  ...(row.received_at !== null ? { receivedAt: row.received_at } : {}),
  ...(row.pending_post !== null ? { pendingPost: pendingFromRow(row.pending_post) } : {}),
});

/** What a notification changes of a group: its message, status, labels and states. */
export type GroupChange = Pick<AlertGroup, 'messageTs' | 'status' | 'groupLabels' | 'commonLabels' | 'states'> & {
  receivedAt: Date;
};

/** Alert groups → their Slack message, in PostgreSQL so every replica agrees. */
export class AlertGroups {
  constructor(private readonly pool: Pool) {}

  async get(groupId: string): Promise<AlertGroup | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM alert_groups WHERE group_id = $1', [groupId]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /**
   * Runs `work` holding the group's lock (a session advisory lock, the row created first when new, as `fresh`
   * with no message): a second delivery of the same group waits, then sees what the first one showed. Each
   * `record` (which clears the pending post and returns the group as recorded) and each `intend` (which saves
   * the post about to be made) commits at once, not at the end, so a message posted and recorded stays known
   * however the rest of the job goes: a retry edits it instead of posting a second one.
   */
  async withGroup<T>(
    fresh: Omit<AlertGroup, 'messageTs' | 'states' | 'receivedAt' | 'pendingPost'>,
    work: (
      group: AlertGroup,
      record: (change: GroupChange) => Promise<AlertGroup>,
      intend: (post: PendingPost | undefined) => Promise<void>,
    ) => Promise<T>,
  ): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [fresh.groupId]);
      try {
        await client.query(
          `INSERT INTO alert_groups (group_id, group_key, channel, status, group_labels, common_labels)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (group_id) DO NOTHING`,
          [fresh.groupId, fresh.groupKey, fresh.channel, fresh.status, fresh.groupLabels, fresh.commonLabels],
        );
        const { rows } = await client.query<Row>('SELECT * FROM alert_groups WHERE group_id = $1', [fresh.groupId]);
        const record = async (change: GroupChange) => {
          const updated = await client.query<Row>(
            `UPDATE alert_groups SET message_ts = $2, status = $3, group_labels = $4, common_labels = $5, states = $6,
                    received_at = $7, pending_post = NULL, updated_at = clock_timestamp() WHERE group_id = $1
             RETURNING *`,
            [
              fresh.groupId,
              change.messageTs ?? null,
              change.status,
              change.groupLabels,
              change.commonLabels,
              change.states,
              change.receivedAt,
            ],
          );
          return fromRow(updated.rows[0]!);
        };
        const intend = async (post: PendingPost | undefined) => {
          await client.query('UPDATE alert_groups SET pending_post = $2 WHERE group_id = $1', [
            fresh.groupId,
            post === undefined ? null : JSON.stringify(post),
          ]);
        };
        return await work(fromRow(rows[0]!), record, intend);
      } finally {
        // A connection that cannot unlock is destroyed (its lock goes with it), never put back in the pool.
        await client
          .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [fresh.groupId])
          .catch((error: Error) => (broken = error));
      }
    } finally {
      client.release(broken ?? false);
    }
  }
}
