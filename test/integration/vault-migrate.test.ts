import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import type { VaultClient } from '../../src/integrations/vault.js';
import { INJECT } from '../../src/features/vault/inject.js';
import { queryAs } from '../support/postgres.js';
import { VaultRig } from '../support/vault-rig.js';
import { EVENT_WAIT_MS } from '../support/until.js';

const NS = 'data-platform';
let rig: VaultRig;
/** Set by a test: the jobs' Vault client stops the stand-in after this many secret writes. */
let stopAfterWrites: number | undefined;
/** Set by a test: the write to this path is sent twice, as the client resends it after a connection reset. */
let resentWrite: string | undefined;

/**
 * Stands between the jobs and Vault: stops the stand-in right after the Nth secret write of a migration has
 * been answered. Writes asked for after the Nth wait for the stop (and so fail), whatever the timing: the keys
 * move several at once, and a fast client would otherwise have sent every write before the stop.
 */
function stopping(client: VaultClient): VaultClient {
  let asked = 0;
  let answered = 0;
  let stopped: Promise<void> | undefined;
  let markStopped: () => void = () => undefined;
  return {
    ...client,
    async kvWrite(mount, path, data, cas) {
      if (path === resentWrite) {
        resentWrite = undefined;
        await client.kvWrite(mount, path, data, cas); // applied, then the connection reset before the answer
        return client.kvWrite(mount, path, data, cas); // the resend: refused by check-and-set
      }
      const limit = stopAfterWrites;
      if (path.startsWith('carbon-ops/') || limit === undefined) return client.kvWrite(mount, path, data, cas);
      stopped ??= new Promise((resolve) => (markStopped = resolve));
      if (++asked > limit) {
        await stopped;
        return client.kvWrite(mount, path, data, cas);
      }
      try {
        return await client.kvWrite(mount, path, data, cas);
      } finally {
        if (++answered === limit) {
          await rig.vault.stop();
          stopAfterWrites = undefined;
          asked = answered = 0;
          stopped = undefined;
          markStopped();
        }
      }
    },
  };
}

beforeAll(async () => {
  rig = await new VaultRig().start({ wrap: stopping });
});

afterAll(async () => {
  await rig?.stop();
});

