import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { COMMANDS } from '../../src/app/commands.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { UsageError } from '../../src/errors.js';
import { toPlainText } from '../../src/cli/plain-text.js';
import { coverageLine, migrationPlanMessage, vaultStatusMessage } from '../../src/features/vault/render.js';
import { consumersOf, keysStillRead, type PodRunners } from '../../src/features/vault/consumers.js';
import { detectSecret, isHighEntropy, secretKeys } from '../../src/features/vault/detect.js';
import { fingerprinter, valueLength } from '../../src/features/vault/fingerprint.js';
import { annotationsToRemove, INJECT, injectAnnotations, ROLE, secretId } from '../../src/features/vault/inject.js';
import { validMount, validSecretPath } from '../../src/names.js';
import { usageOf } from '../support/usage.js';
import { migration } from '../support/vault-fixtures.js';

describe('vault grammar', () => {
  it('reads status, migrate and rollback, each with its own policy rule', () => {
    expect(COMMANDS.parse('vault status')).toEqual({ name: 'vault', action: 'status' });
    expect(COMMANDS.parse('vault status -n kafka')).toEqual({ name: 'vault', action: 'status', namespace: 'kafka' });
    const migrate = COMMANDS.parse(
      'vault migrate configmap/superset-config -n data-platform --keys B,A,A --mount kv/platform --path apps/superset --cutover --reason "Q4 plan"',
    );
    expect(migrate).toEqual({
      name: 'vault',
      action: 'migrate',
      namespace: 'data-platform',
      configMap: 'superset-config',
      keys: ['A', 'B'],
      mount: 'kv/platform',
      path: 'apps/superset',
      cutover: true,
      reason: 'Q4 plan',
    });
    expect(COMMANDS.parse('vault migrate cm/x -n ns')).toMatchObject({ configMap: 'x', cutover: false });
    expect(COMMANDS.parse('vault rollback K7M2P9XQ')).toEqual({ name: 'vault', action: 'rollback', id: 'k7m2p9xq' });
    expect(COMMANDS.policyName(COMMANDS.parse('vault status'))).toBe('vault-status');
    expect(COMMANDS.policyName(migrate)).toBe('vault-migrate');
    expect(COMMANDS.describe(migrate)).toEqual({
      line: 'vault migrate configmap/superset-config -n data-platform --keys A,B --mount kv/platform --path apps/superset --cutover',
      target: 'data-platform/configmap/superset-config',
      reason: 'Q4 plan',
    });
  });

  it('refuses hostile names, escapes and missing parts with the usage', () => {
    expect(usageOf('vault migrate configmap/x')).toMatch(/Add `-n NAMESPACE`/);
    expect(usageOf('vault migrate secret/x -n ns')).toMatch(/configmap\/NAME/);
    expect(usageOf('vault migrate configmap/../../etc -n ns')).toMatch(/not a valid Kubernetes name/);
    expect(usageOf('vault migrate configmap/x -n ns --path /etc/passwd')).toMatch(/not a secret path/);
    expect(usageOf('vault migrate configmap/x -n ns --path a/../../b')).toMatch(/not a secret path/);
    expect(usageOf('vault migrate configmap/x -n ns --mount sys')).toMatch(/not a KV mount/);
    expect(usageOf('vault migrate configmap/x -n ns --mount auth/kubernetes')).toMatch(/not a KV mount/);
    expect(usageOf('vault migrate configmap/x -n ns --keys "a b"')).toMatch(/not a ConfigMap key/);
    expect(usageOf('vault migrate configmap/x -n ns --keys ..')).toMatch(/not a ConfigMap key/);
    expect(usageOf('vault migrate configmap/x configmap/y -n ns')).toMatch(
      /Unexpected `configmap\/y`: `vault migrate` takes configmap\/NAME and nothing more/,
    );
    expect(usageOf('vault rollback')).toMatch(/Which migration/);
    expect(usageOf('vault rollback ../x')).toMatch(/not a migration id/);
    expect(usageOf('vault status --keys a')).toMatch(/`--keys` does not go with `vault status`/);
    expect(usageOf('vault rotate')).toMatch(/Unknown vault action `rotate`: status, migrate or rollback/);
  });

  it('never throws anything but a UsageError, for any input (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(
            'vault',
            'status',
            'migrate',
            'rollback',
            ' ',
            'configmap/',
            'cm/',
            'x',
            '-n',
            '--keys',
            '--mount',
            '--path',
            '--cutover',
            '..',
            '/',
            ',',
            '"',
            'sys',
            '$(',
            'k7m2p9xq',
          ),
        }),
        (text) => {
          try {
            const command = COMMANDS.parse(text);
            expect(COMMANDS.specs.map((c) => c.name)).toContain(command.name);
            if (command.name === 'vault' && command.action === 'migrate') {
              for (const value of [command.path ?? 'a', command.mount ?? 'secret'])
                expect(value.split('/')).not.toContain('..');
            }
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('checks mounts and paths', () => {
    for (const ok of ['secret', 'kv/platform', 'kv-2']) expect(validMount(ok)).toBe(true);
    for (const bad of ['', '/secret', 'secret/', '..', 'a/../b', 'sys', 'cubbyhole', 'a b'])
      expect(validMount(bad)).toBe(false);
    for (const ok of ['data-platform/superset', 'a.b/c_d']) expect(validSecretPath(ok)).toBe(true);
    for (const bad of ['', '/abs', 'a/', 'a//b', '.', 'a/./b', '../x', 'x'.repeat(201)])
      expect(validSecretPath(bad)).toBe(false);
  });
});

