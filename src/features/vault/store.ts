import type { WorkloadKind } from '../../catalogue.js';
import type { ClusterInfo } from '../../integrations/kubernetes.js';
import type { Pool } from '../../integrations/postgres.js';
import type { Consumer } from './consumers.js';
import {
  ApprovalRequests,
  approvalFromRow,
  optional,
  type ApprovalRequest,
  type ApprovalTable,
  type NewApproval,
} from '../../approvals/store.js';
import type { AuditEntry, AuditLog } from '../../store/audit-log.js';
import { withTransaction } from '../../store/transaction.js';

/**
 * Nothing in this file ever holds a secret value: keys are described by name, target path, length and
 * a keyed fingerprint (src/features/vault/fingerprint.ts).
 */

/**
 * create: the path is new (check-and-set 0); update: it holds another value (cas = its version); present: it already
 * holds this value.
 */
export type KeyAction = 'create' | 'update' | 'present';
export type KeyState = 'planned' | 'written' | 'verified' | 'conflict' | 'failed' | 'removed' | 'restored';

export interface PlannedKey {
  key: string;
  /** Under the mount: `<path>/<key>`. */
  targetPath: string;
  length: number;
  /** 16 hex digits of the keyed HMAC; messages show 8. */
  fingerprint: string;
  /** Why it is moved: `name`, `value: <shape>`, or `asked` (named with --keys). */
  foundBy: string;
  action: KeyAction;
  /** The path's current version in Vault when planned; 0 when it did not exist. */
  baseVersion: number;
}

/** A key's new state (undefined: as it is), its Vault version (undefined: as it is) and why (undefined: none). */
export interface KeyUpdate {
  key: string;
  state?: KeyState | undefined;
  vaultVersion?: number | undefined;
  detail?: string | undefined;
}

export interface KeyRecord extends PlannedKey {
  state: KeyState;
  vaultVersion?: number;
  detail?: string;
}

/** The plan as posted and stored: names, paths, lengths, fingerprints, consumers. */
export interface VaultPlan {
  cluster: ClusterInfo;
  vault: { addr: string; version: string; simulated: boolean };
  keys: PlannedKey[];
  /** Secret-looking keys left out (by --keys), and keys of --keys that are missing: names and why. */
  skipped: { key: string; why: string }[];
  /** Keys the ConfigMap has that are not secrets: they stay. */
  staying: number;
  consumers: Consumer[];
  steps: string[];
  /**
   * Asked with --apps-read-vault-files: the apps read /vault/secrets/<KEY>, so the cutover may remove keys they read
   * through envFrom or a whole volume.
   */
  appsReadVaultFiles?: boolean;
  /** Asked with --overwrite: existing secrets carbon-ops did not write, or with other fields, may be replaced. */
  overwrite?: boolean;
}

export interface VaultMigration extends ApprovalRequest {
  cluster: string;
  namespace: string;
  configMap: string;
  mount: string;
  path: string;
  cutover: boolean;
  reason?: string;
  plan: VaultPlan;
  rolledBackAt?: Date;
  rolledBackBy?: string;
  rollbackJob?: string;
  rollbackResult?: string;
}

/** What the planning job gives: the approval columns, and the migration's own but its rollback (recorded later). */
export type NewVaultMigration = NewApproval &
  Omit<VaultMigration, keyof ApprovalRequest | 'rolledBackAt' | 'rolledBackBy' | 'rollbackJob' | 'rollbackResult'>;

export interface WorkloadRecord {
  kind: WorkloadKind;
  name: string;
  added: string[];
  state: 'annotating' | 'annotated' | 'restored';
}

export const configMapTarget = (m: Pick<VaultMigration, 'namespace' | 'configMap'>): string =>
  `${m.namespace}/configmap/${m.configMap}`;

export function migrateLine(
  m: Pick<VaultMigration, 'namespace' | 'configMap' | 'mount' | 'path' | 'cutover' | 'plan'>,
): string {
  const keys = m.plan.keys.map((k) => k.key).join(',');
  return (
    `vault migrate configmap/${m.configMap} -n ${m.namespace} --keys ${keys} --mount ${m.mount} --path ` +
    `${m.path}${m.cutover ? ' --cutover' : ''}${m.plan.appsReadVaultFiles ? ' --apps-read-vault-files' : ''}` +
    `${m.plan.overwrite ? ' --overwrite' : ''}`
  );
}

export const VAULT_MIGRATION_TABLE: ApprovalTable<VaultMigration> = {
  table: 'vault_migrations',
  actsOn: ['cluster', 'namespace', 'configmap'],
  action: 'vault-migrate',
  fromRow: toMigration,
  describe: (m) => ({
    command: migrateLine(m),
    target: configMapTarget(m),
    ...(m.reason ? { reason: m.reason } : {}),
    cluster: m.cluster,
  }),
};

/**
 * ConfigMap → Vault migrations on the shared approval mechanism, with the state of each key and of each
 * workload a cutover annotated, recorded after every step so a re-run or another worker continues.
 */
