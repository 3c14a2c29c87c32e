// Slack's Socket Mode, served by the stand-in beside its Web API. apps.connections.open (web-api.ts) hands out a
// one-use WebSocket URL; on connect the link says `hello`, then carries envelopes (slash_commands, events_api,
// interactive) that the app acks by envelope_id. An Events API envelope left unacked (no ack in time, or the link
// gone first) is redelivered with retry_attempt and retry_reason, as Slack retries events; slash commands and
// interactions are not. A test can make the link send `disconnect`, drop it, or lose an ack with the link.
// Learnt from Slack's Socket Mode docs and what @slack/socket-mode's client sends and expects.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { FAKE_WORKSPACE } from './identity.js';

export type EnvelopeType = 'slash_commands' | 'events_api' | 'interactive';

/** Why Slack asks an app to reconnect: soon (`warning`), now (`refresh_requested`), or Socket Mode turned off. */
export type DisconnectReason = 'warning' | 'refresh_requested' | 'link_disabled';

export type SocketConnection = {
  id: number;
  openedAt: number;
  /** The hello message it was sent on connect. */
  hello: Record<string, unknown>;
  /** The disconnect message it was sent, if any; no envelope goes to it afterwards. */
  disconnect?: DisconnectReason;
  /** Dropped by the stand-in: the TCP connection destroyed without a close frame. */
  dropped?: boolean;
  closedAt?: number;
  /** The WebSocket close code (1006 when the connection ended without a close frame). */
  closeCode?: number;
};

/** One delivery attempt as it went over the link. */
export type SentEnvelope = {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
  connection: number;
  at: number;
  /** `timed_out`: no ack in time; `connection_lost`: the link closed before an ack reached Slack. */
  outcome: 'pending' | 'acked' | 'timed_out' | 'connection_lost';
};

export type AckStatus =
  /** Counted: the envelope's delivery is done. */
  | 'accepted'
  /** No envelope with this id was ever sent: ignored. */
  | 'unknown'
  /** For an attempt that had already timed out or lost its link: ignored, as Slack has moved on. */
  | 'late'
  /** The envelope was already acked: ignored. */
  | 'duplicate'
  /** Sent by the app, but the link was dropped before Slack read it (DeliverOptions.dropOnAck). */
  | 'lost'
  /** Not JSON, or without a string envelope_id. */
  | 'unreadable';

export type RecordedAck = {
  envelope_id?: string;
  /** What came with the ack (a slash command's response, when the envelope accepts one). */
  payload?: unknown;
  connection: number;
  at: number;
  status: AckStatus;
};

export type SocketDelivery = {
  /** Whether an attempt was acked in time. */
  acked: boolean;
  /** The accepted ack's payload. */
  payload?: Record<string, unknown>;
  /** Every attempt, the first first. */
  attempts: SentEnvelope[];
};

export type DeliverOptions = {
  /** The link drops when the app's ack arrives, before Slack reads it: the app acted, Slack thinks it did not. */
  dropOnAck?: boolean;
};

export type SocketModeOptions = {
  /** How long Slack waits for an ack: 3 s. A rig on a loaded machine gives longer, so a slow ack is not a lost one. */
  ackTimeoutMs?: number;
  /** The wait before each retry of an unacked Events API envelope: Slack retries at once, after 1 min, after 5 min. */
  retryDelaysMs?: number[];
  /** Slack pings its end of the link; @slack/socket-mode's client reconnects when a ping is 30 s overdue. */
  pingIntervalMs?: number;
};

export type SocketModeStandin = {
  /** Every connection made, in order. */
  connections: SocketConnection[];
  /** Every envelope sent, retries included, in order. */
  envelopes: SentEnvelope[];
  /** Every ack received, with what the stand-in made of it. */
  acks: RecordedAck[];
  /** Sends an envelope (now, or when a connection is ready) and resolves once it is acked or Slack gives up. */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, opts?: DeliverOptions): Promise<SocketDelivery>;
  /** Sends every open connection a `disconnect` message; envelopes go to the next connection from then on. */
  disconnect(reason: DisconnectReason): void;
  /** Destroys every open connection without a close frame, as a network failure does. */
  drop(): void;
};

/** Interaction payloads whose ack may carry a response (errors or a view for view_submission, options). */
const RESPONDING_INTERACTIONS = new Set(['view_submission', 'block_suggestion']);

const HOST = 'applink-standin';

type Live = { record: SocketConnection; ws: WebSocket; ping: NodeJS.Timeout };

type Delivery = {
  type: EnvelopeType;
  payload: Record<string, unknown>;
  dropOnAck: boolean;
  /** Attempts begun, including one that found no connection in time (which is not in `attempts`). */
  tries: number;
  attempts: SentEnvelope[];
  resolve(result: SocketDelivery): void;
};

