import { createHmac, randomBytes } from 'node:crypto';
import { isCasMismatch, type VaultClient } from '../../integrations/vault.js';

/**
 * What carbon-ops keeps and shows of a secret value: its length and a fingerprint, an HMAC-SHA256 keyed
 * with a random key that lives only in Vault (never in PostgreSQL, Redis, Slack or the logs).
 *
 * Why keyed: a plain SHA-256 prefix of a short or guessable password ("admin123") can be confirmed
 * offline by anyone who reads the plan in Slack or the table in PostgreSQL: hash the guesses, compare
 * the prefix. With the key in Vault, only someone who can read Vault (and so the secret itself) can test
 * guesses. A per-value salt stored next to the prefix would not help PostgreSQL readers.
 *
 * The stored fingerprint is 16 hex digits (64 bits: changes are never missed by a collision); messages
 * show the first 8.
 */
export const FINGERPRINT_KEY_PATH = 'carbon-ops/fingerprint-key';

export const FINGERPRINT_HEX = 16;
export const SHOWN_HEX = 8;

export type Fingerprinter = (value: string) => string;

export function fingerprinter(key: Buffer): Fingerprinter {
  return (value) => createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, FINGERPRINT_HEX);
}

/** Characters, as a person counts them (code points). */
export const valueLength = (value: string): number => [...value].length;

/**
 * Fingerprinters already loaded, by client and mount. The key never changes once made (created with check-and-set 0),
 * so a worker reads it from Vault once, not twice a migration. Were it replaced in Vault behind carbon-ops' back,
 * a plan and its migration would disagree on every fingerprint and the migration would refuse each key ("changed
 * since the plan"): nothing is ever written on a stale key.
 */
const loaded = new WeakMap<VaultClient, Map<string, Promise<Fingerprinter>>>();

/**
 * The fingerprint key from `<mount>/carbon-ops/fingerprint-key`, created (check-and-set 0, so two
 * workers at once end up with the same key) on first use; read once per client and mount (a failure is not kept).
 */
export function loadFingerprinter(vault: VaultClient, mount: string): Promise<Fingerprinter> {
  let byMount = loaded.get(vault);
  if (byMount === undefined) loaded.set(vault, (byMount = new Map()));
  const known = byMount.get(mount);
  if (known !== undefined) return known;
  const loading = readOrCreateKey(vault, mount);
  byMount.set(mount, loading);
  loading.catch(() => byMount.delete(mount));
  return loading;
}

async function readOrCreateKey(vault: VaultClient, mount: string): Promise<Fingerprinter> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const stored = await vault.kvRead(mount, FINGERPRINT_KEY_PATH);
    const key = stored?.data?.['key'];
    if (typeof key === 'string' && key.length >= 32) return fingerprinter(Buffer.from(key, 'base64'));
    try {
      await vault.kvWrite(
        mount,
        FINGERPRINT_KEY_PATH,
        { key: randomBytes(32).toString('base64') },
        stored === null ? 0 : stored.metadata.version,
      );
    } catch (error) {
      if (!isCasMismatch(error)) throw error; // someone else created it a moment ago: read theirs
    }
  }
  throw new Error(`the fingerprint key at ${mount}/${FINGERPRINT_KEY_PATH} cannot be read or created`);
}

/** The fingerprint key if it exists (read only, never created): undefined when carbon-ops has not made one yet. */
export async function readFingerprinter(vault: VaultClient, mount: string): Promise<Fingerprinter | undefined> {
  const key = (await vault.kvRead(mount, FINGERPRINT_KEY_PATH))?.data?.['key'];
  return typeof key === 'string' && key.length >= 32 ? fingerprinter(Buffer.from(key, 'base64')) : undefined;
}
