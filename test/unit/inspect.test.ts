import { describe, expect, it } from '@jest/globals';
import { COMMANDS } from '../../src/app/commands.js';
import { loadCatalogue } from '../../src/catalogue.js';
import { resolveInspectTarget } from '../../src/features/inspect/target.js';
import { MASK, maskSecrets } from '../../src/features/vault/detect.js';
import { usageOf } from '../support/usage.js';

describe('logs, events and describe: the grammar', () => {
  it('reads logs with its options and defaults', () => {
    expect(COMMANDS.parse('logs kafka-connect')).toEqual({
      name: 'logs',
      target: { kind: 'service', name: 'kafka-connect' },
      previous: false,
      tail: 100,
    });
    expect(
      COMMANDS.parse('logs pod/kafka-connect-5cc8-nnw9t -n kafka -c kafka-connect --previous --tail 20 --since 10m'),
    ).toEqual({
      name: 'logs',
      target: { kind: 'pod', name: 'kafka-connect-5cc8-nnw9t' },
      namespace: 'kafka',
      container: 'kafka-connect',
      previous: true,
      tail: 20,
      sinceSeconds: 600,
    });
  });

  it('bounds --tail and --since and refuses a kind it cannot read', () => {
    expect(usageOf('logs trino --tail 0')).toMatch(/from 1 to 1000/);
    expect(usageOf('logs trino --tail 5000')).toMatch(/from 1 to 1000/);
    expect(usageOf('logs trino --tail lots')).toMatch(/from 1 to 1000/);
    expect(usageOf('logs trino --since 30d')).toMatch(/at most 7d/);
    expect(usageOf('logs trino --since soon')).toMatch(/is not a duration/);
    expect(usageOf('logs secret/db-creds')).toMatch(/name a service, pod\/NAME/);
    expect(usageOf('logs')).toMatch(/Which service\? Usage: `\/carbon logs/);
    expect(usageOf('events trino kafka')).toMatch(/Unexpected `kafka`/);
  });

  it('reads events and describe with a kind as kubectl spells it', () => {
    expect(COMMANDS.parse('events trino')).toEqual({ name: 'events', target: { kind: 'service', name: 'trino' } });
    expect(COMMANDS.parse('describe sts/kafka -n kafka')).toEqual({
      name: 'describe',
      target: { kind: 'statefulset', name: 'kafka' },
      namespace: 'kafka',
    });
    expect(COMMANDS.policyName(COMMANDS.parse('describe trino'))).toBe('describe');
    expect(COMMANDS.describe(COMMANDS.parse('logs trino --previous --tail 5')).line).toBe(
      'logs trino --previous --tail 5',
    );
  });

  it('resolves a service through the catalogue, and needs the namespace of a pod', async () => {
    const catalogue = await loadCatalogue('catalogue/services.yaml');
    const resolve = (text: string) =>
      resolveInspectTarget(COMMANDS.parse(text) as Parameters<typeof resolveInspectTarget>[0], catalogue);
    expect(resolve('logs kafka-connect')).toEqual({
      kind: 'deployment',
      name: 'kafka-connect',
      namespace: 'kafka',
      service: 'kafka-connect',
    });
    expect(resolve('describe pod/x -n kafka')).toEqual({ kind: 'pod', name: 'x', namespace: 'kafka' });
    expect(() => resolve('describe pod/x')).toThrow(/Which namespace is pod\/x in/);
    expect(() => resolve('events nosuch')).toThrow(/Unknown service `nosuch`/);
    expect(() => resolve('events trino -n kafka')).toThrow(/runs in namespace `data-platform`, not `kafka`/);
  });
});

describe('maskSecrets: a log line with credential-looking values masked', () => {
  const masked = (line: string) => maskSecrets(line).text;

  it.each([
    ['connection.password = Kc0nnect-an4lytics-91 (io.confluent.Config)', 'Kc0nnect-an4lytics-91'],
    ['DB_PASSWORD=hunter2-but-longer', 'hunter2-but-longer'],
    ['{"apiToken": "abc123def456"}', 'abc123def456'],
    ['connecting to postgres://etl:S3cr3t!pw@db:5432/etl', 'S3cr3t!pw'],
    ['Authorization: Bearer abcdef0123456789abcdef', 'abcdef0123456789abcdef'],
    ['using AKIAIOSFODNN7EXAMPLE for s3', 'AKIAIOSFODNN7EXAMPLE'],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N', 'eyJhbGciOiJIUzI1NiJ9'],
    ['slack xoxb-1234567890-abcdefghij posted', 'xoxb-1234567890'],
    ['session key Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg9Q', 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg9Q'],
  ])('masks %s', (line, secret) => {
    const result = maskSecrets(line);
    expect(result.text).not.toContain(secret);
    expect(result.text).toContain(MASK);
    expect(result.masked).toBeGreaterThan(0);
  });

  it.each([
    '[2026-11-21 08:56:59,412] INFO JdbcSourceConnectorConfig values: connection.url = jdbc:postgresql://db:5432/x',
    'request 3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f done in 12ms',
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8 deployed',
    'token_ttl=3600 s3_bucket_key_prefix=logs kafka_connect_worker_3_offsets_topic',
    'password: ${DB_PASSWORD}',
    'Caused by: org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment.',
  ])('leaves %s alone', (line) => {
    expect(masked(line)).toBe(line);
  });
});
