import type { Pool } from '../../integrations/postgres.js';

/** A claim nobody finished within this long is abandoned (its worker died, Slack was down): another job may take it. */
export const STALE_CLAIM_MS = 10 * 60_000;

export interface ScheduleRecord {
  id: string;
  pattern: string;
  tz: string;
  channel: string;
  /** Since when this pattern and time zone hold: ticks before it were never due. */
  since: Date;
}

export interface PostRecord {
  scheduler: string;
  tickAt: Date;
  channel: string;
  state: 'claimed' | 'posted';
  jobId: string;
  messageTs?: string;
  postedAt?: Date;
  late: boolean;
  snapshotId?: string;
}

export type Claim =
  /** This job holds the tick: post (or, when `messageTs` is set, edit the message an earlier attempt posted). */
  | { kind: 'claimed'; messageTs?: string; resumed: boolean }
  /** Another job holds or has finished the tick: post nothing. */
  | { kind: 'taken'; state: 'claimed' | 'posted'; jobId: string };

/**
 * The daily posts' ledger. The row for a tick is written before anything is posted, so the post is
 * made once per tick across every replica: a second job for the same tick (another process's catch-up,
 * a redelivery) finds the row and posts nothing.
 */
export class StatusPosts {
  constructor(private readonly pool: Pool) {}

  /** Records the schedule a process registers; `since` moves only when the pattern or time zone changes. */
  async registerSchedule(id: string, pattern: string, tz: string, channel: string): Promise<ScheduleRecord> {
    const { rows } = await this.pool.query(
      `INSERT INTO status_schedules AS s (id, pattern, tz, channel) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET
         since = CASE WHEN s.pattern = EXCLUDED.pattern AND s.tz = EXCLUDED.tz THEN s.since ELSE clock_timestamp() END,
         pattern = EXCLUDED.pattern, tz = EXCLUDED.tz, channel = EXCLUDED.channel, updated_at = clock_timestamp()
       RETURNING *`,
      [id, pattern, tz, channel],
    );
    return toSchedule(rows[0] as Record<string, unknown>);
  }

  async schedule(id: string): Promise<ScheduleRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM status_schedules WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toSchedule(rows[0] as Record<string, unknown>);
  }

  /**
   * Claims the tick for `jobId`: a new row, or the same job's earlier attempt (a retry resumes), or a
   * claim abandoned for `staleAfterMs` (taken over). Anything else is taken.
   */
  async claim(input: {
    scheduler: string;
    tickAt: Date;
    channel: string;
    jobId: string;
    staleAfterMs?: number;
  }): Promise<Claim> {
    const { scheduler, tickAt, channel, jobId } = input;
    const inserted = await this.pool.query(
      `INSERT INTO status_posts (scheduler, tick_at, channel, state, job_id) VALUES ($1, $2, $3, 'claimed', $4)
       ON CONFLICT (scheduler, tick_at) DO NOTHING RETURNING *`,
      [scheduler, tickAt, channel, jobId],
    );
    if (inserted.rows.length > 0) return { kind: 'claimed', resumed: false };
    const resumed = await this.pool.query(
      `UPDATE status_posts SET job_id = $3, claimed_at = clock_timestamp()
        WHERE scheduler = $1 AND tick_at = $2 AND state = 'claimed'
          AND (job_id = $3 OR claimed_at < clock_timestamp() - make_interval(secs => $4::double precision / 1000))
        RETURNING *`,
      [scheduler, tickAt, jobId, input.staleAfterMs ?? STALE_CLAIM_MS],
    );
    const row = resumed.rows[0] as Record<string, unknown> | undefined;
    if (row !== undefined)
      return { kind: 'claimed', resumed: true, ...(row.message_ts ? { messageTs: String(row.message_ts) } : {}) };
    const current = await this.post(scheduler, tickAt);
    return { kind: 'taken', state: current?.state ?? 'posted', jobId: current?.jobId ?? '?' };
  }

  /** The message the holder posted, so a retry edits it instead of posting again. */
  async setMessage(scheduler: string, tickAt: Date, jobId: string, messageTs: string): Promise<void> {
    await this.pool.query(
      'UPDATE status_posts SET message_ts = $4 WHERE scheduler = $1 AND tick_at = $2 AND job_id = $3',
      [scheduler, tickAt, jobId, messageTs],
    );
  }

  /** Done: the message carries the report. False when the claim was taken over meanwhile. */
  async markPosted(
    scheduler: string,
    tickAt: Date,
    jobId: string,
    details: { late: boolean; snapshotId?: string },
  ): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE status_posts SET state = 'posted', posted_at = clock_timestamp(), late = $4, snapshot_id = $5
        WHERE scheduler = $1 AND tick_at = $2 AND job_id = $3 AND state = 'claimed'`,
      [scheduler, tickAt, jobId, details.late, details.snapshotId ?? null],
    );
    return (rowCount ?? 0) > 0;
  }

  async post(scheduler: string, tickAt: Date): Promise<PostRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM status_posts WHERE scheduler = $1 AND tick_at = $2', [
      scheduler,
      tickAt,
    ]);
    return rows[0] === undefined ? undefined : toPost(rows[0] as Record<string, unknown>);
  }

  /** The latest finished post for a tick before `before` (all of them when absent). */
  async lastPosted(scheduler: string, before?: Date): Promise<PostRecord | undefined> {
    const { rows } = await this.pool.query(
      `SELECT * FROM status_posts
        WHERE scheduler = $1 AND state = 'posted' AND ($2::timestamptz IS NULL OR tick_at < $2)
        ORDER BY tick_at DESC LIMIT 1`,
      [scheduler, before ?? null],
    );
    return rows[0] === undefined ? undefined : toPost(rows[0] as Record<string, unknown>);
  }

  /** Every post of a scheduler, oldest first (tests and the schedule view). */
  async list(scheduler: string, limit = 100): Promise<PostRecord[]> {
    const { rows } = await this.pool.query(
      'SELECT * FROM status_posts WHERE scheduler = $1 ORDER BY tick_at DESC LIMIT $2',
      [scheduler, limit],
    );
    return rows.map((r) => toPost(r as Record<string, unknown>)).reverse();
  }
}

function toSchedule(row: Record<string, unknown>): ScheduleRecord {
  return {
    id: String(row.id),
    pattern: String(row.pattern),
    tz: String(row.tz),
    channel: String(row.channel),
    since: row.since as Date,
  };
}

function toPost(row: Record<string, unknown>): PostRecord {
  return {
    scheduler: String(row.scheduler),
    tickAt: row.tick_at as Date,
    channel: String(row.channel),
    state: row.state as PostRecord['state'],
    jobId: String(row.job_id),
    ...(row.message_ts !== null ? { messageTs: String(row.message_ts) } : {}),
    ...(row.posted_at !== null ? { postedAt: row.posted_at as Date } : {}),
    late: Boolean(row.late),
    ...(row.snapshot_id !== null ? { snapshotId: String(row.snapshot_id) } : {}),
  };
}
