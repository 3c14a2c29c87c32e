// The kubeconfig loader as kubectl reads a kubeconfig: every field real kubeconfigs use, relative paths,
// exec credential plugins (cached until they expire, failing or hanging without leaking what they print),
// the in-cluster service account, and a clear message for what cannot be used.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import {
  KubeconfigError,
  KubeCredentialsError,
  kubeAccessFromFile,
  kubeAccessFromYaml,
  kubeAccessInCluster,
} from '../../src/integrations/kubeconfig.js';
import { kubeconfigYaml } from '../support/kubeconfig.js';

const SECRET = 'hunter2-canary-7f3a';
const b64 = (text: string) => Buffer.from(text).toString('base64');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'carbon-kubeconfig-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `text` under the test's directory and returns its path. */
async function file(name: string, text: string, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text, { mode });
  return path;
}

const failure = (run: () => unknown): Error => {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('it did not fail');
};

const rejection = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('it did not fail');
    },
    (error: unknown) => error as Error,
  );

describe('a kubeconfig', () => {
  it('names the current context, its cluster, user and namespace, whatever the order of the lists', () => {
    const access = kubeAccessFromYaml(
      YAML.stringify({
        'current-context': 'prod',
        contexts: [
          { name: 'dev', context: { cluster: 'dev', user: 'dev' } },
          { name: 'prod', context: { cluster: 'prod-cluster', user: 'admin', namespace: 'kafka' } },
        ],
        clusters: [
          { name: 'dev', cluster: { server: 'https://dev:6443' } },
          { name: 'prod-cluster', cluster: { server: 'https://prod.example:6443/' } },
        ],
        users: [
          { name: 'dev', user: { token: 'dev' } },
          { name: 'admin', user: { token: 'a' } },
        ],
      }),
    );
    expect([access.contextName, access.userName, access.server, access.namespace]).toEqual([
      'prod',
      'admin',
      'https://prod.example:6443',
      'kafka',
    ]);
  });

  it('sends a token as a bearer header, and username/password as basic auth', async () => {
    const token = await kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k' }, { token: SECRET })).credentials(
      1000,
    );
    expect(token.headers).toEqual({ Authorization: `Bearer ${SECRET}` });
    const basic = await kubeAccessFromYaml(
      kubeconfigYaml({ server: 'https://k' }, { username: 'admin', password: 'pw' }),
    ).credentials(1000);
    expect(basic.headers).toEqual({ Authorization: `Basic ${b64('admin:pw')}` });
    const anonymous = await kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k' })).credentials(1000);
    expect(anonymous).toEqual({ headers: {}, tls: { rejectUnauthorized: true } });
  });

  it('reads a tokenFile on every request (bound tokens rotate), relative to the kubeconfig, and prefers it to token', async () => {
    await file('tokens/sa', 'first\n');
    const path = await file(
      'kc-token',
      kubeconfigYaml({ server: 'https://k' }, { tokenFile: 'tokens/sa', token: 'old' }),
    );
    const access = kubeAccessFromFile(path);
    expect((await access.credentials(1000)).headers.Authorization).toBe('Bearer first');
    await file('tokens/sa', 'second\n');
    expect((await access.credentials(1000)).headers.Authorization).toBe('Bearer second');
  });

  it('reads CA and client certificate files again only when they change (a renewed certificate is picked up)', async () => {
    const pem = { ca: 'renewed/ca.crt', cert: 'renewed/client.crt', key: 'renewed/client.key' };
    for (const [which, path] of Object.entries(pem)) await file(path, `${which.toUpperCase()} ONE`);
    const cluster = { server: 'https://k', 'certificate-authority': pem.ca };
    const user = { 'client-certificate': pem.cert, 'client-key': pem.key };
    const access = kubeAccessFromFile(await file('kc-renewed', kubeconfigYaml(cluster, user)));
    const first = (await access.credentials(1000)).tls;
    // Unchanged: the very bytes read before are handed back, not a fresh read of the file.
    const again = (await access.credentials(1000)).tls;
    expect(again.ca).toBe(first.ca);
    expect(again.cert).toBe(first.cert);
    expect(again.key).toBe(first.key);

    // Renewed as a Secret's mount renews it (a new file renamed over the old), and written in place.
    await file('renewed/client.crt.new', 'CERT TWO');
    await rename(join(dir, 'renewed/client.crt.new'), join(dir, 'renewed/client.crt'));
    await file('renewed/client.key', 'KEY TWO');
    const renewed = (await access.credentials(1000)).tls;
    expect([renewed.ca?.toString(), renewed.cert?.toString(), renewed.key?.toString()]).toEqual([
      'CA ONE',
      'CERT TWO',
      'KEY TWO',
    ]);
    expect(renewed.ca).toBe(first.ca);

    // A file gone is still a clear error, not the bytes it once had.
    await rm(join(dir, 'renewed/ca.crt'));
    await expect(access.credentials(1000)).rejects.toThrow(/certificate authority .*cannot be read \(ENOENT\)/);
  });

  it('uses the TLS settings: CA and client certificate as data or files (data wins), skip-verify, server name', async () => {
    await file('pki/ca.crt', 'CA FROM FILE');
    await file('pki/client.crt', 'CERT FROM FILE');
    await file('pki/client.key', 'KEY FROM FILE');
    const fromFiles = kubeAccessFromFile(
      await file(
        'kc-files',
        kubeconfigYaml(
          { server: 'https://k', 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'api.internal' },
          { 'client-certificate': 'pki/client.crt', 'client-key': join(dir, 'pki/client.key') },
        ),
      ),
    );
    const { tls } = await fromFiles.credentials(1000);
    expect([tls.ca?.toString(), tls.cert?.toString(), tls.key?.toString(), tls.servername]).toEqual([
      'CA FROM FILE',
      'CERT FROM FILE',
      'KEY FROM FILE',
      'api.internal',
    ]);
    expect(tls.rejectUnauthorized).toBe(true);
    const fromData = kubeAccessFromYaml(
      kubeconfigYaml(
        {
          server: 'https://k',
          'certificate-authority-data': b64('CA DATA'),
          'certificate-authority': '/nonexistent/ca.crt',
        },
        { 'client-certificate-data': b64('CERT DATA'), 'client-key-data': b64('KEY DATA') },
      ),
    );
    const data = (await fromData.credentials(1000)).tls;
    expect([data.ca?.toString(), data.cert?.toString(), data.key?.toString()]).toEqual([
      'CA DATA',
      'CERT DATA',
      'KEY DATA',
    ]);
    const insecure = kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k', 'insecure-skip-tls-verify': true }));
    expect((await insecure.credentials(1000)).tls.rejectUnauthorized).toBe(false);
  });

  it('keeps the proxy-url, and refuses one of a scheme no client speaks', () => {
    expect(
      kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k', 'proxy-url': 'socks5://127.0.0.1:1080' })).proxyUrl,
    ).toBe('socks5://127.0.0.1:1080');
    expect(kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k' })).proxyUrl).toBeUndefined();
    expect(
      failure(() => kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k', 'proxy-url': 'ftp://x' }))).message,
    ).toContain('cluster "c": proxy-url must be');
  });

  it('merges the files of a KUBECONFIG list as kubectl does: the first to define a name or current-context wins', async () => {
    const first = await file(
      'merge-1',
      YAML.stringify({ 'current-context': 'b', clusters: [{ name: 'c', cluster: { server: 'https://first' } }] }),
    );
    const second = await file(
      'merge-2',
      YAML.stringify({
        'current-context': 'ignored',
        clusters: [{ name: 'c', cluster: { server: 'https://second' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'b', context: { cluster: 'c', user: 'u' } }],
      }),
    );
    const access = kubeAccessFromFile(`${first}:${second}`);
    expect([access.contextName, access.server, access.userName]).toEqual(['b', 'https://first', 'u']);
  });
});

describe('a kubeconfig that cannot be used', () => {
  const cases: [string, string, string][] = [
    ['not YAML', 'clusters: [unclosed', 'is not YAML'],
    ['not a mapping', '- a\n- b\n', 'is not a kubeconfig'],
    ['no current-context', YAML.stringify({ clusters: [] }), 'current-context is not set'],
    [
      'a current-context that is not there',
      YAML.stringify({ 'current-context': 'gone', contexts: [] }),
      'current-context "gone" is not one of its contexts',
    ],
    [
      'a context naming a missing cluster',
      YAML.stringify({ 'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'nope', user: 'u' } }] }),
      'context "x" names cluster "nope", which is not one of its clusters',
    ],
    [
      'a context naming a missing user',
      YAML.stringify({
        'current-context': 'x',
        clusters: [{ name: 'c', cluster: { server: 'https://k' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'nobody' } }],
      }),
      'context "x" names user "nobody", which is not one of its users',
    ],
    ['a cluster without server', kubeconfigYaml({}), 'cluster "c" has no server'],
    ['a server that is not a URL', kubeconfigYaml({ server: 'k8s:6443:x' }), 'cluster "c": server must be'],
    [
      'a legacy auth-provider',
      kubeconfigYaml({ server: 'https://k' }, { 'auth-provider': { name: 'gcp', config: { 'access-token': SECRET } } }),
      'user "u": auth-provider "gcp" is not supported',
    ],
    [
      'a client certificate without its key',
      kubeconfigYaml({ server: 'https://k' }, { 'client-certificate-data': b64('c') }),
      'user "u": client-certificate(-data) is set but client-key(-data) is missing',
    ],
    [
      'a missing CA file',
      kubeconfigYaml({ server: 'https://k', 'certificate-authority': '/nonexistent/ca.crt' }),
      'cluster "c": certificate-authority: /nonexistent/ca.crt cannot be read (ENOENT)',
    ],
    [
      'an exec plugin of an unknown apiVersion',
      kubeconfigYaml(
        { server: 'https://k' },
        { exec: { command: 'x', apiVersion: 'client.authentication.k8s.io/v1alpha1' } },
      ),
      'user "u": exec: apiVersion must be one of',
    ],
    [
      'an exec plugin that needs a terminal',
      kubeconfigYaml(
        { server: 'https://k' },
        { exec: { command: 'x', apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Always' } },
      ),
      'interactiveMode Always needs a terminal',
    ],
    [
      'a token that is not a string',
      kubeconfigYaml({ server: 'https://k' }, { token: 12 }),
      'user "u": token must be a string',
    ],
  ];
  it.each(cases)('%s: a KubeconfigError naming the field', (_, text, message) => {
    const error = failure(() => kubeAccessFromYaml(text));
    expect(error).toBeInstanceOf(KubeconfigError);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain(SECRET);
  });

  it('a missing file: its path and the code', () => {
    const error = failure(() => kubeAccessFromFile('/nonexistent/kubeconfig'));
    expect(error).toBeInstanceOf(KubeconfigError);
    expect(error.message).toBe('kubeconfig /nonexistent/kubeconfig cannot be read (ENOENT)');
  });
});

describe('an exec credential plugin', () => {
  /** A plugin script under the test directory that counts its runs and prints `status` as an ExecCredential. */
  async function plugin(name: string, apiVersion: string, status: Record<string, unknown>): Promise<string> {
    const credential = JSON.stringify({ apiVersion, kind: 'ExecCredential', status });
    return file(
      `bin/${name}`,
      [
        '#!/bin/sh',
        `echo run >> "${join(dir, `${name}.runs`)}"`,
        `echo "$1 $PLUGIN_ENV" > "${join(dir, `${name}.seen`)}"`,
        `echo "$KUBERNETES_EXEC_INFO" > "${join(dir, `${name}.info`)}"`,
        `echo "secret ${SECRET} on stderr" >&2`,
        `printf '%s' '${credential}'`,
      ].join('\n'),
      0o700,
    );
  }
  const runs = async (name: string) => (await readFile(join(dir, `${name}.runs`), 'utf8')).trim().split('\n').length;
  const execUser = (
    command: string,
    apiVersion = 'client.authentication.k8s.io/v1',
    extra: Record<string, unknown> = {},
  ) => ({
    exec: {
      apiVersion,
      command,
      args: ['--flag'],
      env: [{ name: 'PLUGIN_ENV', value: 'from-kubeconfig' }],
      interactiveMode: 'Never',
      ...extra,
    },
  });

  it('gives its token, with the args and env of the kubeconfig, resolved relative to the kubeconfig; cached until it expires', async () => {
    const v1 = 'client.authentication.k8s.io/v1';
    await plugin('fresh', v1, { token: 'tok-1', expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() });
    const access = kubeAccessFromFile(
      await file('kc-exec', kubeconfigYaml({ server: 'https://k' }, execUser('./bin/fresh'))),
    );
    expect((await access.credentials(10_000)).headers.Authorization).toBe('Bearer tok-1');
    expect((await access.credentials(10_000)).headers.Authorization).toBe('Bearer tok-1');
    expect(await runs('fresh')).toBe(1);
    expect((await readFile(join(dir, 'fresh.seen'), 'utf8')).trim()).toBe('--flag from-kubeconfig');
    expect(JSON.parse(await readFile(join(dir, 'fresh.info'), 'utf8'))).toEqual({
      apiVersion: v1,
      kind: 'ExecCredential',
      spec: { interactive: false },
    });

    await plugin('expired', v1, { token: 'tok-2', expirationTimestamp: new Date(Date.now() - 1000).toISOString() });
    const expiring = kubeAccessFromFile(
      await file('kc-expired', kubeconfigYaml({ server: 'https://k' }, execUser('bin/expired'))),
    );
    await expiring.credentials(10_000);
    await expiring.credentials(10_000);
    expect(await runs('expired')).toBe(2);
  });

  it('gives a client certificate and key (v1beta1), and the cluster when asked (provideClusterInfo)', async () => {
    const beta = 'client.authentication.k8s.io/v1beta1';
    await plugin('cert', beta, { clientCertificateData: 'PLUGIN CERT', clientKeyData: 'PLUGIN KEY' });
    const access = kubeAccessFromFile(
      await file(
        'kc-exec-cert',
        kubeconfigYaml(
          { server: 'https://k', 'certificate-authority-data': b64('CA') },
          execUser('bin/cert', beta, { provideClusterInfo: true }),
        ),
      ),
    );
    const { headers, tls } = await access.credentials(10_000);
    expect(headers).toEqual({});
    expect([tls.cert, tls.key]).toEqual(['PLUGIN CERT', 'PLUGIN KEY']);
    const info = JSON.parse(await readFile(join(dir, 'cert.info'), 'utf8')) as { spec: { cluster: unknown } };
    expect(info.spec.cluster).toEqual({ server: 'https://k', 'certificate-authority-data': b64('CA') });
  });

  it('fails without what it printed: a non-zero exit, a wrong answer, a command not found (with its install hint)', async () => {
    const exitOne = await file('bin/fails', `#!/bin/sh\necho "token ${SECRET}"\necho "${SECRET}" >&2\nexit 1\n`, 0o700);
    const failed = await rejection(
      kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k' }, execUser(exitOne))).credentials(10_000),
    );
    expect(failed).toBeInstanceOf(KubeCredentialsError);
    expect(failed.message).toBe('the exec plugin "fails" exited with code 1');

    const wrong = await file('bin/wrong', `#!/bin/sh\necho '{"token": "${SECRET}"}'\n`, 0o700);
    const garbled = await rejection(
      kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k' }, execUser(wrong))).credentials(10_000),
    );
    expect(garbled.message).toContain('printed something other than an ExecCredential');
    expect(garbled.message).not.toContain(SECRET);

    await plugin('old-version', 'client.authentication.k8s.io/v1beta1', { token: SECRET });
    const mismatch = await rejection(
      kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k' }, execUser(join(dir, 'bin/old-version')))).credentials(
        10_000,
      ),
    );
    expect(mismatch.message).toContain(
      'answered in apiVersion client.authentication.k8s.io/v1beta1, not client.authentication.k8s.io/v1',
    );
    expect(mismatch.message).not.toContain(SECRET);

    const missing = await rejection(
      kubeAccessFromYaml(
        kubeconfigYaml(
          { server: 'https://k' },
          execUser('no-such-plugin-xyz', undefined, { installHint: 'Install it with brew.' }),
        ),
      ).credentials(10_000),
    );
    expect(missing.message).toBe('the exec plugin "no-such-plugin-xyz" was not found. Install it with brew.');
  });

  it('is killed when it does not finish within the time it is given', async () => {
    const hangs = await file('bin/hangs', '#!/bin/sh\nexec sleep 60\n', 0o700);
    const error = await rejection(
      kubeAccessFromYaml(kubeconfigYaml({ server: 'https://k' }, execUser(hangs))).credentials(200),
    );
    expect(error.message).toBe('the exec plugin "hangs" did not finish within 0.2 s');
  });
});

describe('the in-cluster service account', () => {
  it('reaches the API at KUBERNETES_SERVICE_HOST:PORT with the mounted CA, reading the token again on every request', async () => {
    const sa = join(dir, 'sa');
    await file('sa/token', 'bound-1');
    await file('sa/ca.crt', 'CLUSTER CA');
    await file('sa/namespace', 'carbon-ops\n');
    const access = kubeAccessInCluster({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, sa);
    expect([access.server, access.contextName, access.userName, access.namespace]).toEqual([
      'https://10.0.0.1:443',
      'inClusterContext',
      'inClusterUser',
      'carbon-ops',
    ]);
    const first = await access.credentials(1000);
    expect([first.headers.Authorization, first.tls.ca?.toString()]).toEqual(['Bearer bound-1', 'CLUSTER CA']);
    await file('sa/token', 'bound-2');
    expect((await access.credentials(1000)).headers.Authorization).toBe('Bearer bound-2');
    expect(
      kubeAccessInCluster({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, sa).server,
    ).toBe('https://[fd00::1]:6443');
  });

  it('says what is missing outside a pod', async () => {
    expect(failure(() => kubeAccessInCluster({}, join(dir, 'sa'))).message).toContain(
      'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set',
    );
    const empty = join(dir, 'empty-sa');
    await mkdir(empty, { recursive: true });
    await chmod(empty, 0o700);
    expect(
      failure(() => kubeAccessInCluster({ KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '1' }, empty)).message,
    ).toContain(`in-cluster config: the service account token: ${empty}/token cannot be read (ENOENT)`);
  });
});
