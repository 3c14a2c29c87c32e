import { request as httpRequest, type IncomingMessage } from 'node:http';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { CertificateState, CertificatesRead } from '../../../integrations/cert-manager.js';
import { deadline, judged, notMeasured, plural, reasonOf, unreachedCode, type CheckOutcome } from './check.js';
import type { DataSources } from './sources.js';

/** A certificate that stops being valid within this many days is a risk the report fails on. */
export const EXPIRY_RISK_DAYS = 14;

export type ProbeOutcome = CheckOutcome & { source: string };

/** One URL probed once: the certificate it serves (https only) and its answer to a GET. */
export interface EndpointProbe {
  tls?: ProbeOutcome;
  http: ProbeOutcome;
}

/**
 * A URL as a report may show it: no user:password@, no query or fragment (a token rides there), `?…` saying one was
 * left out.
 */
export function shownUrl(url: string): string {
  const u = new URL(url);
  if (u.username === '' && u.password === '' && u.search === '' && u.hash === '') return url;
  return `${u.origin}${u.pathname}${u.search === '' ? '' : '?…'}`;
}

/** The certificate as the handshake served it, read before the socket is released. */
interface Served {
  cert: PeerCertificate | null;
  authorized: boolean;
  authorizationError: Error | null;
}

/**
 * Probes `url` over one connection (through HTTPS_PROXY by CONNECT unless NO_PROXY names the host): the served
 * certificate (issuer, days to expiry, hostname match, chain trusted) beside cert-manager's Certificate for the host,
 * then a GET whose status and latency are reported. A redirect is never followed (its target is named). The whole
 * probe (connect, handshake, GET) has one deadline, DATA_CHECK_TIMEOUT_MS; cert-manager's Certificates are awaited
 * only after it, so a slow read (bounded by the caller) never delays the probe.
 */
export async function probeEndpoint(
  url: string,
  sources: DataSources,
  certificates: Promise<CertificatesRead | undefined> | undefined,
  now: () => Date = () => new Date(),
): Promise<EndpointProbe> {
  const target = new URL(url);
  const shown = shownUrl(url);
  const https = target.protocol === 'https:';
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || (https ? 443 : 80));
  const proxy = proxyFor(host, sources.config);
  const via = proxy ? ` through the proxy ${proxy.host}` : '';
  const tlsSource = `TLS handshake with ${host}:${port}${via || ', direct'}`;
  const httpSource = `HTTP GET${via || ', direct'}`;
  const sockets: Socket[] = [];
  const release = () => sockets.forEach((s) => s.destroy());
  const within = deadline(sources.config.DATA_CHECK_TIMEOUT_MS, release);
  const started = performance.now();
  let socket: Socket;
  let served: Served | undefined;
  const tlsJudged = async (): Promise<{ tls?: ProbeOutcome }> =>
    served === undefined
      ? {}
      : { tls: { ...judgeCertificate(served, host, await certificates, now()), source: tlsSource } };
  try {
    socket = await within(`${host}:${port}`, open(host, port, proxy, sockets));
    if (https) {
      const secure = await within(`TLS ${host}:${port}`, handshake(socket, host, sockets));
      served = {
        cert: secure.getPeerCertificate(),
        authorized: secure.authorized,
        authorizationError: secure.authorizationError,
      };
      socket = secure;
    }
  } catch (error) {
    release();
    const why = `${host}:${port}${via} not reached: ${reasonOf(error)}`;
    const unreached = notMeasured(why);
    return {
      ...(https ? { tls: { ...unreached, source: tlsSource } } : {}),
      http: { ...notMeasured(why), source: httpSource },
    };
  }
  let http: ProbeOutcome;
  try {
    const answer = await within(`GET ${shown}`, get(socket, target));
    const ms = Math.round(performance.now() - started);
    http = { ...judgeAnswer(answer, ms, target), source: httpSource };
  } catch (error) {
    const why = unreachedCode(error) ? 'no answer' : 'the request failed';
    http = { ...notMeasured(`${why}: ${reasonOf(error)}`), source: httpSource };
  } finally {
    release();
  }
  return { ...(await tlsJudged()), http };
}

function judgeCertificate(
  socket: Served,
  host: string,
  certificates: CertificatesRead | undefined,
  at: Date,
): CheckOutcome {
  const cert = socket.cert;
  if (cert === null || Object.keys(cert).length === 0)
    return judged('no certificate served', ['no certificate served']);
  const notAfter = new Date(cert.valid_to);
  const days = Math.floor((notAfter.getTime() - at.getTime()) / 86_400_000);
  const mismatch = checkServerIdentity(host, cert);
  const issuer = issuerOf(cert);
  const problems = [
    ...(days < 0
      ? [`expired ${notAfter.toISOString().slice(0, 10)}`]
      : days < EXPIRY_RISK_DAYS
        ? [`expires in ${plural(days, 'day')} (within ${EXPIRY_RISK_DAYS})`]
        : []),
    ...(mismatch ? [`not valid for ${host}`] : []),
    ...(socket.authorized ? [] : [`not trusted (${String(socket.authorizationError)})`]),
  ];
  const summary = [
    `issuer ${issuer}`,
    `expires ${notAfter.toISOString().slice(0, 10)} (${plural(days, 'day')})`,
    mismatch ? 'hostname does NOT match' : 'hostname matches',
    certManagerLine(certificates, host, notAfter),
  ].join(', ');
  return judged(summary, problems);
}