describe('vault migrate, end to end', () => {
  it('shows coverage, migrates with approval and cutover, coverage rises, and rolls back', async () => {
    await rig.run('vault status');
    const [before, total] = rig.coverage();
    expect(before).toBe(0);
    expect(total).toBeGreaterThanOrEqual(20);
    const original = { ...rig.configMap(NS, 'superset-config') };

    const asked = await rig.run(
      'vault migrate configmap/superset-config -n data-platform --cutover --apps-read-vault-files',
      'U0OPERATOR',
    );
    expect(asked.ok).toBe(true);
    const id = rig.lastMigrationId();
    const plan = rig.chat.calls.find((c) => String(c.payload.text).startsWith('Vault migration plan'))!;
    expect(checkMessage({ text: String(plan.payload.text), blocks: plan.payload.blocks as never })).toBeUndefined();
    const planText = JSON.stringify(plan.payload);
    for (const key of ['DATABASE_PASSWORD', 'SQLALCHEMY_DATABASE_URI', 'SUPERSET_SECRET_KEY', 'MAPBOX_API_KEY'])
      expect(planText).toContain(key);
    expect(planText).toContain('secret/data-platform/superset-config/DATABASE_PASSWORD');
    expect(planText).toMatch(/Read by\* Deployments [^"]*`superset-worker`/);
    expect(planText).toContain('restart-approve');
    for (const value of Object.values(original).filter((v) => v.length > 8)) expect(planText).not.toContain(value);
    expect(rig.vaultWrites()).toEqual([]); // nothing written before the approval

    const self = await rig.run(`approve ${id}`, 'U0OPERATOR'); // an operator is no approver, and asked for it
    expect(self.outcome.kind).toBe('denied');
    await rig.run(`approve ${id}`, 'U0APPROVER');
    const m = await rig.store.vaultMigrations.get(id);
    expect(m?.state).toBe('succeeded');
    const keys = await rig.store.vaultMigrations.keys(id);
    expect(keys.map((k) => [k.key, k.state, k.vaultVersion])).toEqual([
      ['DATABASE_PASSWORD', 'removed', 1],
      ['MAPBOX_API_KEY', 'removed', 1],
      ['SQLALCHEMY_DATABASE_URI', 'removed', 1],
      ['SUPERSET_SECRET_KEY', 'removed', 1],
    ]);
    const stored = await rig.vaultDeps.client.kvRead('secret', 'data-platform/superset-config/DATABASE_PASSWORD');
    expect(stored?.data).toEqual({ value: original.DATABASE_PASSWORD });
    expect(Object.keys(rig.configMap(NS, 'superset-config')!).sort()).toEqual([
      'REDIS_HOST',
      'REDIS_PORT',
      'SUPERSET_LOAD_EXAMPLES',
      'SUPERSET_WEBSERVER_TIMEOUT',
    ]);
    const annotations = rig.templateAnnotations(NS, 'superset-worker');
    expect(annotations[INJECT]).toBe('true');
    expect(annotations['vault.hashicorp.com/agent-inject-secret-superset-config.DATABASE_PASSWORD']).toBe(
      'secret/data/data-platform/superset-config/DATABASE_PASSWORD',
    );

    await rig.run('vault status');
    expect(rig.coverage()).toEqual([4, total]);

    const back = await rig.run(`vault rollback ${id}`);
    expect(back.ok).toBe(true);
    expect(rig.configMap(NS, 'superset-config')).toEqual(original);
    expect(
      Object.keys(rig.templateAnnotations(NS, 'superset-worker')).filter((a) => a.startsWith('vault.hashicorp.com')),
    ).toEqual([]);
    await rig.run('vault status');
    expect(rig.coverage()).toEqual([0, total]);
    const again = await rig.run(`vault rollback ${id}`);
    expect(again.ok).toBe(false);
    expect(rig.texts().at(-1)).toMatch(/already rolled back/);

    const audit = (await rig.store.audit.list({ since: new Date(0) }, 100)).filter((r) => r.requestId === id).reverse();
    expect(audit.map((r) => [r.action, r.outcome])).toEqual([
      ['vault-migrate', 'requested'],
      ['vault-migrate', 'approved'],
      ['vault-migrate', 'started'],
      ['vault-migrate', 'succeeded'],
      ['vault-rollback', 'started'],
      ['vault-rollback', 'succeeded'],
      ['vault-rollback', 'refused'], // the second rollback: already rolled back
    ]);
    expect(
      (await rig.store.audit.list({ since: new Date(0), action: 'approve' }, 100)).some(
        (r) => r.outcome === 'denied' && r.command === `approve ${id}`,
      ),
    ).toBe(true);
  });
});

describe('bad input is refused with the usage before any call', () => {
  it('refuses hostile names, path and mount escapes, and unknown ConfigMaps', async () => {
    const kubeBefore = rig.kube.stats.requests;
    const vaultBefore = rig.vault.requests.length;
    for (const text of [
      'vault migrate configmap/../etc -n data-platform',
      'vault migrate configmap/superset-config -n "data-platform; rm -rf /"',
      'vault migrate configmap/superset-config -n data-platform --path ../../sys/policy',
      'vault migrate configmap/superset-config -n data-platform --path /absolute',
      'vault migrate configmap/superset-config -n data-platform --path a//b',
      'vault migrate configmap/superset-config -n data-platform --mount sys',
      'vault migrate configmap/superset-config -n data-platform --mount ../secret',
      'vault migrate configmap/superset-config -n data-platform --keys "A,B/../C"',
      'vault migrate secret/superset-config -n data-platform',
      'vault migrate configmap/superset-config',
      'vault rollback "$(whoami)"',
      'vault status --cutover',
    ]) {
      const { outcome } = await rig.run(text);
      expect({ text, kind: outcome.kind }).toEqual({ text, kind: 'usage' });
    }
    expect(rig.kube.stats.requests).toBe(kubeBefore);
    expect(rig.vault.requests.length).toBe(vaultBefore);

    const unknown = await rig.run('vault migrate configmap/no-such-config -n data-platform');
    expect(unknown.ok).toBe(false);
    expect(rig.texts().at(-1)).toMatch(/There is no ConfigMap `no-such-config` in namespace `data-platform`/);
    const missing = await rig.run('vault migrate configmap/grafana-env -n monitoring --keys NOPE');
    expect(missing.ok).toBe(false);
    expect(rig.texts().at(-1)).toMatch(/has no key `NOPE`/);
    expect(rig.vault.requests.length).toBe(vaultBefore); // the cluster said no before Vault was asked anything
  });
});

describe('faults', () => {
  it('refuses a sealed or standby Vault with nothing written, at the plan and after the approval', async () => {
    const writes = rig.vault.requests.length;
    rig.vault.setSealed(true);
    await rig.run('vault migrate configmap/grafana-env -n monitoring');
    expect(rig.texts().at(-1)).toMatch(/Vault at .* is sealed: the migration refused, nothing was written/);
    rig.vault.setSealed(false);
    rig.vault.setStandby(true);
    await rig.run('vault migrate configmap/grafana-env -n monitoring');
    expect(rig.texts().at(-1)).toMatch(/standby/);
    rig.vault.setStandby(false);

    await rig.run('vault migrate configmap/grafana-env -n monitoring');
    const id = rig.lastMigrationId();
    rig.vault.setSealed(true);
    await rig.run(`approve ${id}`, 'U0APPROVER');
    rig.vault.setSealed(false);
    expect((await rig.store.vaultMigrations.get(id))?.state).toBe('failed');
    expect((await rig.store.vaultMigrations.keys(id)).every((k) => k.state === 'planned')).toBe(true);
    expect(rig.vaultWrites(writes)).toEqual([]);
  });

  it('reports a key changed in Vault since the plan as a conflict, never overwritten, and leaves the ConfigMap alone', async () => {
    const before = { ...rig.configMap('kafka', 'kafka-ui-config') };
    await rig.run('vault migrate configmap/kafka-ui-config -n kafka --cutover');
    const id = rig.lastMigrationId();
    // Another writer gets there between the plan and the approval.
    await rig.vaultDeps.client.kvWrite(
      'secret',
      'kafka/kafka-ui-config/SPRING_SECURITY_USER_PASSWORD',
      { value: 'set-by-someone-else' },
      0,
    );
    const approved = await rig.run(`approve ${id}`, 'U0APPROVER');
    expect(approved.ok).toBe(false);
    const keys = await rig.store.vaultMigrations.keys(id);
    expect(keys.find((k) => k.key === 'SPRING_SECURITY_USER_PASSWORD')).toMatchObject({
      state: 'conflict',
      detail: expect.stringMatching(/changed in Vault since the plan/),
    });
    expect(keys.find((k) => k.key === 'KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG')?.state).toBe('verified');
    const held = await rig.vaultDeps.client.kvRead('secret', 'kafka/kafka-ui-config/SPRING_SECURITY_USER_PASSWORD');
    expect(held).toMatchObject({ data: { value: 'set-by-someone-else' }, metadata: { version: 1 } });
    expect(rig.configMap('kafka', 'kafka-ui-config')).toEqual(before); // no cutover: not every key verified
    expect(rig.templateAnnotations('kafka', 'kafka-ui')[INJECT]).toBeUndefined();
    expect(rig.texts().at(-1)).toMatch(/no cutover: not every key is verified/);
  });

  it('takes a write refused after its own resend (applied, connection reset, sent again) as verified, not a conflict', async () => {
    await rig.run('vault migrate configmap/harbor-core-env -n registry');
    const id = rig.lastMigrationId();
    resentWrite = 'registry/harbor-core-env/CORE_SECRET';
    const approved = await rig.run(`approve ${id}`, 'U0APPROVER');
    expect(resentWrite).toBeUndefined(); // the resend happened
    const keys = await rig.store.vaultMigrations.keys(id);
    expect(keys.find((k) => k.key === 'CORE_SECRET')).toMatchObject({ state: 'verified', vaultVersion: 1 });
    expect(keys.every((k) => k.state === 'verified')).toBe(true);
    expect(approved.ok).toBe(true);
    expect((await rig.store.vaultMigrations.get(id))?.state).toBe('succeeded');
  });

  it('records partial state when Vault stops mid-migration; the re-run completes without writing anything twice', async () => {
    const start = rig.vault.requests.length;
    stopAfterWrites = 2;
    await rig.run('vault migrate configmap/portal-api-env -n data-platform --cutover --apps-read-vault-files');
    const first = rig.lastMigrationId();
    const approved = await rig.run(`approve ${first}`, 'U0APPROVER');
    expect(approved.ok).toBe(false);
    expect(rig.texts().at(-1)).toMatch(/does not answer/);
    const partial = await rig.store.vaultMigrations.keys(first);
    expect(partial.filter((k) => k.state === 'written' || k.state === 'verified').length).toBeGreaterThanOrEqual(1); // recorded as it happened
    expect(partial.some((k) => k.state === 'planned')).toBe(true);
    expect(partial.some((k) => k.state === 'removed')).toBe(false);
    expect(rig.configMap(NS, 'portal-api-env')?.JWT_SIGNING_SECRET).toBeDefined(); // untouched: not every key verified
    const firstRun = rig.vaultWrites(start).length;
    expect(firstRun).toBeGreaterThanOrEqual(2);

    await rig.vault.start();
    const second = await rig.migrate(
      'vault migrate configmap/portal-api-env -n data-platform --cutover --apps-read-vault-files',
    );
    expect((await rig.store.vaultMigrations.get(second))?.state).toBe('succeeded');
    const keys = await rig.store.vaultMigrations.keys(second);
    expect(keys.every((k) => k.state === 'removed' && k.vaultVersion === 1)).toBe(true);
    expect(keys.filter((k) => k.action === 'present').length).toBeGreaterThanOrEqual(2); // written before the stop: not again
    // No duplicates: every path holds exactly one version (a write cut off by the stop, never applied, may be sent again).
    expect(new Set(rig.vaultWrites(start)).size).toBe(keys.length);
    for (const k of keys)
      expect((await rig.vaultDeps.client.kvMetadata('secret', k.targetPath))?.current_version).toBe(1);
  });

  it('resumes a migration whose worker was lost mid-run from the recorded state, writing nothing twice', async () => {
    await rig.run('vault migrate configmap/minio-console-env -n data-platform');
    const id = rig.lastMigrationId();
    const values = rig.configMap(NS, 'minio-console-env')!;
    // A worker approved and started it, wrote MINIO_ROOT_PASSWORD (its record of that write lost), then died.
    await rig.store.pool.query(
      `UPDATE vault_migrations SET state = 'running', started_at = now(), approved_by = '{U0APPROVER}' WHERE id = $1`,
      [id],
    );
    await rig.vaultDeps.client.kvWrite(
      'secret',
      'data-platform/minio-console-env/MINIO_ROOT_PASSWORD',
      { value: values.MINIO_ROOT_PASSWORD! },
      0,
    );
    const writesBefore = rig.vaultWrites().length;
    // BullMQ hands the stalled job to another worker: the same job runs again.
    const m = (await rig.store.vaultMigrations.get(id))!;
    const jobId = await rig.queue.enqueue(
      {
        job: 'vault-migrate-run',
        requester: { user: 'U0APPROVER', channel: 'C0INCIDENT' },
        reply: { channel: 'C0INCIDENT', ts: m.statusTs },
        request: id,
      },
      `vault-migrate-run-${id}`,
    );
    await (await rig.queue.queue.getJob(jobId))!.waitUntilFinished(rig.events, EVENT_WAIT_MS);
    expect((await rig.store.vaultMigrations.get(id))?.state).toBe('succeeded');
    const keys = await rig.store.vaultMigrations.keys(id);
    expect(keys.every((k) => k.state === 'verified' && k.vaultVersion === 1)).toBe(true);
    expect(rig.vaultWrites().length - writesBefore).toBe(keys.length - 1); // the one already there was not written again
  });

  it('writes nothing to Vault when its `started` row cannot be written, and ends the migration with its `failed` row', async () => {
    // The audit refuses this migration's `started` row (think: disk full): a trigger of the schema owner's.
    await queryAs(
      rig.db.migrationUrl,
      `CREATE FUNCTION refuse_vault_started() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.action = 'vault-migrate' AND NEW.outcome = 'started' THEN
           RAISE EXCEPTION 'could not extend file: No space left on device';
         END IF;
         RETURN NEW;
       END $$;
       CREATE TRIGGER refuse_vault_started BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_vault_started();`,
    );
    const from = rig.vault.requests.length;
    let id: string;
    try {
      id = await rig.migrate('vault migrate configmap/dolphinscheduler-common -n data-platform');
    } finally {
      await queryAs(
        rig.db.migrationUrl,
        'DROP TRIGGER refuse_vault_started ON audit_log; DROP FUNCTION refuse_vault_started();',
      );
    }
    expect(rig.vaultWrites(from)).toEqual([]);
    expect(rig.configMap(NS, 'dolphinscheduler-common')?.SPRING_DATASOURCE_PASSWORD).toBeDefined();
    expect((await rig.store.vaultMigrations.get(id))?.state).toBe('failed');
    expect(rig.texts().some((t) => /audit trail cannot be written, so .* was NOT started/.test(t))).toBe(true);
    const rows = (await rig.store.audit.list({ since: new Date(0), action: 'vault-migrate' }, 1000))
      .filter((r) => r.requestId === id)
      .reverse();
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'approved', 'failed']);
    expect(rows.at(-1)?.detail).toBe('the audit trail could not be written, so nothing was done');
  });

  it('acts once when two approvers click at once, and keeps one open migration per ConfigMap', async () => {
    await rig.run('vault migrate configmap/nessie-config -n data-platform');
    const id = rig.lastMigrationId();
    const busy = await rig.run('vault migrate configmap/nessie-config -n data-platform', 'U0ADMIN');
    expect(busy.ok).toBe(false);
    expect(rig.texts().at(-1)).toMatch(new RegExp(`already awaiting approval: migration ${id}`));
    const both = await Promise.all([rig.run(`approve ${id}`, 'U0APPROVER'), rig.run(`approve ${id}`, 'U0ADMIN')]);
    expect(both.map((b) => b.outcome.kind).sort()).toEqual(['denied', 'queued']);
    expect((await rig.store.vaultMigrations.get(id))?.state).toBe('succeeded');
  });
});

