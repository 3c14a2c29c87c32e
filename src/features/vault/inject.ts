import { createHash } from 'node:crypto';
import { keyPath } from '../../names.js';

/**
 * The Vault Agent injector's pod annotations for migrated keys: the injector (a mutating webhook) adds a
 * Vault Agent to new pods, which renders each secret to /vault/secrets/<KEY>. No value is ever in an
 * annotation: only paths and templates that name them.
 */
export const INJECT = 'vault.hashicorp.com/agent-inject';
export const ROLE = 'vault.hashicorp.com/role';
const SECRET_PREFIX = 'vault.hashicorp.com/agent-inject-secret-';
const TEMPLATE_PREFIX = 'vault.hashicorp.com/agent-inject-template-';
const FILE_PREFIX = 'vault.hashicorp.com/agent-inject-file-';

/** An annotation name's part after the prefix is at most 63 characters: the longest prefix leaves 41. */
const MAX_ID = 63 - 'agent-inject-template-'.length;

/** A stable id for one ConfigMap key, valid in an annotation name: `superset-config.DATABASE_PASSWORD`. */
export function secretId(configMap: string, key: string): string {
  const id = `${configMap}.${key}`;
  if (id.length <= MAX_ID && /[A-Za-z0-9]$/.test(id)) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `${id.slice(0, MAX_ID - 9).replace(/[^A-Za-z0-9]+$/, '')}-${hash}`;
}

/** The annotations a consumer gets for `keys`: each rendered to /vault/secrets/<KEY> by the agent. */
export function injectAnnotations(input: {
  mount: string;
  path: string;
  configMap: string;
  keys: readonly string[];
  role: string;
}): Record<string, string> {
  const annotations: Record<string, string> = { [INJECT]: 'true', [ROLE]: input.role };
  for (const key of input.keys) {
    const id = secretId(input.configMap, key);
    const secret = `${input.mount}/data/${keyPath(input.path, key)}`;
    annotations[`${SECRET_PREFIX}${id}`] = secret;
    annotations[`${TEMPLATE_PREFIX}${id}`] = `{{- with secret "${secret}" -}}{{ .Data.data.value }}{{- end -}}`;
    annotations[`${FILE_PREFIX}${id}`] = key;
  }
  return annotations;
}

/**
 * What to remove at rollback: the annotations carbon-ops added (`added`), except agent-inject and role
 * while other injected secrets remain on the workload.
 */
export function annotationsToRemove(added: readonly string[], current: Record<string, string>): string[] {
  const remaining = Object.keys(current).filter((name) => name.startsWith(SECRET_PREFIX) && !added.includes(name));
  return added.filter((name) => (name === INJECT || name === ROLE ? remaining.length === 0 : true));
}
