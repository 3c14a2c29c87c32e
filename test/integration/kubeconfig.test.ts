// Kubeconfigs as people write them, read by our loader (not client-node), reaching the Kubernetes stand-in
// over verified TLS: a token with the CA as a file beside the kubeconfig, an exec credential plugin, and a
// client certificate. Who the server took us for is asked the way `kubectl auth whoami` asks it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { loadScenario, startKubeStandin, type KubeStandin } from '../../src/devstack/kube/index.js';
import { selfSignedCert } from '../../src/devstack/kube/tls.js';
import { ClusterUnavailable, Kube, type KubeApiError } from '../../src/integrations/kubernetes.js';
import { currentUser, kubeconfigYaml } from '../support/kubeconfig.js';
import { REQUEST_TIMEOUT_MS } from '../support/until.js';

let dir: string;
let standin: KubeStandin;
let botToken: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'carbon-kubeconfigs-'));
  standin = await startKubeStandin({ scenario: await loadScenario('254carbon') });
  botToken = currentUser(standin.botKubeconfigYaml()).user.token as string;
  await writeFile(join(dir, 'ca.crt'), standin.ca);
});

afterAll(async () => {
  await standin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A Kube as `carbon` makes one from KUBECONFIG: the file written under the test's directory. */
async function kubeFrom(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): Promise<Kube> {
  const path = join(dir, name);
  await writeFile(path, kubeconfigYaml(cluster, user), { mode: 0o600 });
  return Kube.fromOptions({ kubeconfig: path, requestTimeoutMs: REQUEST_TIMEOUT_MS, pageSize: 500 });
}

/** Who the API server says we are (SelfSubjectReview, `kubectl auth whoami`). */
async function whoami(kube: Kube): Promise<string | undefined> {
  const review = await kube.request<{ status?: { userInfo?: { username?: string } } }>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    what: 'create selfsubjectreview',
  });
  return review.status?.userInfo?.username;
}

const BOT = 'system:serviceaccount:carbon-ops:carbon-ops';

describe('a kubeconfig read without client-node', () => {
  it('with a token and the CA as a file beside it: the bot, over verified TLS, listing pods', async () => {
    const kube = await kubeFrom(
      'token',
      { server: standin.url, 'certificate-authority': 'ca.crt' },
      { token: botToken },
    );
    try {
      expect(await whoami(kube)).toBe(BOT);
      expect((await kube.listPods({ namespace: 'kafka' })).length).toBeGreaterThan(0);
    } finally {
      kube.close();
    }
    // Without the CA the stand-in's certificate is refused, as kubectl refuses it.
    const untrusted = await kubeFrom('no-ca', { server: standin.url }, { token: botToken });
    const refused = await untrusted.version().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ClusterUnavailable);
    expect((refused as Error).message).toContain('cannot be reached');
    untrusted.close();
  });

  it('with an exec plugin: its token used, the plugin run once while the credential is valid', async () => {
    const runs = join(dir, 'plugin.runs');
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: botToken, expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() },
    });
    await writeFile(join(dir, 'plugin'), `#!/bin/sh\necho run >> "${runs}"\nprintf '%s' '${credential}'\n`, {
      mode: 0o700,
    });
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: './plugin', interactiveMode: 'Never' };
    const kube = await kubeFrom('exec', { server: standin.url, 'certificate-authority': 'ca.crt' }, { exec });
    try {
      expect(await whoami(kube)).toBe(BOT);
      expect((await kube.listPods({ namespace: 'kafka' })).length).toBeGreaterThan(0);
      expect((await readFile(runs, 'utf8')).trim().split('\n')).toHaveLength(1);
    } finally {
      kube.close();
    }
  });

  it('with a client certificate: presented in the TLS handshake, with the CA checking the server', async () => {
    // The stand-in authenticates bearer tokens only: with a certificate we reach it as an anonymous caller
    // (who may read /version and is refused the rest); a server that asks for the certificate is shown it.
    const now = Date.now();
    const spec = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) };
    const client = selfSignedCert({ ...spec, commonName: 'carbon-ops-client', altNames: [] });
    await writeFile(join(dir, 'client.crt'), client.cert);
    await writeFile(join(dir, 'client.key'), client.key, { mode: 0o600 });
    const user = { 'client-certificate': 'client.crt', 'client-key': 'client.key' };
    const kube = await kubeFrom('cert', { server: standin.url, 'certificate-authority': 'ca.crt' }, user);
    try {
      expect((await kube.version()).gitVersion).toMatch(/^v1\./);
      const anonymous = await kube.namespaceExists('kafka').catch((error: unknown) => error);
      expect((anonymous as KubeApiError).code).toBe(401);
    } finally {
      kube.close();
    }

    const serving = selfSignedCert({ ...spec, commonName: 'mtls', altNames: [{ ip: '127.0.0.1' }] });
    // A server that asks for a client certificate and answers with the name of the one presented (the
    // stand-in's certificate helper makes server certificates, so it is not verified against a CA here).
    const mtls: Server = createServer({ ...serving, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ gitVersion: 'v1.32.0', platform: String(peer.subject?.CN ?? 'none') }));
    });
    await new Promise<void>((resolve) => mtls.listen(0, '127.0.0.1', resolve));
    await writeFile(join(dir, 'mtls-ca.crt'), serving.cert);
    const url = `https://127.0.0.1:${(mtls.address() as AddressInfo).port}`;
    const viaCert = await kubeFrom('mtls', { server: url, 'certificate-authority': 'mtls-ca.crt' }, user);
    try {
      expect((await viaCert.version()).platform).toBe('carbon-ops-client');
    } finally {
      viaCert.close();
      mtls.closeAllConnections();
      await new Promise((resolve) => mtls.close(resolve));
    }
  });
});
