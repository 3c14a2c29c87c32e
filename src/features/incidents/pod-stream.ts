import { Watch } from '@kubernetes/client-node';
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
  /** Reconnect delays: doubled after each failure from the first to the last, reset once a watch runs. */
  backoffMs: { first: number; max: number };
  log: Logger;
}

interface PodList {
  items?: Pod[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** A watch the API server ended with a Status: 410 asks for a new list, anything else is a failure. */
class WatchStatusError extends Error {
  constructor(readonly code: number | undefined) {
    super(`the watch ended with Status ${code ?? '?'}`);
  }
}

/**
 * The pods of one namespace as a list, then a watch from the list's resourceVersion (client-node's Watch,
 * with the kubeconfig's credentials and TLS), as an informer does. A watch that ends is started again from
 * the last resourceVersion handled; one the server refuses as too old (410 Gone: an ERROR event with a
 * Status, or the HTTP answer) starts over with a new list; a connection refused or dropped (an API server
 * restart) is tried again with exponential backoff. Events are handled one at a time, in order.
 */
export class PodStream {
  /** The newest resourceVersion whose change has been handled (a list's, an event's or a bookmark's). */
  resourceVersion: string | undefined;
  private stopped = false;
  private controller: AbortController | undefined;
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
    this.controller?.abort();
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        const started = Date.now();
        await this.watchOnce(this.resourceVersion!);
        // A watch that ends at once (a server that accepts and closes) counts as a failure: no busy loop.
        failures = Date.now() - started < this.options.backoffMs.first ? failures + 1 : 0;
      } catch (error) {
        if (this.stopped) return;
        if (statusOf(error) === 410 || (error instanceof WatchStatusError && error.code === 410)) {
          this.options.log.info({ namespace: this.namespace }, 'pod watch expired (410 Gone): listing again');
          this.resourceVersion = undefined;
          continue;
        }
        failures++;
        this.options.log.warn(
          { namespace: this.namespace, err: describe(error), failures },
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
      });
      pods.push(...(page.items ?? []));
      resourceVersion ??= page.metadata?.resourceVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont !== undefined);
    await this.handlers.synced(this.namespace, pods);
    this.resourceVersion = resourceVersion ?? '0';
  }

  /** One watch connection, until the server ends it; rejects on a failure or an ERROR event. */
  private watchOnce(resourceVersion: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let handled = Promise.resolve();
      let failed: Error | undefined;
      const onEvent = (type: string, object: Pod & { code?: number }) => {
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
                  { err: describe(error), pod: object.metadata?.name },
                  'pod watch: event not handled',
                ),
              );
          if (rv !== undefined) this.resourceVersion = rv;
        });
      };
      const onDone = (error: unknown) => {
        void handled.then(() => {
          const status = (error as { statusCode?: number } | null)?.statusCode;
          if (failed) reject(failed);
          else if (error) reject(status === undefined ? error : new WatchStatusError(status));
          else resolve();
        });
      };
      new Watch(this.kube.config)
        .watch(
          resourcePath('v1', 'pods', this.namespace),
          { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.options.timeoutSeconds },
          onEvent,
          onDone,
        )
        .then(
          (controller) => {
            this.controller = controller;
            if (this.stopped) controller.abort();
          },
          (error: unknown) => onDone(error),
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

/** An error's kind and code for the log, never its whole object (a request can carry credentials). */
const describe = (error: unknown): string => {
  const e = error as { name?: string; message?: string; code?: unknown; statusCode?: unknown };
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}${e.code ? ` (${String(e.code)})` : ''}`;
};
