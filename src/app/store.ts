import type { Pool } from '../integrations/postgres.js';
import type { Metrics } from '../contracts/metrics.js';
import { AuditLog } from '../store/audit-log.js';
import { Benchmarks } from '../features/bench/store.js';
import { CoverageSnapshots } from '../features/vault/coverage-store.js';
import { AlertGroups } from '../features/incidents/store.js';
import { HealthSnapshots } from '../features/health/store.js';
import { PhaseApplies } from '../features/phases/apply-store.js';
import { PhaseStore } from '../features/phases/store.js';
import { RestartRequests } from '../features/restart/store.js';
import { StatusPosts } from '../features/status/store.js';
import { VaultMigrations } from '../features/vault/store.js';

/**
 * The bot's PostgreSQL: one repository per concern over a shared pool, as the bot's own role (it may
 * read and write rows, never change the schema: app/deps.ts `openStore` migrates with the owner's).
 */
export class Store {
  readonly health: HealthSnapshots;
  readonly audit: AuditLog;
  readonly restarts: RestartRequests;
  readonly benchmarks: Benchmarks;
  readonly statusPosts: StatusPosts;
  readonly vaultCoverage: CoverageSnapshots;
  readonly phases: PhaseStore;
  readonly phaseApplies: PhaseApplies;
  readonly vaultMigrations: VaultMigrations;
  readonly alertGroups: AlertGroups;

  /** `metrics` counts the audit rows that could not be written; none counted when absent. */
  constructor(
    readonly pool: Pool,
    metrics?: Metrics,
  ) {
    this.health = new HealthSnapshots(pool);
    this.audit = new AuditLog(pool, metrics);
    this.restarts = new RestartRequests(pool, this.audit);
    this.benchmarks = new Benchmarks(pool);
    this.statusPosts = new StatusPosts(pool);
    this.vaultCoverage = new CoverageSnapshots(pool);
    this.phases = new PhaseStore(pool);
    this.phaseApplies = new PhaseApplies(pool, this.audit);
    this.vaultMigrations = new VaultMigrations(pool, this.audit);
    this.alertGroups = new AlertGroups(pool);
  }

  /** The role the store works as: DATABASE_URL's, the one the migrations grant the runtime privileges to. */
  async role(): Promise<string> {
    const { rows } = await this.pool.query<{ role: string }>('SELECT current_user AS role');
    return rows[0]!.role;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
