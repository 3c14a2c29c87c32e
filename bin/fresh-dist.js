// Whether dist/ holds the build of the sources beside it. In a checkout (src/ present) `carbon` runs the compiled
// dist/, never the TypeScript: a dist/ older than any file or folder under src/ (an edit, a new or deleted file, a
// branch switched) would silently run old code, so it is rebuilt first. The image has no src/: nothing to check.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Written by `npm run build` after everything else: the time of the last complete build. */
export const STAMP = join('dist', '.built');

/** Why dist/ is not the build of src/ (a path newer than the last build, or no build), or undefined if it is. */
export function staleness(root) {
  const src = join(root, 'src');
  if (!existsSync(src)) return undefined;
  const stamp = join(root, STAMP);
  if (!existsSync(stamp)) return 'dist/ has not been built';
  const built = statSync(stamp).mtimeMs;
  const newer = (dir) => {
    if (statSync(dir).mtimeMs > built) return dir;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const found = entry.isDirectory() ? newer(path) : statSync(path).mtimeMs > built ? path : undefined;
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const changed = newer(src);
  return changed === undefined ? undefined : `${changed.slice(root.length + 1)} changed since the last build`;
}

/** Rebuilds dist/ (`npm run build`, its output on stderr) if it is stale; throws if the build fails. */
export function ensureFreshDist(root) {
  const why = staleness(root);
  if (why === undefined) return;
  process.stderr.write(`carbon: ${why}: rebuilding dist/ (npm run build)…\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (build.status !== 0)
    throw new Error(`npm run build failed (exit ${build.status ?? build.signal}): not running old code`);
}