describe('secret detection', () => {
  it('finds secrets by key name and by value shape, and leaves ordinary settings alone', () => {
    expect(detectSecret('DATABASE_PASSWORD', 'x')).toEqual({ secret: true, why: 'name' });
    expect(detectSecret('apiToken', 'x')).toEqual({ secret: true, why: 'name' });
    expect(detectSecret('hive.s3.aws-secret-key', 'x')).toEqual({ secret: true, why: 'name' });
    expect(detectSecret('DATABASE_URL', 'postgresql://app:pw@db:5432/app')).toEqual({
      secret: true,
      why: 'value: a connection string with a user and password',
    });
    expect(detectSecret('JDBC', 'jdbc:postgresql://db/app?user=a&password=b')).toMatchObject({ secret: true });
    expect(detectSecret('jaas', 'x')).toMatchObject({ secret: true });
    expect(detectSecret('conf', 'PlainLoginModule required username="u" password="p";')).toMatchObject({
      secret: true,
    });
    expect(detectSecret('cert', '-----BEGIN RSA PRIVATE KEY-----\nMII')).toMatchObject({
      secret: true,
      why: 'value: a private key',
    });
    expect(detectSecret('app.properties', 'a=1\nconnection-password=s3cret\n')).toMatchObject({
      secret: true,
      why: 'value: a configuration file with credentials',
    });
    expect(detectSecret('SEED', 'q8Vz3LmT9pRz2KwYc6NhJ4sXa1Bd7Fe0')).toMatchObject({
      secret: true,
      why: 'value: a long random-looking string',
    });
    for (const [key, value] of [
      ['SPRING_DATASOURCE_URL', 'jdbc:postgresql://postgresql.data-platform:5432/dolphinscheduler'],
      ['JAVA_OPTS', '-Xms2g -Xmx2g'],
      ['REDIS_HOST', 'superset-redis'],
      ['TOKEN_TTL', '3600'],
      ['CACHE_KEY_PREFIX', 'carbon:'],
      ['DATABASE_PASSWORD', ''],
      ['iceberg.properties', 'connector.name=iceberg\niceberg.catalog.type=rest\n'],
      ['IMAGE', 'registry.k8s.io/pause:3.9'],
    ]) {
      expect({ key, ...detectSecret(key!, value!) }).toEqual({ key, secret: false });
    }
    expect(isHighEntropy('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toBe(false);
    expect(secretKeys({ B_TOKEN: 'x', A: 'plain', C_PASSWORD: 'y' }).map((s) => s.key)).toEqual([
      'B_TOKEN',
      'C_PASSWORD',
    ]);
  });
});

describe('fingerprints', () => {
  it('are keyed: the same value gives another fingerprint under another key, and never contains the value', () => {
    const a = fingerprinter(Buffer.alloc(32, 1));
    const b = fingerprinter(Buffer.alloc(32, 2));
    expect(a('admin123')).toMatch(/^[0-9a-f]{16}$/);
    expect(a('admin123')).toBe(a('admin123'));
    expect(a('admin123')).not.toBe(b('admin123'));
    expect(a('admin123')).not.toBe(a('admin124'));
    expect(valueLength('pässwörd🔑')).toBe(9);
  });
});

/** Nothing that runs pods, but what a test gives. */
const noRunners: PodRunners = {
  deployments: [],
  statefulSets: [],
  daemonSets: [],
  replicaSets: [],
  jobs: [],
  cronJobs: [],
  pods: [],
};

describe('consumers and injector annotations', () => {
  const deployment = (name: string, spec: object) =>
    ({ metadata: { name }, spec: { template: { spec: { containers: [], ...spec } } } }) as never;
  it('finds the workloads that read a ConfigMap through envFrom, configMapKeyRef and volumes', () => {
    const consumers = consumersOf('app-config', {
      ...noRunners,
      deployments: [
        deployment('api', { containers: [{ name: 'api', envFrom: [{ configMapRef: { name: 'app-config' } }] }] }),
        deployment('worker', {
          containers: [
            {
              name: 'w',
              env: [{ name: 'PW', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'DB_PASSWORD' } } }],
            },
          ],
        }),
        deployment('web', {
          containers: [{ name: 'web' }],
          volumes: [{ name: 'conf', configMap: { name: 'app-config', items: [{ key: 'app.properties', path: 'a' }] } }],
        }),
        deployment('other', { containers: [{ name: 'o', envFrom: [{ configMapRef: { name: 'other-config' } }] }] }),
      ],
      statefulSets: [
        {
          metadata: { name: 'db' },
          spec: {
            template: {
              spec: {
                containers: [],
                volumes: [{ name: 'p', projected: { sources: [{ configMap: { name: 'app-config' } }] } }],
              },
            },
          },
        } as never,
      ],
    });
    expect(consumers.map((c) => [`${c.kind}/${c.name}`, c.keys])).toEqual([
      ['deployment/api', '*'],
      ['deployment/web', ['app.properties']],
      ['deployment/worker', ['DB_PASSWORD']],
      ['statefulset/db', '*'],
    ]);
  });

  it('annotate with paths and templates only, and take off only what was added', () => {
    const annotations = injectAnnotations({
      mount: 'secret',
      path: 'ns/app',
      configMap: 'app-config',
      keys: ['DB_PASSWORD'],
      role: 'apps',
    });
    expect(annotations).toEqual({
      [INJECT]: 'true',
      [ROLE]: 'apps',
      'vault.hashicorp.com/agent-inject-secret-app-config.DB_PASSWORD': 'secret/data/ns/app/DB_PASSWORD',
      'vault.hashicorp.com/agent-inject-template-app-config.DB_PASSWORD':
        '{{- with secret "secret/data/ns/app/DB_PASSWORD" -}}{{ .Data.data.value }}{{- end -}}',
      'vault.hashicorp.com/agent-inject-file-app-config.DB_PASSWORD': 'DB_PASSWORD',
    });
    for (const name of Object.keys(
      injectAnnotations({ mount: 's', path: 'p', configMap: 'x'.repeat(60), keys: ['K_'], role: 'r' }),
    )) {
      expect(name.split('/')[1]!.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/[A-Za-z0-9]$/);
    }
    expect(secretId('a', 'b')).toBe('a.b');
    const added = Object.keys(annotations);
    expect(annotationsToRemove(added, { ...annotations })).toEqual(added);
    const other = { ...annotations, 'vault.hashicorp.com/agent-inject-secret-someone-else': 'secret/data/x' };
    expect(annotationsToRemove(added, other)).not.toContain(INJECT);
  });
});

