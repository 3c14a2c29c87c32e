import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { MIGRATIONS } from '../../src/store/migrations.js';

/**
 * Released migrations have run on existing databases: their SQL must never change, even where it is
 * built from shared pieces (store/migrations/approval-tables.ts). A change here is a new migration.
 */
const RELEASED: Record<number, string> = {
  1: '303afe64d81dc736b6fec9aef5bc74d8bc86e6a49f9e9acf7f53a091634d9457',
  2: '0c4799e2f9b670d752b1e53c82fb1a3cf4981cf19ab63765c06d8813a8b73bc5',
  3: '8b889ca8759908e96bf48028e5ce04259e50aa6ac9a41065f3a0247d6802954f',
  4: 'ad2c0a0b8304b6b4d0c4a27383fa572427f0264cc3302ee5cbf358786b9269cc',
  5: 'd6f1e76ed540928f991518f2ac52f5a48642b1be32fcb9a83b38165b7b6e8d7e',
  10: '8c42355547abc28ecfa66eb0459d1e3c919fad1b3b6f9c26a69f21e905874acc',
  20: '03212d03605a417cfb4551e78182142ef860a6bf27b584d3a658514803b76de4',
  21: 'da21012fecfd522c8868c6a92b3cff7feec77af0b2b6ec79c4e159d25536e125',
  30: '2b27df51ffdbf93c795b1246013a7e069dc3bd356e8e658b83b85fde5fa5118a',
  31: '5a4cfa0586083ac781bb2aee3e768b8997a85b1ea107e1208f0bd3369811d8bf',
};

describe('migrations', () => {
  it('keep the SQL of every released migration to the byte', () => {
    for (const [version, sha256] of Object.entries(RELEASED)) {
      const migration = MIGRATIONS.find((m) => m.version === Number(version));
      expect(migration && createHash('sha256').update(migration.sql).digest('hex')).toBe(sha256);
    }
  });

  it('apply in order, each version once', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });
});