describe('plans asked together', () => {
  it('shows each plan its own readers when plans of one namespace run at once, and migrates both', async () => {
    // The worker runs two jobs at once: the two plans list the namespace's workloads together (shared listing).
    const asked = await Promise.all([
      rig.run('vault migrate configmap/superset-config -n data-platform'),
      rig.run('vault migrate configmap/trino-catalog -n data-platform --keys postgresql.properties'),
    ]);
    expect(asked.map((a) => a.ok)).toEqual([true, true]);
    const plans = rig.chat.calls
      .filter((c) => String(c.payload.text).startsWith('Vault migration plan'))
      .map((c) => JSON.stringify(c.payload));
    const planOf = (configMap: string) => plans.findLast((p) => p.includes(`configmap/${configMap}`)) ?? '';
    expect(planOf('superset-config')).toMatch(/Read by\* Deployments [^"]*`superset-worker`/);
    expect(planOf('superset-config')).not.toContain('`trino-coordinator`');
    expect(planOf('trino-catalog')).toMatch(/Read by\* Deployment `trino-coordinator`/);
    expect(planOf('trino-catalog')).not.toContain('`superset-worker`');

    const ids = [
      ...new Set(['superset-config', 'trino-catalog'].map((c) => /migration: ([a-z0-9]+)/.exec(planOf(c))![1]!)),
    ];
    expect(ids).toHaveLength(2);
    for (const id of ids) await rig.run(`approve ${id}`, 'U0APPROVER');
    for (const id of ids) {
      expect((await rig.store.vaultMigrations.get(id))?.state).toBe('succeeded');
      expect((await rig.store.vaultMigrations.keys(id)).every((k) => k.state === 'verified')).toBe(true);
    }
  });
});
