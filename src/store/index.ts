import type { Pool } from '../integrations/postgres.js';
import { HealthSnapshots } from './health-snapshots.js';
import { migrate } from './migrate.js';

/** The bot's PostgreSQL: one repository per concern over a shared pool. */
export class Store {
  readonly health: HealthSnapshots;

  constructor(readonly pool: Pool) {
    this.health = new HealthSnapshots(pool);
  }

  migrate(): Promise<number[]> {
    return migrate(this.pool);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
