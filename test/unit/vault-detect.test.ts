import { describe, expect, it } from '@jest/globals';
import { detectSecret } from '../../src/features/vault/detect.js';

describe('secrets in configuration files', () => {
  it('finds a literal credential in a properties or env file', () => {
    expect(detectSecret('hive.properties', 'connector.name=hive\nhive.s3.aws-secret-key=wJalrXUtnFEMI\n')).toEqual({
      secret: true,
      why: 'value: a configuration file with credentials',
    });
    expect(detectSecret('app.env', 'USER=etl\nPASSWORD: hunter2\n')).toMatchObject({ secret: true });
  });

  it('does not take code or references that name a credential for one', () => {
    const script =
      'import os\nsecret = os.environ.get(auth["valueFromEnv"])\nkey = tuple(str(row.get(c)) for c in unique)\n';
    expect(detectSecret('connector.py', script)).toEqual({ secret: false });
    expect(detectSecret('config.yaml', 'database:\n  password: ${DB_PASSWORD}\n')).toEqual({ secret: false });
  });
});