type Retry = { attempt: number; reason: string };

type InFlight = { delivery: Delivery; envelope: SentEnvelope; timer: NodeJS.Timeout };

export class SocketModeLink implements SocketModeStandin {
  readonly connections: SocketConnection[] = [];
  readonly envelopes: SentEnvelope[] = [];
  readonly acks: RecordedAck[] = [];
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly tickets = new Set<string>();
  private readonly live = new Map<number, Live>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly acked = new Set<string>();
  private readonly expired = new Set<string>();
  /** Attempts waiting for a connection, each for an ack timeout at most, as if it had been sent. */
  private readonly waiting = new Map<Delivery, { retry: Retry | undefined; timer: NodeJS.Timeout }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deliveries = new Set<Delivery>();
  private readonly ackTimeoutMs: number;
  private readonly retryDelaysMs: number[];
  private readonly pingIntervalMs: number;
  private next = 0;

  constructor(
    opts: SocketModeOptions,
    /** Called after anything a test may wait for. */
    private readonly changed: () => void,
  ) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 3_000;
    this.retryDelaysMs = opts.retryDelaysMs ?? [0, 60_000, 300_000];
    this.pingIntervalMs = opts.pingIntervalMs ?? 10_000;
  }

  /** apps.connections.open's URL: Slack's shape (`/link/?ticket=…&app_id=…`), good for one connection. */
  openUrl(httpOrigin: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    const url = new URL('/link/', httpOrigin.replace(/^http/, 'ws'));
    url.searchParams.set('ticket', ticket);
    url.searchParams.set('app_id', FAKE_WORKSPACE.appId);
    return url.toString();
  }

  /** The HTTP server's `upgrade` event: only a URL apps.connections.open handed out, once. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.tickets.delete(ticket)) {
      // The status is the stand-in's own: Slack does not document how it refuses a bad or used ticket.
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  deliver(type: EnvelopeType, payload: Record<string, unknown>, opts: DeliverOptions = {}): Promise<SocketDelivery> {
    return new Promise((resolve) => {
      const delivery: Delivery = { type, payload, dropOnAck: opts.dropOnAck ?? false, tries: 1, attempts: [], resolve };
      this.deliveries.add(delivery);
      this.attempt(delivery, undefined);
    });
  }

  disconnect(reason: DisconnectReason): void {
    for (const { record, ws } of this.live.values()) {
      if (record.disconnect !== undefined) continue;
      record.disconnect = reason;
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: `${HOST}-${record.id}` } }));
    }
    this.changed();
  }

  drop(): void {
    for (const { record, ws } of this.live.values()) {
      record.dropped = true;
      ws.terminate();
    }
  }

  /** Forgets envelopes and acks of finished deliveries; connections stay as they are. */
  reset(): void {
    this.acks.length = 0;
    const pending = this.envelopes.filter((e) => e.outcome === 'pending');
    this.envelopes.splice(0, this.envelopes.length, ...pending);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    for (const { timer } of this.inFlight.values()) clearTimeout(timer);
    this.inFlight.clear();
    for (const delivery of this.deliveries) delivery.resolve({ acked: false, attempts: delivery.attempts });
    this.deliveries.clear();
    for (const { ws } of this.live.values()) ws.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const id = this.connections.length + 1;
    const hello = {
      type: 'hello',
      num_connections: this.live.size + 1,
      // approximate_connection_time: how long Slack means to keep this connection, in seconds (about 5 hours).
      debug_info: { host: `${HOST}-${id}`, build_number: 1, approximate_connection_time: 18_060 },
      connection_info: { app_id: FAKE_WORKSPACE.appId },
    };
    const record: SocketConnection = { id, openedAt: Date.now(), hello };
    const ping = setInterval(() => ws.ping(), this.pingIntervalMs).unref();
    this.connections.push(record);
    this.live.set(id, { record, ws, ping });
    ws.on('message', (data, isBinary) => this.received(record, data, isBinary));
    ws.on('close', (code) => this.closed(record, code));
    ws.on('error', () => undefined); // a reset connection also closes; that is where it is handled
    ws.send(JSON.stringify(hello));
    for (const [delivery, { retry, timer }] of [...this.waiting]) {
      clearTimeout(timer);
      this.waiting.delete(delivery);
      this.attempt(delivery, retry);
    }
    this.changed();
  }

  /** Sends an attempt on a ready connection (in turn when there are several), or once one is ready. */
  private attempt(delivery: Delivery, retry: Retry | undefined): void {
    const ready = [...this.live.values()].filter((c) => c.record.disconnect === undefined);
    const target = ready[this.next++ % Math.max(ready.length, 1)];
    if (target === undefined) {
      const timer = setTimeout(() => {
        this.waiting.delete(delivery);
        this.retryOrGiveUp(delivery, 'connection_failed');
      }, this.ackTimeoutMs);
      this.waiting.set(delivery, { retry, timer });
      return;
    }
    const acceptsResponse =
      delivery.type === 'slash_commands' ||
      (delivery.type === 'interactive' && RESPONDING_INTERACTIONS.has(String(delivery.payload['type'])));
    const frame = {
      envelope_id: randomUUID(),
      payload: delivery.payload,
      type: delivery.type,
      accepts_response_payload: acceptsResponse,
      // Events carry their retry count, 0 on the first delivery (Slack's own envelopes show it so).
      ...(delivery.type === 'events_api' && { retry_attempt: retry?.attempt ?? 0, retry_reason: retry?.reason ?? '' }),
    };
    const envelope: SentEnvelope = { ...frame, connection: target.record.id, at: Date.now(), outcome: 'pending' };
    delivery.attempts.push(envelope);
    this.envelopes.push(envelope);
    const timer = setTimeout(() => this.failed(frame.envelope_id, 'timed_out'), this.ackTimeoutMs);
    this.inFlight.set(frame.envelope_id, { delivery, envelope, timer });
    target.ws.send(JSON.stringify(frame));
    this.changed();
  }

  private received(connection: SocketConnection, data: RawData, isBinary: boolean): void {
    const at = Date.now();
    const message = isBinary ? undefined : parseObject(data.toString());
    const id = message?.['envelope_id'];
    if (typeof id !== 'string') {
      this.acks.push({ connection: connection.id, at, status: 'unreadable' });
      return this.changed();
    }
    const ack: RecordedAck = {
      envelope_id: id,
      payload: message?.['payload'],
      connection: connection.id,
      at,
      status: 'accepted',
    };
    const entry = this.inFlight.get(id);
    if (entry === undefined) {
      ack.status = this.acked.has(id) ? 'duplicate' : this.expired.has(id) ? 'late' : 'unknown';
      this.acks.push(ack);
      return this.changed();
    }
    const { delivery, envelope, timer } = entry;
    if (delivery.dropOnAck) {
      delivery.dropOnAck = false; // once: the retry's ack gets through
      this.acks.push({ ...ack, status: 'lost' });
      connection.dropped = true;
      this.live.get(connection.id)?.ws.terminate(); // closed() then fails the attempt, and the event is retried
      return this.changed();
    }
    clearTimeout(timer);
    this.inFlight.delete(id);
    this.acked.add(id);
    envelope.outcome = 'acked';
    this.acks.push(ack);
    this.finish(delivery, { acked: true, payload: asObject(ack.payload), attempts: delivery.attempts });
  }

  private closed(connection: SocketConnection, code: number): void {
    const live = this.live.get(connection.id);
    if (live === undefined) return;
    clearInterval(live.ping);
    this.live.delete(connection.id);
    connection.closedAt = Date.now();
    connection.closeCode = code;
    for (const [id, entry] of [...this.inFlight]) {
      if (entry.envelope.connection === connection.id) this.failed(id, 'connection_lost');
    }
    this.changed();
  }

  /** An attempt that will not be acked now: Slack forgets its envelope id. */
  private failed(envelopeId: string, outcome: 'timed_out' | 'connection_lost'): void {
    const entry = this.inFlight.get(envelopeId);
    if (entry === undefined) return;
    const { delivery, envelope, timer } = entry;
    clearTimeout(timer);
    this.inFlight.delete(envelopeId);
    this.expired.add(envelopeId);
    envelope.outcome = outcome;
    // Slack documents these reasons for HTTP retries; it names none for Socket Mode, so the stand-in uses them.
    this.retryOrGiveUp(delivery, outcome === 'timed_out' ? 'http_timeout' : 'connection_failed');
  }

  /** An event is tried again on Slack's schedule (with a fresh envelope id); anything else is given up. */
  private retryOrGiveUp(delivery: Delivery, reason: string): void {
    const delay = delivery.type === 'events_api' ? this.retryDelaysMs[delivery.tries - 1] : undefined;
    if (delay === undefined) return this.finish(delivery, { acked: false, attempts: delivery.attempts });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      delivery.tries += 1;
      this.attempt(delivery, { attempt: delivery.tries - 1, reason });
    }, delay);
    this.timers.add(timer);
    this.changed();
  }

  private finish(delivery: Delivery, result: SocketDelivery): void {
    this.deliveries.delete(delivery);
    delivery.resolve(result);
    this.changed();
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
