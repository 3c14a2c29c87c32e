// Authentication: bearer tokens, random per stand-in start, mapped to users and ServiceAccounts as a
// real API server's token authenticators map them. No token, or a token nobody issued, is 401 (the
// real server also answers 401 to a bad token when anonymous auth is on: it never falls back to
// anonymous for a credential that failed).
import { randomBytes } from 'node:crypto';
import type { Store } from './store.js';
import { ApiError } from './status.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
}

export const AUTHENTICATED = 'system:authenticated';
export const UNAUTHENTICATED = 'system:unauthenticated';
export const MASTERS = 'system:masters';
export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: [UNAUTHENTICATED] };

const SA_PREFIX = 'system:serviceaccount:';

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/** "system:serviceaccount:NS:NAME" → { namespace, name }. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name, ...rest] = username.slice(SA_PREFIX.length).split(':');
  return namespace && name && rest.length === 0 ? { namespace, name } : undefined;
}

/** The groups every ServiceAccount has, as the ServiceAccount token authenticator sets them. */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED];
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

type Credential = { kind: 'user'; user: UserInfo } | { kind: 'serviceaccount'; namespace: string; name: string };

export class Authenticator {
  private readonly tokens = new Map<string, Credential>();

  constructor(private readonly store: Store) {}

  /** A token for a user of the static token file kind; system:authenticated is added as the server adds it. */
  issueUserToken(username: string, groups: string[]): string {
    return this.issue({
      kind: 'user',
      user: { username, groups: [...groups.filter((g) => g !== AUTHENTICATED), AUTHENTICATED] },
    });
  }

  /** A token for a ServiceAccount (what the TokenRequest API hands out); valid while the account exists. */
  issueServiceAccountToken(namespace: string, name: string): string {
    return this.issue({ kind: 'serviceaccount', namespace, name });
  }

  /** The user behind an Authorization header; undefined when none was sent; 401 for a token nobody issued. */
  authenticate(header: string | undefined): UserInfo | undefined {
    if (header === undefined) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const credential = match ? this.tokens.get(match[1] as string) : undefined;
    if (!credential) throw unauthorized();
    if (credential.kind === 'user') return credential.user;
    // The ServiceAccount token authenticator looks the account up: a deleted account's tokens stop working.
    const account = this.store.get('serviceaccounts', credential.namespace, credential.name);
    if (!account) throw unauthorized();
    return {
      username: serviceAccountUsername(credential.namespace, credential.name),
      uid: account.metadata.uid,
      groups: serviceAccountGroups(credential.namespace),
    };
  }

  private issue(credential: Credential): string {
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, credential);
    return token;
  }
}
