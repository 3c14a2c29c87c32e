// Continue tokens: opaque to clients (base64 JSON, like the real server's), carrying the key to resume
// after, the list's resourceVersion (-1 in the token a 410 hands out: go on at the latest revision), and
// the epoch they were issued in, so that the expireContinueAfter fault expires every outstanding token at
// once, as etcd compaction does.
import { badRequest } from './status.js';

export interface ContinueToken {
  rv: number;
  start: string;
  epoch: number;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start, epoch: token.epoch }),
  ).toString('base64url');
}

export function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<ContinueToken> & {
      v?: string;
    };
    if (
      parsed.v === 'meta.k8s.io/v1' &&
      typeof parsed.rv === 'number' &&
      typeof parsed.start === 'string' &&
      typeof parsed.epoch === 'number'
    )
      return { rv: parsed.rv, start: parsed.start, epoch: parsed.epoch };
  } catch {
    // fall through to the same error as a well-formed but wrong token
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
