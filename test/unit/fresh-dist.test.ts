import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { staleness } from '../../bin/fresh-dist.js';

const FRESH_DIST = fileURLToPath(new URL('../../bin/fresh-dist.js', import.meta.url));
let root = '';

/** A checkout in miniature: src/ and a `build` script that counts its runs and stamps dist/ as the real one does. */
function checkout(): string {
  root = mkdtempSync(join(tmpdir(), 'carbon-fresh-dist-'));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'main.ts'), '');
  const build =
    'mkdir -p .cache dist && touch .cache/build-started && echo run >> builds && sleep 1 && ' +
    'touch -r .cache/build-started dist/.built';
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'mini', scripts: { build } }));
  return root;
}

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('bin/fresh-dist.js: carbon never runs a dist/ older than src/', () => {
  it('says why dist/ is stale: never built, or the path changed since the build', () => {
    const dir = checkout();
    expect(staleness(dir)).toBe('dist/ has not been built');
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', '.built'), '');
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'src', 'main.ts'), past, past);
    utimesSync(join(dir, 'src'), past, past);
    expect(staleness(dir)).toBeUndefined();
    writeFileSync(join(dir, 'src', 'main.ts'), 'edited');
    expect(staleness(dir)).toBe('src/main.ts changed since the last build');
  });

  it('builds once when two commands start together on a stale checkout', async () => {
    const dir = checkout();
    const ensure = () =>
      promisify(execFile)(process.execPath, [
        '--input-type=module',
        '-e',
        `import { ensureFreshDist } from ${JSON.stringify(FRESH_DIST)}; ensureFreshDist(${JSON.stringify(dir)});`,
      ]);
    await Promise.all([ensure(), ensure()]);
    expect(readFileSync(join(dir, 'builds'), 'utf8').trim().split('\n')).toEqual(['run']);
    expect(staleness(dir)).toBeUndefined();
  });
});