describe('readers of every kind', () => {
  const reads = (key: string) => ({
    containers: [{ name: 'c', env: [{ name: key, valueFrom: { configMapKeyRef: { name: 'cm', key } } }] }],
  });
  const meta = (name: string, uid: string, controller?: string) => ({
    name,
    uid,
    ...(controller ? { ownerReferences: [{ uid: controller, controller: true }] } : {}),
  });
  // A Deployment with its current and an old ReplicaSet (scaled to zero) and a pod; a CronJob, its Job and pod;
  // a DaemonSet's pod; a bare pod, a finished bare pod, a pod whose controller is not listed.
  const runners = {
    ...noRunners,
    deployments: [{ metadata: meta('api', 'd1'), spec: { template: { spec: reads('A') } } }],
    replicaSets: [
      { metadata: meta('api-7f9c', 'rs1', 'd1'), spec: { replicas: 2, template: { spec: reads('A') } } },
      { metadata: meta('api-5d2b', 'rs0', 'd1'), spec: { replicas: 0, template: { spec: reads('OLD') } } },
    ],
    cronJobs: [
      { metadata: meta('report', 'cj1'), spec: { jobTemplate: { spec: { template: { spec: reads('B') } } } } },
    ],
    jobs: [{ metadata: meta('report-2941', 'j1', 'cj1'), spec: { template: { spec: reads('B') } } }],
    daemonSets: [{ metadata: meta('shipper', 'ds1'), spec: { template: { spec: reads('C') } } }],
    pods: [
      { metadata: meta('api-7f9c-x1', 'p1', 'rs1'), spec: reads('A'), status: { phase: 'Running' } },
      { metadata: meta('report-2941-q', 'p2', 'j1'), spec: reads('B'), status: { phase: 'Running' } },
      { metadata: meta('shipper-n1', 'p3', 'ds1'), spec: reads('C'), status: { phase: 'Running' } },
      { metadata: meta('debug', 'p4'), spec: reads('D'), status: { phase: 'Running' } },
      { metadata: meta('done', 'p5'), spec: reads('E'), status: { phase: 'Succeeded' } },
      { metadata: meta('spark-exec-1', 'p6', 'some-operator-uid'), spec: reads('F'), status: { phase: 'Pending' } },
    ],
  } as never as PodRunners;

  it('names each reader once, by the top controller listed; what runs no pod any more reads nothing', () => {
    expect(consumersOf('cm', runners).map((c) => [`${c.kind}/${c.name}`, c.keys])).toEqual([
      ['cronjob/report', ['B']],
      ['daemonset/shipper', ['C']],
      ['deployment/api', ['A']],
      ['pod/debug', ['D']],
      ['pod/spark-exec-1', ['F']],
    ]);
  });

  it('keeps every key a reader without injector annotations reads, whatever the apps read', () => {
    const kept = keysStillRead('cm', runners, ['A', 'B', 'C', 'D', 'E', 'F', 'OLD'], true);
    expect([...kept.keys()].sort()).toEqual(['A', 'B', 'C', 'D', 'F']);
    expect(kept.get('B')).toEqual([
      'cronjob/report reads it (env B (c)) and gets no injector annotations (carbon-ops annotates only Deployments and StatefulSets)',
    ]);
    expect(kept.get('A')).toEqual([
      'deployment/api reads it as env A (c) (configMapKeyRef): remove that reference first',
    ]);
    const envFrom = { containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'cm', optional: true } }] }] };
    const job = { ...noRunners, jobs: [{ metadata: meta('once', 'j2'), spec: { template: { spec: envFrom } } }] };
    expect([...keysStillRead('cm', job as never, ['X', 'Y'], true).keys()]).toEqual(['X', 'Y']);
  });
});

