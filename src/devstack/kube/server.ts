// The HTTPS front of the stand-in: faults applied before anything else (so a "down" server is down for
// /healthz too), request counting, authentication and authorization, routing, and errors rendered as
// Status objects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { negotiate } from './accept.js';
import type { Authenticator, UserInfo } from './authn.js';
import { ANONYMOUS, unauthorized } from './authn.js';
import { PUBLIC_PATHS } from './bootstrap-policy.js';
import type { Cluster } from './cluster.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import type { Paging } from './list.js';
import { handleResource } from './handlers.js';
import { impersonate } from './impersonation.js';
import { openapiV3 } from './openapi.js';
import { authorize, forbidden } from './rbac.js';
import { isTrue, requestAttributes } from './request-info.js';
import { handleReview } from './reviews.js';
import { route } from './routes.js';
import { ApiError, Refusal, resourceNotFound } from './status.js';
import type { ServingCert } from './tls.js';
import type { WatchRegistry } from './watch.js';
import { serveWatch } from './watch.js';

/** Faults tests switch on and off at any time. */
export interface Faults {
  /** Delay before every response, in milliseconds. */
  latencyMs: number;
  /** 'unavailable': every request gets 503 ServiceUnavailable; 'reset': connections are destroyed unanswered. */
  down: false | 'unavailable' | 'reset';
  /** Counts down on each list request that carries a continue token; the one that brings it to 0 finds
   * its token (and every other outstanding one) expired, as if etcd had compacted past them: 410 Gone,
   * reason Expired, with a fresh continue token in the Status. Then it clears itself. (Without the fault,
   * tokens expire when the cluster's compaction window, watchHistory and compactionAgeMs, passes them.) */
  expireContinueAfter: number | undefined;
  /** Requests are accepted and never answered (until close). */
  hang: boolean;
}

export interface Stats {
  requests: number;
  /** List requests (not watches) by resource plural, e.g. { pods: 20 }. */
  listRequests: Record<string, number>;
  watchRequests: Record<string, number>;
  /** The 403s of authorization, impersonation and RBAC escalation prevention, oldest first (the bot's
   * refusals fail tests). */
  refused: { username: string; message: string }[];
}

const MAX_BODY = 3 * 1024 * 1024;

