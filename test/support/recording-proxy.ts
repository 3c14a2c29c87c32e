// A logging proxy between a client and the Kubernetes stand-in: it records every request exactly as it
// arrived on the wire (method, path, content type, body) and forwards it unchanged, so a test can check
// what a client really sent, not what it meant to send. The client speaks plain HTTP to it; it speaks
// HTTPS to the stand-in, trusting `ca`.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { currentUser } from './kubeconfig.js';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. /apis/apps/v1/namespaces/kafka/deployments/x?fieldManager=carbon-ops */
  url: string;
  contentType: string | undefined;
  body: string;
}

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const readAll = async (stream: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

export async function startRecordingProxy(target: string, ca: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void readAll(req).then((body) => {
      requests.push({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        contentType: req.headers['content-type'],
        body: body.toString('utf8'),
      });
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          ca,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * `kubeconfig` (say, the bot's ServiceAccount's) pointed at the proxy: the same identity, plain HTTP to the
 * proxy, HTTPS beyond it. The file a `carbon` process is given as KUBECONFIG (JSON, which is YAML too).
 */
export function throughProxy(kubeconfig: string, proxy: RecordingProxy): string {
  const { name, user } = currentUser(kubeconfig);
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'proxy', cluster: { server: proxy.url } }],
    users: [{ name, user }],
    contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: name } }],
    'current-context': 'proxy',
  });
}
