import { ensureFreshDist } from '../bin/fresh-dist.js';

/**
 * Several tests run `node bin/carbon.js`, which runs the compiled dist/: it is rebuilt here, once, if any file
 * under src/ is newer than the last build, so those tests run the sources under test (and never start
 * several builds at once, one per child process).
 */
export default function buildDist(): void {
  ensureFreshDist(process.cwd());
}
