// Lists as the API documents them ("resourceVersion semantics"): which revision a list reads
// (resourceVersion unset = the latest; "0" = any, from the watch cache, which ignores limit; NotOlderThan;
// Exact, or a legacy rv with limit, reads that revision), where a page starts, and the 410s for compacted
// revisions. Pages after the first read the first page's snapshot, as the real server reads etcd at the
// continue token's revision, so objects changed or deleted since appear as they were and new ones do not.
import type { Cluster } from './cluster.js';
import { decodeContinue, encodeContinue } from './paging.js';
import type { ResourceInfo } from './resources.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { OptionError } from './status.js';
import {
  ApiError,
  badRequest,
  CONTINUE_EXPIRED_MESSAGE,
  expired,
  forbiddenOption,
  invalidOptions,
  LIST_TOO_OLD_MESSAGE,
  unsupportedOption,
} from './status.js';
import type { JsonObject, KubeObject } from './types.js';

export interface Paging {
  /** Bumped to expire every outstanding continue token. */
  epoch: number;
  /** Decides, per request that carries a continue token, whether that token has just expired. */
  shouldExpire(): boolean;
}

interface Read {
  /** The revision read. */
  rv: number;
  /** The key the page starts after. */
  after?: string;
  /** 0: everything. */
  limit: number;
}

/** metainternalversion's ValidateListOptions (non-watch). */
function validate(query: URLSearchParams): void {
  const errors: OptionError[] = [];
  const match = query.get('resourceVersionMatch') ?? '';
  const rv = query.get('resourceVersion') ?? '';
  if (match !== '') {
    if (rv === '')
      errors.push(
        forbiddenOption('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'),
      );
    if (query.get('continue'))
      errors.push(
        forbiddenOption('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'),
      );
    if (match !== 'Exact' && match !== 'NotOlderThan')
      errors.push(unsupportedOption('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && rv === '0')
      errors.push(
        forbiddenOption('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'),
      );
  }
  if (query.has('sendInitialEvents'))
    errors.push(forbiddenOption('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  if (errors.length > 0) throw invalidOptions('ListOptions', errors);
}

export function tooLargeResourceVersion(requested: string, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
  });
}

/** A continued list reads its token's revision; a compacted one answers 410 with a token that continues
 * from the same key at the latest revision (rv -1), as etcd3's handleCompactedErrorForPaging does. */
function continued(cluster: Cluster, token: string, rv: string, limit: number, paging: Paging): Read {
  if (rv !== '' && rv !== '0') throw badRequest('specifying resource version is not allowed when using continue');
  const decoded = decodeContinue(token);
  if (paging.shouldExpire()) paging.epoch++;
  const at = decoded.rv < 0 ? cluster.resourceVersion : decoded.rv;
  if (decoded.epoch !== paging.epoch || at < cluster.store.compactedRv)
    throw expired(CONTINUE_EXPIRED_MESSAGE, encodeContinue({ rv: -1, start: decoded.start, epoch: paging.epoch }));
  return { rv: at, after: decoded.start, limit };
}

function readOf(cluster: Cluster, query: URLSearchParams, paging: Paging): Read {
  validate(query);
  const limit = Number(query.get('limit') ?? 0);
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: ${query.get('limit')}`);
  const rv = query.get('resourceVersion') ?? '';
  if (rv !== '' && !/^\d+$/.test(rv))
    throw badRequest(
      `invalid resource version: resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": invalid syntax`,
    );
  const token = query.get('continue');
  if (token) return continued(cluster, token, rv, limit, paging);
  if (rv === '') return { rv: cluster.resourceVersion, limit };
  if (Number(rv) > cluster.resourceVersion) throw tooLargeResourceVersion(rv, cluster.resourceVersion);
  if (rv === '0') return { rv: cluster.resourceVersion, limit: 0 };
  const match = query.get('resourceVersionMatch') ?? '';
  if (match === 'Exact' || (match === '' && limit > 0)) {
    if (Number(rv) < cluster.store.compactedRv) throw expired(LIST_TOO_OLD_MESSAGE);
    return { rv: Number(rv), limit };
  }
  return { rv: cluster.resourceVersion, limit };
}

export interface ListResult {
  items: KubeObject[];
  /** The list's ListMeta: resourceVersion, and continue and remainingItemCount when there is more. */
  metadata: JsonObject;
}

/** The objects one list request returns, with its ListMeta. */
export function readList(
  cluster: Cluster,
  info: ResourceInfo,
  namespace: string | undefined,
  query: URLSearchParams,
  paging: Paging,
): ListResult {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '', info);
  const read = readOf(cluster, query, paging);
  const items: KubeObject[] = [];
  let lastKey: string | undefined;
  let more = false;
  for (const [key, object] of cluster.store.scanAt(info.plural, read.rv, namespace, read.after)) {
    if (read.limit > 0 && items.length === read.limit) {
      more = true;
      break;
    }
    lastKey = key;
    if (matchesLabels(labels, object.metadata.labels) && matchesFields(fields, object)) items.push(object);
  }
  const metadata: JsonObject = { resourceVersion: String(read.rv) };
  if (more && lastKey !== undefined) {
    metadata['continue'] = encodeContinue({ rv: read.rv, start: lastKey, epoch: paging.epoch });
    // Like the real server, the count is only given when no selector makes it a guess.
    if (labels.length === 0 && fields.length === 0)
      metadata['remainingItemCount'] = cluster.store.countAfterAt(info.plural, read.rv, namespace, lastKey);
  }
  return { items, metadata };
}
