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
}

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
   * `record` commits at once, not at the end, so a message posted and recorded stays known however the rest
   * of the job goes: a retry edits it instead of posting a second one.
   */
  async withGroup<T>(
    fresh: Omit<AlertGroup, 'messageTs' | 'states' | 'receivedAt'>,
    work: (group: AlertGroup, record: (change: GroupChange) => Promise<void>) => Promise<T>,
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
          await client.query(
            `UPDATE alert_groups SET message_ts = $2, status = $3, group_labels = $4, common_labels = $5, states = $6,
                    received_at = $7, updated_at = clock_timestamp() WHERE group_id = $1`,
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
        };
        return await work(fromRow(rows[0]!), record);
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
