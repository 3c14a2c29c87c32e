import { randomBytes, randomUUID } from 'node:crypto';
import { type ApiRequest, type ApiResponse, fail, ok } from './api.js';

export interface VaultState {
  sealed: boolean;
  initialized: boolean;
  standby: boolean;
  version: string;
}

export interface Cluster {
  name: string;
  id: string;
}

/** Go's strconv.ParseBool, which Vault uses for `standbyok` and `perfstandbyok`. */
function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/**
 * `GET|HEAD /v1/sys/health`, decided in Vault's order: not initialized, sealed, standby, active. Every code can be
 * overridden by its query parameter; a malformed parameter is a 400 with an empty error list, as in Vault.
 * Performance standbys and DR secondaries are not simulated, so 472 and 473 never occur.
 */
export function health(state: Readonly<VaultState>, cluster: Cluster, req: ApiRequest): ApiResponse {
  const flag = (name: string): boolean | undefined => {
    const raw = req.query.get(name);
    return raw === null ? false : parseGoBool(raw);
  };
  const code = (name: string, fallback: number): number | undefined => {
    const raw = req.query.get(name);
    if (raw === null) return fallback;
    const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
    return value >= 100 && value <= 999 ? value : undefined;
  };
  const standbyOk = flag('standbyok');
  const uninitCode = code('uninitcode', 501);
  const sealedCode = code('sealedcode', 503);
  const standbyCode = code('standbycode', 429);
  const activeCode = code('activecode', 200);
  if (
    standbyOk === undefined ||
    flag('perfstandbyok') === undefined ||
    uninitCode === undefined ||
    sealedCode === undefined ||
    standbyCode === undefined ||
    activeCode === undefined
  ) {
    return fail(400);
  }

  // A node that is not initialized is also sealed, and a sealed node is never the active one.
  const sealed = state.sealed || !state.initialized;
  const standby = state.standby || sealed;
  let status = activeCode;
  if (!state.initialized) status = uninitCode;
  else if (sealed) status = sealedCode;
  else if (standby && !standbyOk) status = standbyCode;

  const body = {
    initialized: state.initialized,
    sealed,
    standby,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(Date.now() / 1000),
    version: state.version,
    ...(sealed ? {} : { cluster_name: cluster.name, cluster_id: cluster.id }),
  };
  return { status, body: req.method === 'HEAD' ? undefined : body };
}

/** `GET /v1/sys/seal-status`: answered whatever the state, so operators can see why everything else fails. */
export function sealStatus(state: Readonly<VaultState>, cluster: Cluster): ApiResponse {
  const sealed = state.sealed || !state.initialized;
  return {
    status: 200,
    body: {
      type: 'shamir',
      initialized: state.initialized,
      sealed,
      t: state.initialized ? 1 : 0,
      n: state.initialized ? 1 : 0,
      progress: 0,
      nonce: '',
      version: state.version,
      migration: false,
      recovery_seal: false,
      storage_type: 'inmem',
      ...(sealed ? {} : { cluster_name: cluster.name, cluster_id: cluster.id }),
    },
  };
}

function mountEntry(type: string, description: string, options: Record<string, string> | null) {
  return {
    accessor: `${type}_${randomBytes(4).toString('hex')}`,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
    description,
    external_entropy_access: false,
    local: false,
    options,
    plugin_version: '',
    seal_wrap: false,
    type,
    uuid: randomUUID(),
  };
}

/** The mount table of a fresh Vault (cubbyhole, identity, sys) plus the configured KV v2 mounts. */
export function mountTable(kvMounts: readonly string[]): Record<string, unknown> {
  const table: Record<string, unknown> = {
    'cubbyhole/': mountEntry('cubbyhole', 'per-token private secret storage', null),
    'identity/': mountEntry('identity', 'identity store', null),
    'sys/': mountEntry('system', 'system endpoints used for control, policy and debugging', null),
  };
  for (const mount of kvMounts) table[`${mount}/`] = mountEntry('kv', 'key/value secret storage', { version: '2' });
  return table;
}

/** `GET /v1/sys/mounts`: Vault puts the table both at the top level (legacy clients) and under `data`. */
export function mounts(table: Record<string, unknown>): ApiResponse {
  const response = ok(table);
  return { ...response, body: { ...table, ...(response.body as object) } };
}
