/**
 * A real kubectl against one kubeconfig, with its discovery cache in `cacheDir` (never the user's ~/.kube).
 * The timeout is generous on purpose: it only bounds a hung kubectl; a loaded CI machine is slow, not wrong.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** How long one kubectl may run before it is killed. */
export const KUBECTL_TIMEOUT_MS = 120_000;
/** What kubectl may print (a list of thousands of objects as YAML is several MB). */
const MAX_BUFFER = 64 * 1024 * 1024;

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  /** stdout; rejects (with execFile's error, carrying `code`, `stdout` and `stderr`) if kubectl fails. */
  run(...args: string[]): Promise<string>;
  /** kubectl's exit code, stdout and stderr, whatever the exit code. Rejects only if kubectl did not exit
   * by itself (it could not start, was killed at the timeout, or printed more than the buffer holds). */
  result(...args: string[]): Promise<KubectlResult>;
  /** stderr of a kubectl that is expected to fail; throws if it succeeded. */
  fails(...args: string[]): Promise<string>;
}

export function kubectlFor(kubeconfig: string, cacheDir: string): Kubectl {
  const run = async (...args: string[]): Promise<string> => {
    const { stdout } = await exec('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], {
      timeout: KUBECTL_TIMEOUT_MS,
      maxBuffer: MAX_BUFFER,
    });
    return stdout;
  };
  const result = async (...args: string[]): Promise<KubectlResult> => {
    try {
      const { stdout, stderr } = await exec('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], {
        timeout: KUBECTL_TIMEOUT_MS,
        maxBuffer: MAX_BUFFER,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw error;
      return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const fails = async (...args: string[]): Promise<string> => {
    const { code, stderr } = await result(...args);
    if (code === 0) throw new Error(`kubectl ${args.join(' ')} succeeded`);
    return stderr;
  };
  return { run, result, fails };
}