export class VaultMigrations extends ApprovalRequests<VaultMigration> {
  constructor(pool: Pool, audit: AuditLog) {
    super(pool, audit, VAULT_MIGRATION_TABLE);
  }

  /**
   * Creates the migration (with its `requested` audit row) and its planned keys in one transaction; a retried planning
   * job gets the one it made.
   */
  async create(input: NewVaultMigration, jobId: string): Promise<{ request: VaultMigration; created: boolean }> {
    const columns = {
      cluster: input.cluster,
      namespace: input.namespace,
      configmap: input.configMap,
      mount: input.mount,
      path: input.path,
      cutover: input.cutover,
      reason: input.reason ?? null,
      plan: JSON.stringify(input.plan),
    };
    return this.insert(input, columns, jobId, async (request, client) => {
      const keys = request.plan.keys;
      if (keys.length === 0) return;
      const rows = keys.map(
        (_, i) => `($1, ${[2, 3, 4, 5, 6, 7, 8].map((n) => `$${n + i * 7}`).join(', ')}, 'planned')`,
      );
      await client.query(
        `INSERT INTO vault_migration_keys
           (migration_id, key, target_path, length, fingerprint, found_by, action, base_version, state)
         VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING`,
        [
          request.id,
          ...keys.flatMap((k) => [k.key, k.targetPath, k.length, k.fingerprint, k.foundBy, k.action, k.baseVersion]),
        ],
      );
    });
  }

  /** approved → running, with the `started` audit row, before anything is written to Vault. */
  start(id: string, jobId: string): Promise<VaultMigration | undefined> {
    return this.begin(id, jobId, 'writing the planned keys to Vault (check-and-set), then reading each back');
  }

