import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalogue } from '../../src/catalogue.js';
import { loadConfig } from '../../src/config.js';
import { measureDataServices } from '../../src/features/health/data-services/measure.js';
import type { Kube } from '../../src/integrations/kubernetes.js';

/** The catalogue's data checks: what the health report measures beside the pods, validated when it is loaded. */
async function load(yaml: string) {
  const dir = await mkdtemp(join(tmpdir(), 'catalogue-'));
  const file = join(dir, 'services.yaml');
  await writeFile(file, yaml);
  try {
    return { file, catalogue: await loadCatalogue(file) };
  } catch (error) {
    return { file, error: (error as Error).message };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const service = (extra: string) =>
  `services:\n  - { name: pg, namespace: data-platform, workload: statefulset/postgresql${extra} }\n`;

describe('catalogue checks', () => {
  it('names the file and the path of every invalid check field', async () => {
    const { file, error } = await load(
      service(
        ', checks: [{ kind: postgres, endpoint: "no port", database: x, user: y, credentials: { secret: s } }, { kind: ftp }]',
      ),
    );
    expect(error).toContain(`CATALOGUE_FILE ${file} is invalid:`);
    expect(error).toContain(`  - ${file}: services.0.checks.0.endpoint: host:port`);
    expect(error).toContain(`  - ${file}: services.0.checks.0.credentials`);
    expect(error).toContain(`  - ${file}: services.0.checks.1.kind`);
  });

  it('refuses a tls or http check with neither an endpoint nor a service url', async () => {
    const { file, error } = await load(service(', checks: [{ kind: http }]'));
    expect(error).toBe(
      `CATALOGUE_FILE ${file}: services.0.checks.0: a http check needs an endpoint (service pg has no url)`,
    );
  });

  it('probes a service url (certificate and HTTP) unless the service lists its own checks of those kinds', async () => {
    const { catalogue } = await load(
      'services:\n' +
        '  - { name: a, namespace: ns, workload: deployment/a, url: https://a.example.com, checks: [{ kind: vault }] }\n' +
        '  - { name: b, namespace: ns, workload: deployment/b, url: http://b.example.com }\n' +
        '  - { name: c, namespace: ns, workload: deployment/c, url: https://c.example.com, checks: [{ kind: http, endpoint: https://c.example.com/health }] }\n',
    );
    expect(catalogue!.find('a')!.checks).toEqual([{ kind: 'vault' }, { kind: 'tls' }, { kind: 'http' }]);
    expect(catalogue!.find('b')!.checks).toEqual([{ kind: 'http' }]);
    expect(catalogue!.find('c')!.checks).toEqual([
      { kind: 'http', endpoint: 'https://c.example.com/health' },
      { kind: 'tls' },
    ]);
  });

  it('loads the shipped catalogue, its Kafka, PostgreSQL and Vault checks included', async () => {
    const catalogue = await loadCatalogue('catalogue/services.yaml');
    expect(catalogue.find('kafka')!.checks).toContainEqual(
      expect.objectContaining({ kind: 'kafka', cluster: 'default' }),
    );
    expect(catalogue.find('postgresql')!.checks![0]).toMatchObject({
      kind: 'postgres',
      credentials: { secret: 'postgresql-health', key: 'password' },
    });
    expect(catalogue.find('vault')!.checks).toContainEqual({ kind: 'vault' });
  });
});

describe('catalogue URLs and what the report shows of them', () => {
  it('refuses a URL with user:password@, naming the file and the path, never the password', async () => {
    const { file, error } = await load(
      'services:\n' +
        '  - { name: a, namespace: ns, workload: deployment/a, url: "https://ops:hunter2@a.example.com/" }\n' +
        '  - { name: b, namespace: ns, workload: deployment/b, checks: [{ kind: http, endpoint: "http://ops@b.example.com/health" }] }\n' +
        '  - { name: c, namespace: ns, workload: deployment/c, checks: [{ kind: tls, endpoint: "https://:hunter2@c.example.com" }] }\n',
    );
    expect(error).toContain(`CATALOGUE_FILE ${file} is invalid:`);
    for (const path of ['services.0.url', 'services.1.checks.0.endpoint', 'services.2.checks.0.endpoint'])
      expect(error).toContain(`  - ${file}: ${path}: must not carry credentials (user:password@)`);
    expect(error).not.toContain('hunter2');
  });

  it('reports a URL check without its query, where a token may ride', async () => {
    // Nothing listens on port 1: the check is not measured, quickly, and says so without the token.
    const { catalogue } = await load(
      'services:\n' +
        '  - { name: a, namespace: ns, workload: deployment/a, url: "http://127.0.0.1:1/health?token=s3cr3t#frag" }\n',
    );
    const config = loadConfig({ DATA_CHECK_TIMEOUT_MS: '5000' });
    // An http: URL reads nothing from the cluster (no cert-manager Certificates): no Kubernetes API is needed.
    const checks = await measureDataServices({ config, kube: undefined as unknown as Kube }, catalogue!, undefined);
    const http = checks.find((c) => c.kind === 'http')!;
    expect(http).toMatchObject({ target: 'http://127.0.0.1:1/health?…', state: 'not-measured' });
    expect(JSON.stringify(checks)).not.toContain('s3cr3t');
  });
});
