// The client resends a request once when a reused keep-alive connection is reset before the answer
// (src/integrations/vault.ts send). The server may have applied a write by then: pinned here, against the Vault
// stand-in behind a proxy that forwards a write and then cuts the connection instead of answering.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startVaultStandin, type VaultStandin } from '../../src/devstack/vault/index.js';
import { createVaultClient, isCasMismatch, type VaultClient } from '../../src/integrations/vault.js';
import { REQUEST_TIMEOUT_MS } from '../support/until.js';

let vault: VaultStandin;
let proxy: Server;
let client: VaultClient;
/** The next POST to this path is applied by Vault, then its connection is cut before the answer. */
let cutAfterApplying: string | undefined;
let posts = 0;

beforeAll(async () => {
  vault = await startVaultStandin();
  const upstream = new URL(vault.url);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST') posts++;
      const cut = req.method === 'POST' && req.url === cutAfterApplying;
      if (cut) cutAfterApplying = undefined;
      const forward = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          if (cut) {
            answer.resume();
            req.socket.destroy(); // applied, but the client never hears of it
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  client = createVaultClient({
    addr: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    token: vault.rootToken,
    skipVerify: false,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await vault?.close();
});

describe('a write applied before its kept-alive connection was reset', () => {
  it('is sent once more, and the check-and-set refuses the resend while Vault holds our value', async () => {
    expect(await client.kvMetadata('secret', 'resend/db')).toBeNull(); // the connection the write will reuse
    cutAfterApplying = '/v1/secret/data/resend/db';
    const before = posts;
    const error = await client.kvWrite('secret', 'resend/db', { value: 'ours' }, 0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(cutAfterApplying).toBeUndefined(); // the cut happened
    expect(posts - before).toBe(2); // resent
    expect(isCasMismatch(error)).toBe(true); // which is why the migration compares values on a refusal
    expect(await client.kvRead('secret', 'resend/db')).toMatchObject({
      data: { value: 'ours' },
      metadata: { version: 1 },
    });
  });
});
