// Watches: a chunked response of newline-delimited {"type","object"} events, starting from the requested
// resourceVersion (replayed from the store's history; 410 Expired as an ERROR event when it is compacted,
// then the end of the stream, as the watch cache answers) or with synthetic ADDED events for what exists;
// selectors apply to both the old and the new object, so an object leaving the selection is DELETED for
// this watcher, as the watch cache does it. allowWatchBookmarks=true adds a BOOKMARK now and then (and the
// k8s.io/initial-events-end one after sendInitialEvents).
import type { ServerResponse } from 'node:http';
import type { Representation } from './accept.js';
import type { Cluster } from './cluster.js';
import { isTrue } from './request-info.js';
import type { ResourceInfo } from './resources.js';
import type { FieldRequirement, Requirement } from './selectors.js';
import { matchesFields, matchesLabels } from './selectors.js';
import type { OptionError } from './status.js';
import { ApiError, badRequest, expired, forbiddenOption, invalidOptions, unsupportedOption } from './status.js';
import type { StoreEvent, WatchEventType } from './store.js';
import { toTable } from './table.js';
import type { KubeObject } from './types.js';

export interface WatchRequest {
  info: ResourceInfo;
  namespace: string | undefined;
  labels: Requirement[];
  fields: FieldRequirement[];
  query: URLSearchParams;
  representation: Representation;
}

/** Open watches, so closing the server can end them. */
export type WatchRegistry = Set<() => void>;

/** metainternalversion's validateWatchOptions (with the WatchList feature on). */
function validate(query: URLSearchParams): void {
  const errors: OptionError[] = [];
  const match = query.get('resourceVersionMatch') ?? '';
  const initialEvents = query.has('sendInitialEvents');
  if (initialEvents && match !== 'NotOlderThan')
    errors.push(
      forbiddenOption(
        'resourceVersionMatch',
        'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      ),
    );
  if (match !== '') {
    if (!initialEvents)
      errors.push(
        forbiddenOption(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
        ),
      );
    if (match !== 'NotOlderThan') errors.push(unsupportedOption('resourceVersionMatch', match, ['NotOlderThan']));
    if (query.get('continue'))
      errors.push(
        forbiddenOption('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'),
      );
  }
  if (errors.length > 0) throw invalidOptions('ListOptions', errors);
}

export function serveWatch(cluster: Cluster, req: WatchRequest, res: ServerResponse, registry: WatchRegistry): void {
  const { info, namespace, labels, fields, query, representation } = req;
  const rvParam = query.get('resourceVersion') ?? '';
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 1800);
  if (rvParam !== '' && !/^\d+$/.test(rvParam))
    throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resource version`);
  validate(query);
  const initialEvents = isTrue(query.get('sendInitialEvents'));
  const bookmarks = isTrue(query.get('allowWatchBookmarks'));
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  /** A bookmark is an empty object of the watched kind that only says how far the watch has come. */
  const bookmark = (annotations?: Record<string, string>): object => ({
    kind: info.kind,
    apiVersion,
    metadata: { resourceVersion: String(cluster.resourceVersion), ...(annotations ? { annotations } : {}) },
  });

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  let first = true;
  const write = (type: WatchEventType | 'BOOKMARK' | 'ERROR', object: unknown): void => {
    let payload = object;
    if (representation.as === 'Table' && (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')) {
      const o = object as KubeObject;
      payload = toTable(
        info,
        [o],
        { resourceVersion: o.metadata.resourceVersion },
        { include: 'Metadata', withColumns: first, apiVersion: representation.apiVersion, now: cluster.now() },
      );
      first = false;
    }
    res.write(`${JSON.stringify({ type, object: payload })}\n`);
  };
  const selected = (o: KubeObject | undefined): boolean =>
    o !== undefined &&
    (namespace === undefined || o.metadata.namespace === namespace) &&
    matchesLabels(labels, o.metadata.labels) &&
    matchesFields(fields, o);
  let end = (): void => undefined;
  const deliver = (event: StoreEvent): void => {
    if (event.resource !== info.plural) return;
    try {
      const now = selected(event.object);
      const before = event.type === 'MODIFIED' && selected(event.previous);
      if (event.type === 'MODIFIED' && now !== before) write(now ? 'ADDED' : 'DELETED', event.object);
      else if (now) write(event.type, event.object);
    } catch (error) {
      // A broken watcher must not break the writer whose change it was told about.
      write(
        'ERROR',
        new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`).toStatus(),
      );
      end();
    }
  };

  const unsubscribe = cluster.store.subscribe(deliver);
  const timer = setTimeout(() => end(), timeoutSeconds * 1000);
  const ticker = bookmarks
    ? setInterval(() => write('BOOKMARK', bookmark()), cluster.options.bookmarkIntervalMs)
    : undefined;
  end = (): void => {
    unsubscribe();
    clearTimeout(timer);
    clearInterval(ticker);
    registry.delete(end);
    if (!res.writableEnded) res.end();
  };
  registry.add(end);
  res.on('close', end);

  // Everything below runs before any store event can arrive (one tick), so nothing is missed or doubled.
  // Unset and "0" start with the current state; sendInitialEvents says so explicitly (false: from now on).
  const fromNow = rvParam === '' || rvParam === '0';
  const synthetic = query.has('sendInitialEvents') ? initialEvents : fromNow;
  if (synthetic || fromNow) {
    if (synthetic)
      for (const [, object] of cluster.store.scan(info.plural, namespace)) if (selected(object)) write('ADDED', object);
    if (initialEvents && bookmarks) write('BOOKMARK', bookmark({ 'k8s.io/initial-events-end': 'true' }));
    return;
  }
  const history = cluster.store.eventsSince(Number(rvParam));
  if (!history) {
    write('ERROR', expired(`too old resource version: ${rvParam} (${cluster.store.compactedRv})`).toStatus());
    end();
    return;
  }
  for (const event of history) deliver(event);
}
