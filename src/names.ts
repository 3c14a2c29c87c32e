/**
 * Names that reach Vault or Kubernetes, checked before any call. Everything here is pure and throws
 * nothing: callers turn a `false` into their own UsageError.
 */

/** KV mount paths: up to 4 segments of letters, digits, '_', '-', '.'; never '.', '..', empty or absolute. */
export const VAULT_MOUNT =
  /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){0,3}$/;

/** Vault's own mounts: never a KV mount to write secrets into. */
export const RESERVED_MOUNTS: readonly string[] = ['sys', 'auth', 'cubbyhole', 'identity'];

/** Secret paths under a mount: up to 8 segments like mount segments, at most 200 characters. */
const PATH_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/;

export function validMount(mount: string): boolean {
  return VAULT_MOUNT.test(mount) && !RESERVED_MOUNTS.includes(mount.split('/')[0]!.toLowerCase());
}

export function validSecretPath(path: string): boolean {
  if (path.length === 0 || path.length > 200) return false;
  const segments = path.split('/');
  return segments.length <= 8 && segments.every((s) => s !== '.' && s !== '..' && PATH_SEGMENT.test(s));
}

/** A ConfigMap data key, as Kubernetes validates it: [-._a-zA-Z0-9]+, at most 253, not '.' or '..'. */
export function validConfigMapKey(key: string): boolean {
  return key.length <= 253 && /^[-._a-zA-Z0-9]+$/.test(key) && key !== '.' && key !== '..';
}

/** Where one key goes: `<path>/<key>` under the mount (a ConfigMap key is a valid path segment). */
export const keyPath = (path: string, key: string): string => `${path}/${key}`;

/**
 * carbon-ops' own secrets (the fingerprint key) live under this first path segment of a mount: never a migration
 * target.
 */
export const RESERVED_PATH = 'carbon-ops';

export const reservedPath = (path: string): boolean => path.split('/')[0]!.toLowerCase() === RESERVED_PATH;