describe('cutover: keys still read', () => {
  const template = (spec: object) =>
    ({
      ...noRunners,
      deployments: [{ metadata: { name: 'app' }, spec: { selector: {}, template: { spec } } }],
    }) as never;
  it('keeps keys named by configMapKeyRef or a volume item always, and envFrom or whole-volume keys unless the apps read the files', () => {
    const keyRef = template({
      containers: [
        {
          name: 'c',
          env: [
            { name: 'PW', valueFrom: { configMapKeyRef: { name: 'cm', key: 'PW' } } },
            { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cm', key: 'OPT', optional: true } } },
          ],
        },
      ],
    });
    expect([...keysStillRead('cm', keyRef, ['PW', 'OPT', 'OTHER'], true).keys()]).toEqual(['PW']);
    const envFrom = template({ containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'cm' } }] }] });
    expect([...keysStillRead('cm', envFrom, ['A', 'B'], false).keys()]).toEqual(['A', 'B']);
    expect(keysStillRead('cm', envFrom, ['A', 'B'], true).size).toBe(0);
    const items = template({
      containers: [{ name: 'c' }],
      volumes: [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'A', path: 'a' }] } }],
    });
    expect([...keysStillRead('cm', items, ['A', 'B'], true).keys()]).toEqual(['A']);
    const whole = template({ containers: [{ name: 'c' }], volumes: [{ name: 'v', configMap: { name: 'cm' } }] });
    expect([...keysStillRead('cm', whole, ['A'], false).keys()]).toEqual(['A']);
    expect(keysStillRead('cm', whole, ['A'], true).size).toBe(0);
    expect(keysStillRead('other', keyRef, ['PW'], false).size).toBe(0);
  });

  it('reserves carbon-ops/ and takes --overwrite', () => {
    expect(usageOf('vault migrate configmap/x -n ns --path carbon-ops/fingerprint-key')).toMatch(
      /carbon-ops keeps its own secrets/,
    );
    expect(usageOf('vault migrate configmap/x -n carbon-ops')).toMatch(/the default is `carbon-ops\/x`/);
    expect(COMMANDS.parse('vault migrate configmap/x -n ns --overwrite')).toMatchObject({ overwrite: true });
    expect(COMMANDS.describe(COMMANDS.parse('vault migrate configmap/x -n ns --overwrite')).line).toContain(
      '--overwrite',
    );
  });

  it('takes --apps-read-vault-files only with --cutover', () => {
    expect(COMMANDS.parse('vault migrate configmap/x -n ns --cutover --apps-read-vault-files')).toMatchObject({
      cutover: true,
      appsReadVaultFiles: true,
    });
    expect(usageOf('vault migrate configmap/x -n ns --apps-read-vault-files')).toMatch(/goes with `--cutover`/);
  });
});

