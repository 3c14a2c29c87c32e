// README's "Dependencies" table, checked row by row: a package said to be used is in package.json where the row
// says and is loaded by the file the row names; one said to be left out is in neither dependency list, and the test
// the row names for its reasons exists; "X, not Y" is the major version installed.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

interface Row {
  packages: string[];
  listed: string;
  where: string;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, string>>;
const readme = readFileSync('README.md', 'utf8');
const section = readme.slice(
  readme.indexOf('## Dependencies'),
  readme.indexOf('\n## ', readme.indexOf('## Dependencies') + 3),
);
const rows: Row[] = section
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => {
    const [packages = '', listed = '', where = ''] = line
      .split(' | ')
      .map((cell) => cell.replace(/^\| |\|$/g, '').trim());
    return { packages: [...packages.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), listed, where };
  });
/** The repository files a row names (backticked paths that exist). */
const filesOf = (row: Row) => [...row.where.matchAll(/`([^`\s]+\.[a-z]+)`/g)].map((m) => m[1]!).filter(existsSync);
const mentions = (text: string, name: string) => text.includes(`'${name}'`) || text.includes(`'${name}/`);

describe("README's dependency table", () => {
  it('covers the packages DESIGN.md names', () => {
    const named = rows.flatMap((r) => r.packages);
    for (const name of ['@slack/bolt', '@kubernetes/client-node', 'bullmq', 'ioredis', 'kafkajs', 'node-vault'])
      expect(named).toContain(name);
    expect(named.length).toBeGreaterThanOrEqual(18);
  });

  it.each(rows.map((r) => [r.packages.join(', '), r] as const))('%s: as the row says', (_, row) => {
    const files = filesOf(row);
    if (row.listed !== '—' || row.packages.includes('node-vault')) expect(files.length).toBeGreaterThan(0);
    for (const name of row.packages) {
      if (row.listed === '—') {
        expect([name, pkg.dependencies![name], pkg.devDependencies![name]]).toEqual([name, undefined, undefined]);
        continue;
      }
      expect([name, row.listed, name in pkg[row.listed]!]).toEqual([name, row.listed, true]);
      const loaders = files.filter((f) => f.endsWith('.ts') || f.endsWith('.js'));
      if (loaders.length > 0)
        expect([name, loaders.some((f) => mentions(readFileSync(f, 'utf8'), name))]).toEqual([name, true]);
    }
    const pinned = /(\d+)(?:\.(\d+))?, not (\d+)/.exec(row.where);
    if (pinned) {
      const [, major, minor] = pinned;
      const name = row.packages[0]!;
      const installed = (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string })
        .version;
      expect([name, installed.startsWith(`${major}.${minor === undefined ? '' : `${minor}.`}`)]).toEqual([name, true]);
    }
  });
});