function issuerOf(cert: PeerCertificate): string {
  const field = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return field(cert.issuer?.O) ?? field(cert.issuer?.CN) ?? 'unknown';
}

/** cert-manager's Certificate for the host, beside what is served: a renewal that is not rolled out shows here. */
function certManagerLine(certificates: CertificatesRead | undefined, host: string, served: Date): string {
  if (certificates === undefined) return 'cert-manager not read';
  if (!certificates.served) return `cert-manager: ${certificates.reason}`;
  const match = certificates.items.find((c) => coversHost(c, host));
  if (match === undefined) return 'no cert-manager Certificate for this host';
  const ready = match.ready === true ? 'Ready' : match.ready === false ? 'NOT Ready' : 'no Ready condition';
  const notAfter = match.notAfter?.toISOString().slice(0, 10) ?? 'not issued';
  const differs =
    match.notAfter !== undefined && Math.abs(match.notAfter.getTime() - served.getTime()) > 86_400_000
      ? ' (differs from the served one)'
      : '';
  return `cert-manager ${match.namespace}/${match.name} ${ready}, notAfter ${notAfter}${differs}`;
}

/** Whether the Certificate's dnsNames cover the host, as a client checks a served one (RFC 6125: `*.` is one label). */
export function coversHost(c: Pick<CertificateState, 'dnsNames'>, host: string): boolean {
  const names = c.dnsNames ?? [];
  if (names.length === 0) return false;
  const asServed = { subject: {}, subjectaltname: names.map((n) => `DNS:${n}`).join(', ') } as PeerCertificate;
  return checkServerIdentity(host, asServed) === undefined;
}

function judgeAnswer(answer: IncomingMessage, ms: number, target: URL): CheckOutcome {
  const status = answer.statusCode ?? 0;
  const location = answer.headers.location;
  let redirect = '';
  if (status >= 300 && status < 400 && location !== undefined) {
    const to = new URL(location, target);
    redirect =
      to.host === target.host
        ? ` → ${to.pathname} (same host, not followed)`
        : ` → ${to.host} (off the host, not followed)`;
  }
  const fine = status < 400 || status === 401 || status === 403;
  return judged(`HTTP ${status}${redirect} in ${ms} ms`, fine ? [] : [`HTTP ${status}`]);
}

/** A TCP connection to host:port, directly or through an HTTP proxy's CONNECT tunnel. */
function open(host: string, port: number, proxy: URL | undefined, sockets: Socket[]): Promise<Socket> {
  if (proxy === undefined) {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host, port });
      sockets.push(socket);
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  }
  return new Promise((resolve, reject) => {
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const req = httpRequest({
      host: proxy.hostname,
      port: Number(proxy.port || 80),
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuthorization(proxy) },
    });
    req.once('connect', (res, socket) => {
      sockets.push(socket);
      if (res.statusCode === 200) resolve(socket);
      else reject(new Error(`the proxy refused the tunnel: HTTP ${res.statusCode}`));
    });
    req.once('socket', (s) => sockets.push(s));
    req.once('error', reject);
    req.end();
  });
}

function handshake(socket: Socket, host: string, sockets: Socket[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // Not verified here: an untrusted or expired certificate is measured and reported, not refused.
    // SNI carries a host name only (RFC 6066): an IP address is sent without one.
    const secure = tlsConnect({
      socket,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    sockets.push(secure);
    secure.once('secureConnect', () => resolve(secure));
    secure.once('error', reject);
  });
}

function get(socket: Socket, target: URL): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      createConnection: () => socket,
      host: target.hostname,
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      headers: { host: target.host, 'user-agent': 'carbon-ops-health', connection: 'close' },
    });
    req.once('response', (res) => {
      res.resume(); // the body is not read: status and latency only
      resolve(res);
    });
    req.once('error', reject);
    req.end();
  });
}

/** Basic credentials from the proxy URL's user:password@ (percent-decoded), sent to the proxy only, never shown. */
function proxyAuthorization(proxy: URL): { 'proxy-authorization'?: string } {
  if (proxy.username === '' && proxy.password === '') return {};
  const pair = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(pair).toString('base64')}` };
}

/** HTTPS_PROXY unless NO_PROXY names the host (`*`, the host, or `.domain` / `domain` for it and its subdomains). */
export function proxyFor(host: string, config: DataSources['config']): URL | undefined {
  if (config.HTTPS_PROXY === undefined) return undefined;
  const bypass = config.NO_PROXY.split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean)
    .some((h) => h === '*' || host === h.replace(/^\./, '') || host.endsWith(h.startsWith('.') ? h : `.${h}`));
  return bypass ? undefined : new URL(config.HTTPS_PROXY);
}