describe('vault messages', () => {
  it('fit Slack’s limits with 100 keys, escape user text and show the buttons while pending', () => {
    const message = migrationPlanMessage(migration());
    expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('restart-approve');
    expect(json).toContain('&lt;!channel&gt;');
    expect(toPlainText(message).split('\n')).toContain('migration: k7m2p9xq');
    expect(JSON.stringify(migrationPlanMessage(migration({ state: 'succeeded' })).blocks)).not.toContain(
      'restart-approve',
    );
  });

  it('say the coverage the way the security plan does', () => {
    expect(coverageLine(12, 40)).toBe('Secrets in Vault: 12 of 40 (30 %)');
    expect(coverageLine(0, 0)).toBe('Secrets in Vault: 0 of 0 (0 %)');
    const status = vaultStatusMessage({
      cluster: { name: 'c', simulated: false },
      vault: undefined,
      rows: [],
      configMaps: [],
      total: 0,
      inVault: 0,
    });
    expect(status.text).toContain('Secrets in Vault: 0 of 0');
    expect(toPlainText(status)).toMatch(/Vault not configured/);
  });

  it('drops whole ConfigMap lines past 3,000 characters and counts them', () => {
    const configMaps = Array.from({ length: 120 }, (_, i) => ({
      namespace: 'data-platform',
      name: `app-config-${String(i).padStart(3, '0')}`,
      keys: [
        { key: 'DATABASE_PASSWORD', why: 'name', state: 'plain' as const },
        { key: 'API_TOKEN', why: 'name', state: 'verified' as const },
      ],
    }));
    const status = vaultStatusMessage({
      cluster: { name: 'c', simulated: false },
      vault: undefined,
      rows: [{ namespace: 'data-platform', configMaps: 120, secretKeys: 240, inVault: 120, cutOver: 0 }],
      configMaps,
      total: 240,
      inVault: 120,
    });
    expect(checkMessage(status as never)).toBeUndefined();
    const texts = (status.blocks ?? []).map((b) => (b.type === 'section' ? (b.text?.text ?? '') : ''));
    const list: string = texts.find((t) => t.startsWith('*ConfigMaps with secrets*'))!;
    expect(list.length).toBeLessThanOrEqual(3000);
    const lines = list.split('\n').slice(1);
    const more = /^… and (\d+) more$/.exec(lines.at(-1)!);
    expect(more).not.toBeNull();
    const shown = lines.slice(0, -1);
    expect(
      shown.every((l) => /^• `data-platform\/app-config-\d{3}` 1\/2: DATABASE_PASSWORD, API_TOKEN ✅$/.test(l)),
    ).toBe(true);
    expect(shown.length + Number(more![1])).toBe(120);
  });
});
