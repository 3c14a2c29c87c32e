import type { Pod } from 'kubernetes-types/core/v1.js';
import { resourcePath, statusOf, type Kube } from '../../integrations/kubernetes.js';
import type { Logger } from '../../log.js';

export type PodChange = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface PodStreamHandlers {
  /** The namespace's pods as a fresh list shows them: at the start and after every 410 (the watch expired). */
  synced(namespace: string, pods: Pod[]): Promise<void>;
  changed(type: PodChange, pod: Pod): Promise<void>;
}

export interface PodStreamOptions {
  pageSize: number;
  /** The server ends each watch after this long (the client then watches again from where it was). */
  timeoutSeconds: number;
  /** How long past `timeoutSeconds` a watch that says nothing is given before it counts as dead (default 30 s). */
  silenceGraceMs?: number;
  /** Reconnect delays: doubled after each failure from the first to the last, reset once a watch runs. */
  backoffMs: { first: number; max: number };
  log: Logger;
}

interface PodList {
  items?: Pod[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** A watch the API server ended with an ERROR event's Status: 410 asks for a new list, anything else is a failure. */
class WatchStatusError extends Error {
  constructor(readonly code: number | undefined) {
    super(`the watch ended with Status ${code ?? '?'}`);
  }
}

/** A watch that said nothing (no event, no bookmark) for longer than the server's timeout: a dead connection. */
class WatchSilentError extends Error {
  override readonly name = 'WatchSilentError';
}

/** How long stop() waits for a handler still running (a Slack call) before it returns anyway. */
const STOP_WAIT_MS = 10_000;

/**
 * The pods of one namespace as a list, then a watch from the list's resourceVersion (Kube.watch, with the
 * kubeconfig's credentials and TLS), as an informer does. A watch that ends is started again from
 * the last resourceVersion handled; one the server refuses as too old (410 Gone: an ERROR event with a
 * Status, or the HTTP answer) starts over with a new list; a connection refused or dropped (an API server
 * restart) is tried again with exponential backoff. Events are handled one at a time, in order.
 */
export class PodStream {
  /** The newest resourceVersion whose change has been handled (a list's, an event's or a bookmark's). */
  resourceVersion: string | undefined;
  private stopped = false;
  /** Aborted by stop(): ends a list in flight. */
  private readonly stopping = new AbortController();
  /** Ends the watch connection now, connected or still connecting. */
  private abortWatch: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private readonly running: Promise<void>;

  constructor(
    private readonly kube: Kube,
    readonly namespace: string,
    private readonly handlers: PodStreamHandlers,
    private readonly options: PodStreamOptions,
  ) {
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.abortWatch?.();
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_WAIT_MS)));
    if ((await Promise.race([this.running, late])) === 'late')
      this.options.log.warn({ namespace: this.namespace }, 'pod watch: a handler still runs after stop');
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    let failures = 0;
    /** 410s in a row: the first lists again at once, the next ones back off (no tight list loop). */
    let gone = 0;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        if (this.stopped) return; // stopped while it listed: no watch after stop()
        const started = Date.now();
        await this.watchOnce(this.resourceVersion!);
        gone = 0;
        // A watch that ends at once (a server that accepts and closes) counts as a failure: no busy loop.
        failures = Date.now() - started < this.options.backoffMs.first ? failures + 1 : 0;
      } catch (error) {
        if (this.stopped) return;
        if (statusOf(error) === 410 || (error instanceof WatchStatusError && error.code === 410)) {
          gone++;
          this.options.log.info({ namespace: this.namespace, gone }, 'pod watch expired (410 Gone): listing again');
          this.resourceVersion = undefined;
          if (gone > 1) await this.sleep(backoff(this.options.backoffMs, gone - 1));
          continue;
        }
        failures++;
        this.options.log.warn(
          { namespace: this.namespace, err: describeError(error), failures },
          'pod watch interrupted: reconnecting',
        );
      }
      if (failures > 0) await this.sleep(backoff(this.options.backoffMs, failures));
    }
  }

  /** Every pod of the namespace, in pages, at the first page's resourceVersion (one snapshot). */
  private async relist(): Promise<void> {
    const path = resourcePath('v1', 'pods', this.namespace);
    const pods: Pod[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.kube.request<PodList>({
        method: 'GET',
        path,
        query: { limit: this.options.pageSize, continue: cont },
        what: `list pods in ${this.namespace}`,
        signal: this.stopping.signal,
      });
      pods.push(...(page.items ?? []));
      resourceVersion ??= page.metadata?.resourceVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont !== undefined);
    // A list answered as stop() aborted it: its pods are no longer this stream's to hand on.
    if (this.stopped) return;
    await this.handlers.synced(this.namespace, pods);
    this.resourceVersion = resourceVersion ?? '0';
  }

  /**
   * One watch connection, until the server ends it; rejects on a failure or an ERROR event, and when it has
   * been silent for longer than the server's timeout (a half-open connection would otherwise wait forever).
   */
  private watchOnce(resourceVersion: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let handled = Promise.resolve();
      let failed: Error | undefined;
      let done = false;
      const controller = new AbortController();
      let silence: NodeJS.Timeout | undefined;
      const settle = (error: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(silence);
        this.abortWatch = undefined;
        controller.abort();
        void handled.then(() => {
          if (failed) reject(failed);
          else if (error) reject(error);
          else resolve();
        });
      };
      const silentMs = this.options.timeoutSeconds * 1000 + (this.options.silenceGraceMs ?? 30_000);
      const heard = () => {
        clearTimeout(silence);
        silence = setTimeout(() => settle(new WatchSilentError(`no event for ${silentMs / 1000} s`)), silentMs);
      };
      this.abortWatch = () => settle(null);
      heard();
      const onEvent = (type: string, event: unknown) => {
        if (done) return;
        const object = (event ?? {}) as Pod & { code?: number };
        heard();
        if (type === 'ERROR') {
          failed ??= new WatchStatusError(object.code);
          return;
        }
        const rv = object.metadata?.resourceVersion;
        handled = handled.then(async () => {
          if (this.stopped || failed) return;
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')
            await this.handlers
              .changed(type, object)
              .catch((error: unknown) =>
                this.options.log.warn(
                  { err: describeError(error), pod: object.metadata?.name },
                  'pod watch: event not handled',
                ),
              );
          if (rv !== undefined) this.resourceVersion = rv;
        });
      };
      this.kube
        .watch(
          {
            method: 'GET',
            path: resourcePath('v1', 'pods', this.namespace),
            query: { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.options.timeoutSeconds },
            what: `watch pods in ${this.namespace}`,
          },
          onEvent,
          controller.signal,
        )
        .then(
          () => settle(null),
          (error: unknown) => settle(error),
        );
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** first, 2×first, 4×first… up to max. */
export const backoff = ({ first, max }: { first: number; max: number }, failures: number): number =>
  Math.min(max, first * 2 ** Math.max(0, failures - 1));

/**
 * An error's kind and code for the log, never its message or whole object: a watch or kubeconfig error can
 * carry an exec plugin's output, a request its credentials (as Kube.explain). A Slack error's code is kept.
 */
export const describeError = (error: unknown): string => {
  const e = (error ?? {}) as { name?: unknown; code?: unknown; statusCode?: unknown; data?: { error?: unknown } };
  const codes = [e.code, e.statusCode, e.data?.error].filter((c) => typeof c === 'string' || typeof c === 'number');
  return `${typeof e.name === 'string' ? e.name : 'Error'}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
};
