import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { within } from '../concurrency.js';

export type Check = () => Promise<void>;

/** Readiness: every dependency answers within a short bound. Liveness (/healthz) needs nothing. */
export async function readiness(
  checks: Record<string, Check>,
  timeoutMs = 2_000,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await within(check(), timeoutMs);
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, (error as Error).message || 'failed'] as const;
      }
    }),
  );
  return { ready: entries.every(([, state]) => state === 'ok'), checks: Object.fromEntries(entries) };
}

export interface ProbeRoute {
  path: string;
  method: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * /healthz and /readyz, in the shape Bolt's customRoutes take; the worker serves them on a bare server.
 * `warnings` (e.g. a Redis without persistence) are shown in /readyz's body but do not make it unready.
 */
export function probeRoutes(checks: Record<string, Check>, warnings: () => readonly string[] = () => []): ProbeRoute[] {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  return [
    { path: '/healthz', method: 'GET', handler: (_req, res) => send(res, 200, { ok: true }) },
    {
      path: '/readyz',
      method: 'GET',
      handler: (_req, res) => {
        void readiness(checks).then((result) =>
          send(res, result.ready ? 200 : 503, { ...result, warnings: warnings() }),
        );
      },
    },
  ];
}

/** What /metrics serves: the Prometheus text exposition of this process's registry. */
export type Exposition = () => Promise<{ contentType: string; body: string }>;

/** `GET /metrics` (Prometheus text format), beside the probes on the same port. */
export function metricsRoute(exposition: Exposition): ProbeRoute {
  return {
    path: '/metrics',
    method: 'GET',
    handler: (_req, res) => {
      exposition().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType });
          res.end(body);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics could not be collected\n');
        },
      );
    },
  };
}

/** Answers the probes' paths; 404 for any other. */
export function probeListener(routes: ProbeRoute[]): RequestListener {
  return (req, res) => {
    const route = routes.find((r) => r.path === req.url?.split('?')[0] && r.method === req.method);
    if (route) route.handler(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  };
}

export function serveProbes(routes: ProbeRoute[], port: number): Promise<Server> {
  const server = createServer(probeListener(routes));
  return new Promise((resolve) => server.listen(port, () => resolve(server)));
}
