// Whether dist/ holds the build of the sources beside it. In a checkout (src/ present) `carbon` runs the compiled
// dist/, never the TypeScript: a dist/ older than any file or folder under src/ (an edit, a new or deleted file, a
// branch switched) would silently run old code, so it is rebuilt first. The image has no src/: nothing to check.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Written by `npm run build` after everything else, dated when the build started: an edit made while it ran is
 * newer, so the next command rebuilds again.
 */
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

/**
 * Rebuilds dist/ (`npm run build`, its output on stderr) if it is stale; throws if the build fails. One build at a
 * time per checkout: two commands started together on a stale checkout would otherwise rewrite dist/ under each
 * other; the second waits for the first and finds dist/ fresh.
 */
export function ensureFreshDist(root) {
  if (staleness(root) === undefined) return;
  withLock(join(root, '.cache', 'build.lock'), () => {
    const why = staleness(root);
    if (why === undefined) return;
    process.stderr.write(`carbon: ${why}: rebuilding dist/ (npm run build)…\n`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const build = spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (build.status !== 0)
      throw new Error(
        `npm run build failed (${build.error?.message ?? `exit ${build.status ?? build.signal}`}): not running old code`,
      );
  });
}

/** Runs `fn` holding `path` (created exclusively, holding our pid); a lock whose process is gone is taken over. */
function withLock(path, fn) {
  mkdirSync(join(path, '..'), { recursive: true });
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (!alive(Number(readFileSync(path, 'utf8')))) unlinkSync(path);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // a synchronous 200 ms sleep
    }
  }
  try {
    fn();
  } finally {
    unlinkSync(path);
  }
}

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