  async keys(id: string): Promise<KeyRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM vault_migration_keys WHERE migration_id = $1 ORDER BY key', [
      id,
    ]);
    return rows.map(toKey);
  }

  /** A key's new state (undefined: as it is, e.g. to say why it stopped), with its Vault version and why. */
  async setKey(
    id: string,
    key: string,
    state: KeyState | undefined,
    extra: { vaultVersion?: number; detail?: string } = {},
  ): Promise<void> {
    await this.pool.query(
      `UPDATE vault_migration_keys
          SET state = COALESCE($3, state), vault_version = COALESCE($4, vault_version), detail = $5, updated_at = now()
        WHERE migration_id = $1 AND key = $2`,
      [id, key, state ?? null, extra.vaultVersion ?? null, extra.detail ?? null],
    );
  }

  /**
   * Several keys' new states in one statement, each as setKey would set it (a migration's group commit:
   * src/features/vault/key-states.ts).
   */
  async setKeys(id: string, updates: readonly KeyUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.pool.query(
      `UPDATE vault_migration_keys k
          SET state = COALESCE(u.state, k.state), vault_version = COALESCE(u.vault_version, k.vault_version),
              detail = u.detail, updated_at = now()
         FROM unnest($2::text[], $3::text[], $4::integer[], $5::text[]) AS u (key, state, vault_version, detail)
        WHERE k.migration_id = $1 AND k.key = u.key`,
      [
        id,
        updates.map((u) => u.key),
        updates.map((u) => u.state ?? null),
        updates.map((u) => u.vaultVersion ?? null),
        updates.map((u) => u.detail ?? null),
      ],
    );
  }

  async workloads(id: string): Promise<WorkloadRecord[]> {
    const { rows } = await this.pool.query(
      'SELECT * FROM vault_migration_workloads WHERE migration_id = $1 ORDER BY kind, name',
      [id],
    );
    return rows.map((row) => ({
      kind: row.kind as WorkloadKind,
      name: String(row.name),
      added: (row.added as string[]) ?? [],
      state: row.state as WorkloadRecord['state'],
    }));
  }

  async setWorkload(id: string, workload: WorkloadRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO vault_migration_workloads (migration_id, kind, name, added, state) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (migration_id, kind, name)
         DO UPDATE SET added = EXCLUDED.added, state = EXCLUDED.state, updated_at = now()`,
      [id, workload.kind, workload.name, workload.added, workload.state],
    );
  }

  /** The rollback's audit row. */
  rollbackEntry(
    m: VaultMigration,
    extra: Omit<AuditEntry, 'action' | 'command' | 'target' | 'requestId' | 'cluster' | 'threadLink'>,
  ): AuditEntry {
    return {
      action: 'vault-rollback',
      command: `vault rollback ${m.id}`,
      target: configMapTarget(m),
      requestId: m.id,
      cluster: m.cluster,
      ...extra,
    };
  }

  /**
   * Claims the rollback of a finished migration, with its `started` audit row, in one transaction: two
   * rollbacks at once act once; a retried rollback job (same job id) continues its own; a rollback that
   * failed (its claim released by finishRollback) can be claimed again.
   */
  async claimRollback(id: string, user: string, channel: string, jobId: string): Promise<VaultMigration | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE vault_migrations
            SET rolled_back_at = COALESCE(rolled_back_at, now()), rolled_back_by = $2, rollback_job = $3,
                rollback_result = NULL
          WHERE id = $1 AND state IN ('succeeded', 'failed')
            AND (rolled_back_at IS NULL OR (rollback_job = $3 AND rollback_result IS NULL))
          RETURNING *`,
        [id, user, jobId],
      );
      if (rows[0] === undefined) return undefined;
      const m = toMigration(rows[0]);
      await this.audit.record(
        this.rollbackEntry(m, {
          actor: user,
          channel,
          outcome: 'started',
          jobId,
          detail: 'keys back into the ConfigMap from Vault, then the injector annotations removed',
        }),
        client,
      );
      return m;
    });
  }

  /**
   * The end of a claimed rollback, with its audit row, in one transaction. `succeeded`: the migration
   * stays rolled back. `failed` (problems, or any error after the claim): the claim is released
   * (rolled_back_at cleared, the result kept to show why), so the rollback can be asked again and the
   * coverage keeps counting the keys still in Vault.
   */
  async finishRollback(
    m: VaultMigration,
    outcome: 'succeeded' | 'failed',
    result: string,
    user: string,
    jobId: string,
  ): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      if (outcome === 'succeeded')
        await client.query('UPDATE vault_migrations SET rollback_result = $2 WHERE id = $1', [m.id, result]);
      else
        await client.query(
          `UPDATE vault_migrations
              SET rolled_back_at = NULL, rolled_back_by = NULL, rollback_job = NULL, rollback_result = $2
            WHERE id = $1 AND rollback_job = $3`,
          [m.id, result, jobId],
        );
      await this.audit.record(this.rollbackEntry(m, { actor: user, outcome, jobId, detail: result }), client);
    });
  }

  /** Of these paths under `mount`, the ones a carbon-ops migration wrote (or found holding its value) before. */
  async writtenPaths(mount: string, paths: readonly string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const { rows } = await this.pool.query(
      `SELECT DISTINCT k.target_path FROM vault_migration_keys k JOIN vault_migrations m ON m.id = k.migration_id
        WHERE m.mount = $1 AND k.target_path = ANY($2) AND k.vault_version IS NOT NULL`,
      [mount, paths],
    );
    return new Set(rows.map((r) => String(r.target_path)));
  }

  /**
   * The keys of this cluster that are in Vault and verified, by the latest migration of each key that
   * was not rolled back successfully (a failed rollback released its claim; one under way has no result yet):
   * `removed` ones were cut over (no longer in their ConfigMap).
   */
  async inVault(
    cluster: string,
    namespace?: string,
  ): Promise<
    {
      namespace: string;
      configMap: string;
      key: string;
      state: 'verified' | 'removed';
      migration: string;
      fingerprint: string;
    }[]
  > {
    const { rows } = await this.pool.query(
      `SELECT DISTINCT ON (m.namespace, m.configmap, k.key)
              m.namespace, m.configmap, k.key, k.state, m.id, k.fingerprint
         FROM vault_migration_keys k JOIN vault_migrations m ON m.id = k.migration_id
        WHERE m.cluster = $1 AND ($2::text IS NULL OR m.namespace = $2)
          AND (m.rolled_back_at IS NULL OR m.rollback_result IS NULL) AND k.state IN ('verified', 'removed')
        ORDER BY m.namespace, m.configmap, k.key, m.created_at DESC`,
      [cluster, namespace ?? null],
    );
    return rows.map((r) => ({
      namespace: String(r.namespace),
      configMap: String(r.configmap),
      key: String(r.key),
      state: r.state as 'verified' | 'removed',
      migration: String(r.id),
      fingerprint: String(r.fingerprint),
    }));
  }
}

function toKey(row: Record<string, unknown>): KeyRecord {
  const record: KeyRecord = {
    key: String(row.key),
    targetPath: String(row.target_path),
    length: Number(row.length),
    fingerprint: String(row.fingerprint),
    foundBy: String(row.found_by),
    action: row.action as KeyAction,
    baseVersion: Number(row.base_version),
    state: row.state as KeyState,
  };
  const version = optional<number>(row.vault_version);
  if (version !== undefined) record.vaultVersion = Number(version);
  const detail = optional<string>(row.detail);
  if (detail !== undefined) record.detail = detail;
  return record;
}

function toMigration(row: Record<string, unknown>): VaultMigration {
  const m: VaultMigration = {
    ...approvalFromRow(row),
    cluster: String(row.cluster),
    namespace: String(row.namespace),
    configMap: String(row.configmap),
    mount: String(row.mount),
    path: String(row.path),
    cutover: Boolean(row.cutover),
    plan: row.plan as VaultPlan,
  };
  const fields: [keyof VaultMigration, unknown][] = [
    ['reason', row.reason],
    ['rolledBackAt', row.rolled_back_at],
    ['rolledBackBy', row.rolled_back_by],
    ['rollbackJob', row.rollback_job],
    ['rollbackResult', row.rollback_result],
  ];
  for (const [key, value] of fields)
    if (optional(value) !== undefined) (m as unknown as Record<string, unknown>)[key] = value;
  return m;
}
