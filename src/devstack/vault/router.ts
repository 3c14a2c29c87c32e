import { type ApiRequest, type ApiResponse, PERMISSION_DENIED, fail } from './api.js';
import type { KvV2Mount } from './kv2.js';
import { type Cluster, type VaultState, health, mounts, sealStatus } from './sys.js';
import type { KubernetesRole, TokenStore } from './tokens.js';

export interface VaultCore {
  state: Readonly<VaultState>;
  cluster: Cluster;
  tokens: TokenStore;
  /** KV v2 mounts by path, without slashes at either end. */
  kv: ReadonlyMap<string, KvV2Mount>;
  mountTable: Record<string, unknown>;
  kubernetesRoles: Readonly<Record<string, KubernetesRole>>;
}

/** Dot and empty segments: Vault's Go router never serves them (it redirects to the cleaned path), and a stand-in
 * that resolved them could be talked into another mount, so they are refused outright. A trailing '/' is kept:
 * it names a folder to list. */
function pathProblem(path: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'path is not printable';
  const segments = path.split('/');
  if (segments.includes('..')) return 'path cannot contain parent references';
  if (segments.includes('.')) return "path cannot contain '.' segments";
  if (segments.slice(0, -1).includes('')) return 'path cannot contain empty segments';
  return undefined;
}

const isWrite = (method: string): boolean => method === 'POST' || method === 'PUT';

/** Routes one request in Vault's order: path sanity, the always-answered sys endpoints, seal, standby, auth. */
export function route(core: VaultCore, req: ApiRequest): ApiResponse {
  const problem = pathProblem(req.path);
  if (problem !== undefined) return fail(400, problem);

  if (req.path === 'sys/health')
    return req.method === 'GET' || req.method === 'HEAD' ? health(core.state, core.cluster, req) : fail(405);
  if (req.path === 'sys/seal-status') return req.method === 'GET' ? sealStatus(core.state, core.cluster) : fail(405);
  if (core.state.sealed || !core.state.initialized) return fail(503, 'Vault is sealed');
  // A standby with no active node to redirect to answers 503 rather than a 307 a client could follow blindly.
  if (core.state.standby) return fail(503, 'Vault is in standby mode');
  if (isWrite(req.method) && req.path.endsWith('/')) return fail(400, "cannot write to a path ending in '/'");

  if (req.path === 'auth/kubernetes/login')
    return isWrite(req.method) ? core.tokens.kubernetesLogin(core.kubernetesRoles, req.body) : fail(405);

  const token = core.tokens.lookup(req.token);
  if (token === undefined) return fail(403, PERMISSION_DENIED);

  switch (req.path) {
    case 'auth/token/lookup-self':
      return req.method === 'GET' ? core.tokens.lookupSelf(token) : fail(405);
    case 'auth/token/renew-self':
      return isWrite(req.method) ? core.tokens.renewSelf(token) : fail(405);
    case 'sys/mounts':
      return req.method === 'GET' ? mounts(core.mountTable) : fail(405);
  }

  const mount = [...core.kv.keys()].filter((m) => req.path.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
  const engine = mount === undefined ? undefined : core.kv.get(mount);
  if (mount === undefined || engine === undefined) return fail(404);
  const rest = req.path.slice(mount.length + 1);
  const slash = rest.indexOf('/');
  return slash === -1
    ? engine.handle(rest, '', req, new Date())
    : engine.handle(rest.slice(0, slash), rest.slice(slash + 1), req, new Date());
}
