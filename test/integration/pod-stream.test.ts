// The pod watch's stream (PodStream) against a small API server speaking the watch protocol over node:http, so each
// test decides what the server does with every list and watch: stay silent, expire the watch (410 Gone), hold a
// request while the stream is stopped. Tests wait for the server to see requests, never for a time to pass.
import { afterEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pino } from 'pino';
import { PodStream, type PodStreamOptions } from '../../src/features/incidents/pod-stream.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { kubeconfigYaml } from '../support/kubeconfig.js';
import { REQUEST_TIMEOUT_MS, until } from '../support/until.js';

/** One request the server got: a list or a watch, with its query, its answer, and whether the client hung up. */
interface Seen {
  watch: boolean;
  resourceVersion: string | null;
  at: number;
  res: ServerResponse;
  closed: Promise<void>;
}

type Answer = (seen: Seen, nth: number) => void;

/** An API server whose lists and watches are answered by the test; each list has a new resourceVersion. */
async function apiServer(answers: { list?: Answer; watch: Answer }) {
  const seen: Seen[] = [];
  let rv = 100;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const one: Seen = {
      watch: query.get('watch') === '1',
      resourceVersion: query.get('resourceVersion'),
      at: Date.now(),
      res,
      closed: once(res, 'close').then(() => undefined),
    };
    seen.push(one);
    const nth = seen.filter((s) => s.watch === one.watch).length - 1;
    if (one.watch) return answers.watch(one, nth);
    if (answers.list) return answers.list(one, nth);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'PodList', items: [], metadata: { resourceVersion: String(++rv) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kube = new Kube(kubeAccessFromYaml(kubeconfigYaml({ server: url }, { token: 't' })), {
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    pageSize: 500,
  });
  return {
    seen,
    kube,
    lists: () => seen.filter((s) => !s.watch),
    watches: () => seen.filter((s) => s.watch),
    close: async () => {
      kube.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A watch answered with its headers and then nothing: a stream that is open and silent. */
const silent: Answer = ({ res }) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.flushHeaders();
};

/** The watch expired as the API server says it: an ERROR event with a 410 Status, then the end of the stream. */
const expiredEvent: Answer = ({ res }) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 };
  res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
};

/** The watch refused at once as too old: HTTP 410 with the Status. */
const expiredAnswer: Answer = ({ res }) => {
  res.writeHead(410, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Gone', code: 410 }));
};

/** A logger that keeps what it is told, to show what the stream said. */
function recordingLog() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as never) });
  return { log, warnings: () => lines.filter((l) => l.level >= 40).map((l) => l.msg) };
}

const streams: PodStream[] = [];
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function podStream(kube: Kube, options: Partial<PodStreamOptions> = {}) {
  const synced: Pod[][] = [];
  const changed: string[] = [];
  const { log, warnings } = recordingLog();
  const stream = new PodStream(
    kube,
    'kafka',
    {
      synced: async (_namespace, pods) => void synced.push(pods),
      changed: async (type, pod) => void changed.push(`${type} ${pod.metadata?.name}`),
    },
    { pageSize: 500, timeoutSeconds: 300, backoffMs: { first: 300, max: 1_200 }, log, ...options },
  );
  streams.push(stream);
  return { stream, synced, changed, warnings };
}

describe('the pod watch stream', () => {
  it('restarts a watch that stays silent past the server timeout, from where it was, without listing again', async () => {
    const api = await apiServer({ watch: silent });
    servers.push(api);
    // The server's timeout is 1 s and the grace 0: a watch that says nothing for 1 s is taken for dead.
    podStream(api.kube, { timeoutSeconds: 1, silenceGraceMs: 0 });

    await until('a second watch', () => api.watches()[1]);
    const [first, second] = api.watches();
    await first!.closed; // the silent connection was ended by the client, not left open
    expect(second!.resourceVersion).toBe(first!.resourceVersion);
    expect(api.lists()).toHaveLength(1);
  });

  it('lists again after 410 Gone: at once the first time, backing off when it happens again in a row', async () => {
    // Two expiries in a row (an ERROR event, then an HTTP 410), then a watch that runs.
    const api = await apiServer({
      watch: (seen, nth) => [expiredEvent, expiredAnswer, silent][Math.min(nth, 2)]!(seen, nth),
    });
    servers.push(api);
    const { synced } = podStream(api.kube, { backoffMs: { first: 300, max: 1_200 } });

    await until('a third watch', () => api.watches()[2]);
    expect(api.seen.map((s) => (s.watch ? `watch@${s.resourceVersion}` : 'list'))).toEqual([
      'list',
      'watch@101',
      'list',
      'watch@102',
      'list',
      'watch@103',
    ]);
    expect(synced).toHaveLength(3);
    // The second 410 in a row waits the first backoff step before its list (a lower bound: never a tight loop).
    const [, , , secondExpiry, thirdList] = api.seen;
    expect(thirdList!.at - secondExpiry!.at).toBeGreaterThanOrEqual(290);
  });

  it('stopped while its watch connects: the request ended, the stream done, nothing left running', async () => {
    // The server takes the watch and never answers it.
    const api = await apiServer({ watch: () => undefined });
    servers.push(api);
    const { stream, warnings } = podStream(api.kube);
    const watch = await until('the watch request', () => api.watches()[0]);

    await stream.stop();
    await watch.closed;
    expect(warnings()).toEqual([]); // stop() did not give up on a run still going
    expect(api.seen).toHaveLength(2);
  });

  it('stopped while its list is in flight: the pods never handed on, no watch started', async () => {
    // The server holds the list until the stream has been told to stop, then answers it.
    let answerList: (() => void) | undefined;
    const api = await apiServer({
      list: ({ res }) =>
        (answerList = () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'PodList', items: [], metadata: { resourceVersion: '7' } }));
        }),
      watch: silent,
    });
    servers.push(api);
    const { stream, synced, warnings } = podStream(api.kube);
    await until('the list request', () => answerList);

    const stopped = stream.stop();
    answerList!();
    await stopped;
    await api.lists()[0]!.closed;
    expect(synced).toEqual([]);
    expect(api.watches()).toEqual([]);
    expect(warnings()).toEqual([]);
  });
});
