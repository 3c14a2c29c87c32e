import pg from 'pg';
import type { DataCheckSpec } from '../../../catalogue.js';
import { resourcePath, statusOf } from '../../../integrations/kubernetes.js';
import { bounded, judged, notMeasured, reasonOf, unreachedCode, type CheckOutcome } from './check.js';
import type { DataSources } from './sources.js';

type PostgresSpec = Extract<DataCheckSpec, { kind: 'postgres' }>;

/** Connections used at or above this share of max_connections fail the check: the next client may be refused. */
export const CONNECTIONS_FULL = 0.9;

/** SQLSTATEs of a server that answered and refused: the service is failing, not unreached. */
const REFUSALS: Record<string, string> = {
  '53300': 'too many connections',
  '28P01': 'password authentication failed',
  '28000': 'not authorized',
  '3D000': 'the database does not exist',
  '57P03': 'the server is starting up or shutting down',
};

/**
 * A platform database: connects with the catalogue's credentials (read from a Secret or Vault, never shown), then
 * reads the server version, connections used ÷ max_connections, the longest open transaction and replication lag.
 */
export async function checkPostgres(
  spec: PostgresSpec,
  namespace: string,
  sources: DataSources,
): Promise<CheckOutcome & { source: string }> {
  const where = `${spec.database} at ${spec.endpoint} as ${spec.user}`;
  const credentialSource =
    'secret' in spec.credentials
      ? `Secret ${namespace}/${spec.credentials.secret}`
      : `Vault ${spec.credentials.mount ?? sources.vault?.mount ?? 'secret'}/${spec.credentials.vault}`;
  const source = `PostgreSQL ${where} (password from ${credentialSource} key ${spec.credentials.key})`;
  const timeout = sources.config.DATA_CHECK_TIMEOUT_MS;
  let password: string;
  try {
    const read = await bounded(timeout, credentialSource, readPassword(spec, namespace, sources));
    if (typeof read !== 'string') return { ...notMeasured(read.why), source };
    password = read;
  } catch (error) {
    return { ...notMeasured(`${credentialSource} could not be read: ${reasonOf(error)}`), source };
  }
  const [host, port] = splitEndpoint(spec.endpoint);
  const client = new pg.Client({
    host,
    port,
    database: spec.database,
    user: spec.user,
    password,
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
    application_name: 'carbon-ops-health',
  });
  client.on('error', () => undefined); // a connection cut later surfaces on the query in flight
  const redact = (text: string) => (password === '' ? text : text.split(password).join('***'));
  try {
    try {
      await bounded(timeout, `PostgreSQL ${spec.endpoint}`, client.connect(), () => void client.end());
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const refusal = REFUSALS[code];
      if (refusal !== undefined)
        return { ...judged(`connect refused: ${redact(reasonOf(error))}`, [`connect refused (${refusal})`]), source };
      if (unreachedCode(error) !== undefined)
        return { ...notMeasured(`${spec.endpoint} not reached: ${redact(reasonOf(error))}`), source };
      return { ...judged(`connect failed: ${redact(reasonOf(error))}`, ['connect failed']), source };
    }
    const f = await bounded(timeout, `PostgreSQL ${spec.endpoint}`, figures(client));
    const used = f.connections / f.maxConnections;
    const problems = used >= CONNECTIONS_FULL ? [`connections ${f.connections}/${f.maxConnections} (≥ 90 %)`] : [];
    const summary = [
      `connects, PostgreSQL ${f.version}`,
      `connections ${f.connections}/${f.maxConnections}`,
      `longest transaction ${f.longestTxSec === null ? 'none open' : `${Math.round(f.longestTxSec)} s`}`,
      f.replicas > 0
        ? `${f.replicas} replica(s), replay lag ${f.replicationLagSec === null ? 'n/a' : `${f.replicationLagSec.toFixed(1)} s`}`
        : f.inRecovery
          ? `a replica, ${f.replicationLagSec === null ? 'nothing replayed yet' : `${f.replicationLagSec.toFixed(1)} s behind`}`
          : 'no replicas',
    ].join(', ');
    return { ...judged(summary, problems), source };
  } catch (error) {
    return { ...notMeasured(`${spec.endpoint} stopped answering: ${redact(reasonOf(error))}`), source };
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface PgFigures {
  version: string;
  connections: number;
  maxConnections: number;
  longestTxSec: number | null;
  inRecovery: boolean;
  replicas: number;
  replicationLagSec: number | null;
}

async function figures(client: pg.Client): Promise<PgFigures> {
  const { rows } = await client.query<{
    version: string;
    connections: string;
    max_connections: string;
    longest_tx: number | null;
    in_recovery: boolean;
    replicas: string;
    lag: number | null;
  }>(
    `SELECT current_setting('server_version') AS version,
            (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS connections,
            current_setting('max_connections') AS max_connections,
            (SELECT extract(epoch FROM max(clock_timestamp() - xact_start))::float8 FROM pg_stat_activity
              WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()) AS longest_tx,
            pg_is_in_recovery() AS in_recovery,
            (SELECT count(*) FROM pg_stat_replication) AS replicas,
            CASE WHEN pg_is_in_recovery()
                 THEN extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
                 ELSE (SELECT extract(epoch FROM max(replay_lag))::float8 FROM pg_stat_replication) END AS lag`,
  );
  const r = rows[0]!;
  return {
    version: r.version,
    connections: Number(r.connections),
    maxConnections: Number(r.max_connections),
    longestTxSec: r.longest_tx,
    inRecovery: r.in_recovery,
    replicas: Number(r.replicas),
    replicationLagSec: r.lag,
  };
}

/** The password, or why it cannot be had (a missing Secret, key or Vault). Never logged, never returned elsewhere. */
async function readPassword(
  spec: PostgresSpec,
  namespace: string,
  sources: DataSources,
): Promise<string | { why: string }> {
  const { credentials } = spec;
  if ('secret' in credentials) {
    let secret: { data?: Record<string, string> };
    try {
      secret = await sources.kube.request({
        method: 'GET',
        path: resourcePath('v1', 'secrets', namespace, credentials.secret),
        what: `get secret ${namespace}/${credentials.secret}`,
      });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return { why: `not configured: Secret ${namespace}/${credentials.secret} does not exist` };
      if (status === 403)
        return { why: `carbon-ops may not read Secret ${namespace}/${credentials.secret} (npm run rbac:generate)` };
      throw error;
    }
    const value = secret.data?.[credentials.key];
    if (value === undefined)
      return { why: `not configured: Secret ${namespace}/${credentials.secret} has no key ${credentials.key}` };
    return Buffer.from(value, 'base64').toString('utf8');
  }
  const { vault } = sources;
  if (vault === undefined) return { why: 'not configured: the password is in Vault and VAULT_ADDR is unset' };
  const mount = credentials.mount ?? vault.mount;
  const kv = await vault.client.kvRead(mount, credentials.vault);
  const value = kv?.data?.[credentials.key];
  if (typeof value !== 'string')
    return { why: `not configured: Vault ${mount}/${credentials.vault} has no key ${credentials.key}` };
  return value;
}

function splitEndpoint(endpoint: string): [string, number] {
  const colon = endpoint.lastIndexOf(':');
  return [endpoint.slice(0, colon).replace(/^\[|\]$/g, ''), Number(endpoint.slice(colon + 1))];
}
