// The bot's Kubernetes client when the far side misbehaves: a redirect or an HTML page from a proxy, an
// exec credential plugin that fails (printing a secret) or never returns, a refusal that quotes a
// value. Each ends in a clear message that carries no secret, within the request timeout.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClusterUnavailable, Kube, withoutValues } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { kubeconfigYaml } from '../support/kubeconfig.js';
import { REQUEST_TIMEOUT_MS } from '../support/until.js';

const SECRET = 'hunter2-canary-7f3a';
let server: Server;
const servedOn = new Map<Socket, number>();
let url: string;

/** A pod of the paged list, named with characters a byte scanner could trip on. */
const pagedPod = (i: number) => ({
  metadata: { name: `pod-${i}`, namespace: 'paged', annotations: { note: `"]}é😀 ${'x'.repeat(i % 50)}` } },
  status: { phase: 'Running' },
});

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/namespaces/redirect')) {
      res.writeHead(302, { Location: 'https://login.example/' });
      res.end();
    } else if (req.url?.startsWith('/api/v1/namespaces/idle-closed')) {
      // The server closes an idle kept-alive connection just as the client reuses it: the second request
      // on a connection is never answered, only reset (the race an idle timeout causes, made certain).
      const served = (servedOn.get(req.socket) ?? 0) + 1;
      servedOn.set(req.socket, served);
      if (served > 1) return void req.socket.destroy();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: 'idle-closed' } }));
    } else if (req.url?.startsWith('/api/v1/namespaces/paged/pods')) {
      // Two pages, the first large and written in small pieces with its items before its metadata, the
      // second small: what the client reads of the second must not hold a byte of the first.
      const second = new URL(req.url, 'http://x').searchParams.get('continue') === 'page-2';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const body = Buffer.from(
        JSON.stringify(
          second
            ? { kind: 'PodList', metadata: {}, items: [pagedPod(900)] }
            : {
                items: Array.from({ length: 900 }, (_, i) => pagedPod(i)),
                kind: 'PodList',
                metadata: { continue: 'page-2' },
              },
        ),
      );
      // 999-byte pieces: some end inside a multi-byte character.
      for (let at = 0; at < body.length; at += 999) res.write(body.subarray(at, at + 999));
      res.end();
    } else if (req.url?.startsWith('/api/v1/namespaces/html')) {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>sign in</html>');
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function kube(user: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS): Kube {
  return new Kube(kubeAccessFromYaml(kubeconfigYaml({ server: url }, user)), {
    requestTimeoutMs: timeoutMs,
    pageSize: 500,
  });
}

const failure = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('the call succeeded');
    },
    (error: unknown) => error as Error,
  );

describe('the Kubernetes client', () => {
  it('reports a redirect and a non-JSON answer as the cluster being unusable, not as "not found"', async () => {
    const redirected = await failure(kube({ token: 't' }).namespaceExists('redirect'));
    expect(redirected).toBeInstanceOf(ClusterUnavailable);
    expect(redirected.message).toContain('answered HTTP 302');
    const html = await failure(kube({ token: 't' }).namespaceExists('html'));
    expect(html).toBeInstanceOf(ClusterUnavailable);
    expect(html.message).toContain('a body that is not JSON');
    expect(await kube({ token: 't' }).namespaceExists('missing')).toBe(false);
  });

  it('reads a paged list item by item, whatever the order of its members and however it is cut on the wire', async () => {
    const pods = await kube({ token: 't' }).listPods({ namespace: 'paged' });
    expect(pods).toEqual(Array.from({ length: 901 }, (_, i) => pagedPod(i)));
  });

  it('reports a list answered with something other than JSON as the cluster being unusable', async () => {
    const html = await failure(kube({ token: 't' }).listPods({ namespace: 'html' }));
    expect(html).toBeInstanceOf(ClusterUnavailable);
    expect(html.message).toContain('a body that is not a JSON list');
  });

  it('never shows what a failing exec credential plugin printed', async () => {
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'sh',
      args: ['-c', `echo "token ${SECRET} expired" >&2; exit 1`],
      interactiveMode: 'Never',
    };
    const error = await failure(kube({ exec }).namespaceExists('x'));
    expect(error).toBeInstanceOf(ClusterUnavailable);
    expect(error.message).toContain('could not be obtained');
    expect(error.message).not.toContain(SECRET);
  });

  it('sends a request again on a new connection when a kept-alive one was closed by the server while idle', async () => {
    const client = kube({ token: 't' });
    expect(await client.namespaceExists('idle-closed')).toBe(true);
    expect(await client.namespaceExists('idle-closed')).toBe(true); // the reused socket is reset, the retry answered
    expect(servedOn.size).toBe(2);
  });

  // The plugin outlives the request by seconds (client-node cannot cancel it), not forever, so Jest can exit.
  it('gives up on an exec credential plugin that does not return, within the request timeout', async () => {
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'sleep',
      args: ['5'],
      interactiveMode: 'Never',
    };
    const error = await failure(kube({ exec }, 500).namespaceExists('x'));
    expect(error).toBeInstanceOf(ClusterUnavailable);
    expect(error.message).toContain('did not answer within 0.5 s');
  });

  it('drops the values a refusal quotes, keeping the fields and the reasons', () => {
    expect(
      withoutValues(
        `ConfigMap "app" is invalid: data[DB_PASSWORD]: Invalid value: "${SECRET}": a valid config key must consist of alphanumeric characters`,
      ),
    ).toBe(
      'ConfigMap "app" is invalid: data[DB_PASSWORD]: Invalid value: a valid config key must consist of alphanumeric characters',
    );
    expect(withoutValues('spec.ports[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive')).toBe(
      'spec.ports[0].port: Invalid value: must be between 1 and 65535, inclusive',
    );
    expect(
      withoutValues(
        `The request is invalid: patch: Invalid value: "map[data:map[k:${SECRET}]]": strict decoding error`,
      ),
    ).not.toContain(SECRET);
  });
});
