// The object store: what etcd is to the API server. Keys sort like etcd's (/registry/<resource>/<ns>/<name>)
// so paged lists come back in the real order; every write takes the next resourceVersion; the history of
// changes, kept for a compaction window, lets a watch resume from a recent resourceVersion and a list read
// the objects as they were at one (a paged list's snapshot); older revisions are compacted, as etcd's are.
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
  /** When it was written (ms), for compaction by age. */
  at: number;
}

/** How much history the store keeps: etcd's compaction window. */
export interface Retention {
  /** Changes kept at most. */
  events: number;
  /** Changes older than this are compacted. */
  ageMs: number;
  now(): number;
}

interface Table {
  byKey: Map<string, KubeObject>;
  /** Sorted keys; kept sorted on insert so paging never re-sorts. */
  keys: string[];
  /** Keys by the uid of their controller (ownerReferences[].controller), like an informer's indexer. */
  byController: Map<string, Set<string>>;
}

const controllerUid = (object: KubeObject | undefined): string | undefined =>
  object?.metadata.ownerReferences?.find((o) => o.controller)?.uid;

function storeKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The first index whose element is not before `key`, in an array sorted by `before`. */
function search<T, K>(items: T[], key: K, before: (item: T, key: K) => boolean, from = 0): number {
  let lo = from;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(items[mid] as T, key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
  /** history[head] is the oldest change not yet compacted; earlier entries wait to be trimmed in a batch. */
  private head = 0;
  /** The newest compacted revision: reads and watches at older resourceVersions answer 410. */
  private compacted = 0;
  private readonly emitter = new EventEmitter();
  /** Events written while listeners were being told about an earlier one: told afterwards, in order. */
  private readonly pending: StoreEvent[] = [];
  private emitting = false;

  constructor(private readonly retention: Retention) {
    this.emitter.setMaxListeners(0);
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion that can still be read or watched from (what etcd calls the compact revision). */
  get compactedRv(): number {
    this.compact();
    return this.compacted;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.tables.get(resource)?.byKey.get(storeKey(namespace, name));
  }

  /** The objects of `resource` as they were at revision `rv` (not older than compactedRv), in key order,
   * optionally within one namespace, starting strictly after `afterKey`: live objects with the changes
   * made since undone. */
  *scanAt(resource: string, rv: number, namespace?: string, afterKey?: string): Generator<[string, KubeObject]> {
    const undone = this.undo(resource, rv, namespace);
    if (undone.size === 0) {
      yield* this.scan(resource, namespace, afterKey);
      return;
    }
    const gone = [...undone.keys()].filter((k) => afterKey === undefined || k > afterKey).sort();
    const live = this.scan(resource, namespace, afterKey);
    let next = live.next();
    let i = 0;
    while (!next.done || i < gone.length) {
      const liveKey = next.done ? undefined : next.value[0];
      const goneKey = gone[i];
      const key =
        goneKey !== undefined && (liveKey === undefined || goneKey <= liveKey) ? goneKey : (liveKey as string);
      if (key === liveKey) next = live.next();
      if (key === goneKey) i++;
      const object = undone.has(key) ? undone.get(key) : this.tables.get(resource)?.byKey.get(key);
      if (object) yield [key, object];
    }
  }

  /** scanAt's count of the keys after `afterKey`: a snapshot list's remainingItemCount. */
  countAfterAt(resource: string, rv: number, namespace: string | undefined, afterKey: string): number {
    let count = this.countAfter(resource, namespace, afterKey);
    const live = this.tables.get(resource)?.byKey;
    for (const [key, object] of this.undo(resource, rv, namespace))
      if (key > afterKey) count += (object ? 1 : 0) - (live?.has(key) ? 1 : 0);
    return count;
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
    this.record({
      type: previous ? 'MODIFIED' : 'ADDED',
      resource,
      object: stored,
      ...(previous ? { previous } : {}),
      rv: this.rv,
      at: this.retention.now(),
    });
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
    this.record({ type: 'DELETED', resource, object, previous, rv: this.rv, at: this.retention.now() });
    return object;
  }

  /** Events after `rv`, or undefined when the history no longer reaches back that far. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    return this.history.slice(search(this.history, rv, (e, r) => e.rv <= r, this.head));
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** What undoing the changes to `resource` made after `rv` restores, by key: the object as it was, or
   * undefined where it did not exist yet. Empty when nothing changed. */
  private undo(resource: string, rv: number, namespace?: string): Map<string, KubeObject | undefined> {
    const undone = new Map<string, KubeObject | undefined>();
    if (rv >= this.rv) return undone;
    for (const event of this.eventsSince(rv) ?? []) {
      const { namespace: ns, name } = event.object.metadata;
      if (event.resource !== resource || (namespace !== undefined && ns !== namespace)) continue;
      const key = storeKey(ns, name);
      // The first change after rv tells what the object was at rv.
      if (!undone.has(key)) undone.set(key, event.type === 'ADDED' ? undefined : event.previous);
    }
    return undone;
  }

  /** Drops history beyond the retention's count and age; the array itself is trimmed in batches, so a
   * busy store does not shift it on every write. */
  private compact(): void {
    const { events, ageMs, now } = this.retention;
    let head = Math.max(this.head, this.history.length - events);
    head = search(this.history, now() - ageMs, (e, cutoff) => e.at < cutoff, head);
    if (head > this.head) {
      this.compacted = (this.history[head - 1] as StoreEvent).rv;
      this.head = head;
    }
    if (this.head > 1024 && this.head * 2 > this.history.length) {
      this.history = this.history.slice(this.head);
      this.head = 0;
    }
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
    this.compact();
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
