// The object store: what etcd is to the API server. Keys sort like etcd's (/registry/<resource>/<ns>/<name>)
// so paged lists come back in the real order; every write takes the next resourceVersion; a bounded
// history lets a watch resume from a recent resourceVersion and answers 410 for older ones.
import { EventEmitter } from 'node:events';
import type { KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: string;
  object: KubeObject;
  /** The object before this change, so filtered watches can turn "left the selector" into DELETED. */
  previous?: KubeObject;
  rv: number;
}

interface Table {
  byKey: Map<string, KubeObject>;
  /** Sorted keys; kept sorted on insert so paging never re-sorts. */
  keys: string[];
  /** Keys by the uid of their controller (ownerReferences[].controller), like an informer's indexer. */
  byController: Map<string, Set<string>>;
}

const controllerUid = (object: KubeObject | undefined): string | undefined => object?.metadata.ownerReferences?.find((o) => o.controller)?.uid;

function storeKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Objects handed in and out are never mutated afterwards (copy-on-write): watch history and in-flight
 * responses hold references to them.
 */
export class Store {
  private rv = 0;
  private readonly tables = new Map<string, Table>();
  private history: StoreEvent[] = [];
  private readonly emitter = new EventEmitter();
  /** Events written while listeners were being told about an earlier one: told afterwards, in order. */
  private readonly pending: StoreEvent[] = [];
  private emitting = false;

  constructor(private readonly historyLimit: number) {
    this.emitter.setMaxListeners(0);
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestWatchableRv(): number {
    const kept = this.history.length > 0 ? (this.history[0] as StoreEvent).rv - 1 : this.rv;
    return Math.max(kept, this.rv - this.historyLimit);
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.tables.get(resource)?.byKey.get(storeKey(namespace, name));
  }

  /** Objects in key order, optionally within one namespace, starting strictly after `afterKey`. */
  *scan(resource: string, namespace?: string, afterKey?: string): Generator<[string, KubeObject]> {
    const table = this.tables.get(resource);
    if (!table) return;
    const prefix = namespace ? `${namespace}/` : '';
    let i = lowerBound(table.keys, afterKey !== undefined && afterKey >= prefix ? afterKey : prefix);
    if (afterKey !== undefined && table.keys[i] === afterKey) i++;
    for (; i < table.keys.length; i++) {
      const key = table.keys[i] as string;
      if (!key.startsWith(prefix)) return;
      yield [key, table.byKey.get(key) as KubeObject];
    }
  }

  /** The objects of `resource` whose controller has this uid. */
  controlledBy(resource: string, uid: string): KubeObject[] {
    const table = this.tables.get(resource);
    const keys = table?.byController.get(uid);
    return keys ? [...keys].map((k) => table?.byKey.get(k) as KubeObject) : [];
  }

  /** How many keys follow `afterKey` in the same range: the list's remainingItemCount. */
  countAfter(resource: string, namespace: string | undefined, afterKey: string): number {
    const table = this.tables.get(resource);
    if (!table) return 0;
    const start = lowerBound(table.keys, afterKey) + (table.byKey.has(afterKey) ? 1 : 0);
    const end = namespace ? lowerBound(table.keys, `${namespace}/\uffff`) : table.keys.length;
    return Math.max(0, end - start);
  }

  write(resource: string, object: KubeObject): KubeObject {
    const table = this.table(resource);
    const key = storeKey(object.metadata.namespace, object.metadata.name);
    const previous = table.byKey.get(key);
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.rv) } };
    if (!previous) table.keys.splice(lowerBound(table.keys, key), 0, key);
    table.byKey.set(key, stored);
    this.index(table, key, previous, stored);
    this.record({ type: previous ? 'MODIFIED' : 'ADDED', resource, object: stored, ...(previous ? { previous } : {}), rv: this.rv });
    return stored;
  }

  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const table = this.tables.get(resource);
    const key = storeKey(namespace, name);
    const previous = table?.byKey.get(key);
    if (!table || !previous) return undefined;
    table.byKey.delete(key);
    table.keys.splice(lowerBound(table.keys, key), 1);
    this.index(table, key, previous, undefined);
    // Like etcd, the deletion itself is a revision, and the DELETED event carries it.
    const object = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(++this.rv) } };
    this.record({ type: 'DELETED', resource, object, previous, rv: this.rv });
    return object;
  }

  /** Events after `rv`, or undefined when the history no longer reaches back that far. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.oldestWatchableRv) return undefined;
    const first = this.history.findIndex((e) => e.rv > rv);
    return first < 0 ? [] : this.history.slice(first);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  private table(resource: string): Table {
    let table = this.tables.get(resource);
    if (!table) {
      table = { byKey: new Map(), keys: [], byController: new Map() };
      this.tables.set(resource, table);
    }
    return table;
  }

  private index(table: Table, key: string, before: KubeObject | undefined, after: KubeObject | undefined): void {
    const was = controllerUid(before);
    const is = controllerUid(after);
    if (was === is) return;
    if (was) {
      const keys = table.byController.get(was);
      keys?.delete(key);
      if (keys?.size === 0) table.byController.delete(was);
    }
    if (is) {
      let keys = table.byController.get(is);
      if (!keys) table.byController.set(is, (keys = new Set()));
      keys.add(key);
    }
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    // Trim in batches so a busy store does not shift the array on every write.
    if (this.history.length > this.historyLimit * 1.5) this.history = this.history.slice(-this.historyLimit);
    // A listener that writes (kubelet starting a pod it was just told about) must not have its event
    // overtake the one being delivered: every listener sees events in resourceVersion order.
    this.pending.push(event);
    if (this.emitting) return;
    this.emitting = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) this.emitter.emit('event', next);
    } finally {
      this.emitting = false;
    }
  }
}
