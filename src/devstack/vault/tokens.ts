import { randomBytes } from 'node:crypto';
import { type ApiResponse, PERMISSION_DENIED, fail, isRecord, ok } from './api.js';

/** A Kubernetes auth role: the one service-account JWT it accepts stands in for Kubernetes' TokenReview. */
export interface KubernetesRole {
  serviceAccountJwt: string;
  policies: string[];
  /** Token TTL in seconds (fractions allowed, so tests can watch a token expire without sleeping long). */
  ttlSec?: number;
}

interface TokenEntry {
  id: string;
  accessor: string;
  policies: string[];
  /** 0 = never expires (the root token). */
  ttlMs: number;
  expiresAt: number | null;
  renewable: boolean;
  issuedAt: number;
  displayName: string;
  path: string;
  meta: Record<string, string> | null;
}

const DEFAULT_LOGIN_TTL_SEC = 3600;

const randomId = (): string => randomBytes(18).toString('base64url');

/** Vault reports durations in whole seconds. */
const seconds = (ms: number): number => Math.ceil(ms / 1000);

/**
 * Tokens as Vault's token store treats them: an unknown, expired or missing token is simply "permission denied",
 * with no hint which of the three it was. Policies are recorded and reported but not enforced: every valid token
 * may use every path (the stand-in has no ACL engine).
 */
export class TokenStore {
  private readonly tokens = new Map<string, TokenEntry>();

  constructor(rootToken: string) {
    this.add({
      id: rootToken,
      policies: ['root'],
      ttlMs: 0,
      renewable: false,
      displayName: 'root',
      path: 'auth/token/root',
      meta: null,
    });
  }

  issue(options: {
    ttlSec: number;
    policies: string[];
    displayName: string;
    path: string;
    meta: Record<string, string> | null;
  }): TokenEntry {
    const { ttlSec, ...rest } = options;
    if (!(ttlSec > 0)) throw new RangeError('ttlSec must be positive');
    return this.add({ id: `hvs.${randomId()}`, ttlMs: ttlSec * 1000, renewable: true, ...rest });
  }

  /** Expired tokens are forgotten on sight, as Vault revokes them when their TTL runs out. */
  lookup(id: string | undefined): TokenEntry | undefined {
    const entry = id === undefined ? undefined : this.tokens.get(id);
    if (entry?.expiresAt != null && entry.expiresAt <= Date.now()) {
      this.tokens.delete(entry.id);
      return undefined;
    }
    return entry;
  }

  lookupSelf(entry: TokenEntry): ApiResponse {
    const remaining = entry.expiresAt === null ? 0 : seconds(entry.expiresAt - Date.now());
    return ok({
      accessor: entry.accessor,
      creation_time: Math.floor(entry.issuedAt / 1000),
      creation_ttl: seconds(entry.ttlMs),
      display_name: entry.displayName,
      entity_id: '',
      expire_time: entry.expiresAt === null ? null : new Date(entry.expiresAt).toISOString(),
      explicit_max_ttl: 0,
      id: entry.id,
      issue_time: new Date(entry.issuedAt).toISOString(),
      meta: entry.meta,
      num_uses: 0,
      orphan: true,
      path: entry.path,
      policies: entry.policies,
      renewable: entry.renewable,
      ttl: remaining,
      type: 'service',
    });
  }

  /** Renewal extends the token by its original TTL; a token that already expired cannot be renewed. */
  renewSelf(entry: TokenEntry): ApiResponse {
    if (!entry.renewable) return fail(400, 'lease is not renewable');
    entry.expiresAt = Date.now() + entry.ttlMs;
    return ok(null, { auth: authBlock(entry) });
  }

  /** `POST /v1/auth/kubernetes/login`, with the error statuses of Vault's Kubernetes auth plugin. */
  kubernetesLogin(roles: Readonly<Record<string, KubernetesRole>>, body: unknown): ApiResponse {
    const role = isRecord(body) && typeof body.role === 'string' ? body.role : '';
    const jwt = isRecord(body) && typeof body.jwt === 'string' ? body.jwt : '';
    if (role === '') return fail(400, 'missing role');
    if (jwt === '') return fail(400, 'missing jwt');
    const config = Object.hasOwn(roles, role) ? roles[role] : undefined;
    if (config === undefined) return fail(400, `invalid role name "${role}"`);
    if (jwt !== config.serviceAccountJwt) return fail(403, PERMISSION_DENIED);
    const entry = this.issue({
      ttlSec: config.ttlSec ?? DEFAULT_LOGIN_TTL_SEC,
      policies: [...new Set(['default', ...config.policies])],
      displayName: `kubernetes-${role}`,
      path: 'auth/kubernetes/login',
      meta: { role },
    });
    return ok(null, { auth: authBlock(entry) });
  }

  private add(fields: Omit<TokenEntry, 'accessor' | 'expiresAt' | 'issuedAt'>): TokenEntry {
    const issuedAt = Date.now();
    const entry: TokenEntry = {
      ...fields,
      accessor: randomId(),
      issuedAt,
      expiresAt: fields.ttlMs === 0 ? null : issuedAt + fields.ttlMs,
    };
    this.tokens.set(entry.id, entry);
    return entry;
  }
}

function authBlock(entry: TokenEntry) {
  return {
    client_token: entry.id,
    accessor: entry.accessor,
    policies: entry.policies,
    token_policies: entry.policies,
    metadata: entry.meta,
    lease_duration: seconds(entry.ttlMs),
    renewable: entry.renewable,
    entity_id: '',
    token_type: 'service',
    orphan: true,
  };
}
