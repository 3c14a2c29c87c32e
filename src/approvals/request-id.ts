import { randomInt } from 'node:crypto';

/** Request ids (restarts, Vault migrations: any approval request): short enough to type, e.g. `k7m2p9xq`. */
export const REQUEST_ID = /^[a-z0-9]{6,20}$/;

/** No 0/o, 1/l/i: ids are read off a screen and typed into `approve ID`. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A short random request id, e.g. `k7m2p9xq` (31^8 ≈ 8.5e11 values; the primary key catches a clash). */
export function newRequestId(length = 8): string {
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}