const SERVER_VERSION = {
  major: '1',
  minor: '31',
  // The suffix tells carbon-ops it is talking to the stand-in, so its reports say "simulated".
  gitVersion: 'v1.31.4-carbon-devstack',
  gitCommit: 'a78aa47129b8539636eb86a9d00e31b2720fe06b',
  gitTreeState: 'clean',
  buildDate: '2024-12-10T11:36:31Z',
  goVersion: 'go1.22.10',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** RFC 7234 warn-text, as the API server writes it: code 299, agent "-", the text quoted. */
const warningHeader = (text: string): string => `299 - ${JSON.stringify(text)}`;

/** Headers beyond the usual: `Warning`s (field validation Warn) and `Retry-After` (a 429 eviction). */
interface Extra {
  warnings?: string[];
  retryAfterSeconds?: number | undefined;
}

function send(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
  { warnings = [], retryAfterSeconds }: Extra = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...(retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {}),
    ...(warnings.length ? { Warning: warnings.map(warningHeader) } : {}),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY)
        reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export interface ApiServer {
  server: Server;
  /** What a restart of the API server does to its clients: open watches end, every connection is dropped. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Authentication, impersonation and authorization, in the real filter chain's order: the user the request
 * acts as, or a 401/403 Status. Without credentials only the public-info paths are reachable (as
 * system:anonymous, whom system:public-info-viewer lets read them); everything else is 401. */
function admit(cluster: Cluster, authenticator: Authenticator, req: IncomingMessage, url: URL): UserInfo {
  const authenticated = authenticator.authenticate(req.headers.authorization);
  if (!authenticated && !PUBLIC_PATHS.has(url.pathname)) throw unauthorized();
  const user = impersonate(cluster.store, authenticated ?? ANONYMOUS, req.headers);
  const attrs = requestAttributes(user, req.method ?? 'GET', url);
  if (!authorize(cluster.store, attrs).allowed) throw forbidden(attrs);
  return user;
}

export function createApiServer(
  cluster: Cluster,
  faults: Faults,
  stats: Stats,
  authenticator: Authenticator,
  tls: ServingCert,
): ApiServer {
  const watches: WatchRegistry = new Set();
  const delays = new Set<ReturnType<typeof setTimeout>>();
  const paging: Paging = {
    epoch: 0,
    shouldExpire: () => {
      if (faults.expireContinueAfter === undefined) return false;
      faults.expireContinueAfter--;
      if (faults.expireContinueAfter > 0) return false;
      faults.expireContinueAfter = undefined;
      return true;
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = admit(cluster, authenticator, req, url);
    if (url.pathname.startsWith('/openapi/v3')) {
      const doc = openapiV3(url.pathname);
      return doc === undefined ? send(res, 404, resourceNotFound().toStatus()) : send(res, 200, doc);
    }
    const r = route(url.pathname);
    if (r === undefined) return send(res, 404, '404 page not found\n', 'text/plain; charset=utf-8');
    const representation =
      r.kind === 'health' || r.kind === 'version' ? { as: 'object' as const } : negotiate(req.headers.accept);
    switch (r.kind) {
      case 'health':
        return send(res, 200, 'ok', 'text/plain; charset=utf-8');
      case 'version':
        return send(res, 200, SERVER_VERSION);
      case 'core-versions':
      case 'groups': {
        const core = r.kind === 'core-versions';
        if (representation.as === 'APIGroupDiscoveryList') {
          const type = `application/json;g=apidiscovery.k8s.io;v=${representation.apiVersion.split('/')[1]};as=APIGroupDiscoveryList`;
          return send(res, 200, aggregatedDiscovery(core, representation.apiVersion), type);
        }
        return send(res, 200, core ? apiVersions(req.headers.host ?? '') : apiGroupList());
      }
      case 'group':
        return send(res, 200, apiGroup(r.group));
      case 'group-version':
        return send(res, 200, apiResourceList(r.group, r.version));
      case 'review': {
        const reply = handleReview(cluster.store, {
          info: r.info,
          method: req.method ?? 'GET',
          namespace: r.namespace,
          body: await readBody(req),
          user,
        });
        return send(res, reply.code, reply.body);
      }
      case 'resource': {
        if (req.method === 'GET' && !r.name) {
          const watching = isTrue(url.searchParams.get('watch'));
          const counter = watching ? stats.watchRequests : stats.listRequests;
          counter[r.info.plural] = (counter[r.info.plural] ?? 0) + 1;
        }
        const warnings: string[] = [];
        const reply = handleResource(
          cluster,
          {
            warnings,
            method: req.method ?? 'GET',
            info: r.info,
            namespace: r.namespace,
            name: r.name,
            subresource: r.subresource,
            query: url.searchParams,
            representation,
            contentType: req.headers['content-type'],
            userAgent: req.headers['user-agent'],
            user,
            body: req.method === 'GET' ? '' : await readBody(req),
          },
          paging,
        );
        if ('watch' in reply) return serveWatch(cluster, reply.watch, res, watches);
        return send(res, reply.code, reply.body, reply.contentType ?? 'application/json', { warnings });
      }
    }
  }

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    stats.requests++;
    if (faults.hang) return; // held open until close() destroys the socket
    if (faults.down === 'reset') {
      req.socket.destroy();
      return;
    }
    const run = (): void => {
      if (faults.down === 'unavailable') {
        send(
          res,
          503,
          new ApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request').toStatus(),
        );
        return;
      }
      handle(req, res).catch((error: unknown) => {
        const apiError =
          error instanceof ApiError
            ? error
            : new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`);
        if (error instanceof Refusal) stats.refused.push({ username: error.username, message: error.message });
        if (res.headersSent) res.destroy();
        else
          send(res, apiError.code, apiError.toStatus(), 'application/json', {
            retryAfterSeconds: apiError.details?.retryAfterSeconds,
          });
      });
    };
    if (faults.latencyMs > 0) {
      const timer = setTimeout(() => {
        delays.delete(timer);
        run();
      }, faults.latencyMs);
      delays.add(timer);
    } else run();
  });

  return {
    server,
    dropConnections: () => {
      for (const end of [...watches]) end();
      server.closeAllConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const end of [...watches]) end();
        for (const timer of delays) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
