/**
 * The bridge's event stream: a WebSocket at `/api/events` that carries every event of the
 * service to the page as JSON text, `{ "event": name, "payload": ... }`.
 */
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import { WebSocket, WebSocketServer } from 'ws';

import type { ApiService } from '../engine/api-service.ts';
import { eventNames } from '../shared/contract.ts';
import {
  MISSING_TOKEN_MESSAGE,
  parseRequestTarget,
  type Rejection,
  type RequestGuard,
} from './request-guard.ts';

/** Path of the event stream. */
export const EVENTS_PATH = '/api/events';

/**
 * Maximum size of a message from a client over the event socket, in bytes. Clients have nothing
 * to send, so `ws` closes a socket that sends more than a small frame.
 */
const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024;

/**
 * Event data queued for one socket before the bridge closes it, in bytes. A progress event is
 * under 1 KiB, so a socket this far behind belongs to a page that stopped reading (a frozen tab),
 * and closing it keeps the queue from growing without bound.
 */
const MAX_BUFFERED_EVENT_BYTES = 16 * 1024 * 1024;

/** Time an event socket gets to finish its closing handshake when the bridge stops, in ms. */
const SOCKET_CLOSE_GRACE_MS = 1_000;

/** WebSocket close code 1001 ("going away"), sent to pages when the bridge stops. */
const CLOSE_GOING_AWAY = 1001;

export interface EventSocketOptions {
  service: ApiService;
  guard: RequestGuard;
  log: (line: string) => void;
}

/** The open event sockets of one bridge. */
export interface EventSockets {
  /** Accepts an HTTP upgrade to `/api/events` from the bridge's own page, and rejects others. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Stops forwarding events and closes every socket. */
  close(): Promise<void>;
}

/** Starts forwarding the service's events to the sockets that the returned object accepts. */
export function createEventSockets(options: EventSocketOptions): EventSockets {
  const { guard, log } = options;
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  const stopForwarding = forwardEvents(options.service, server, log);

  return {
    handleUpgrade(request, socket, head) {
      const onError = (error: Error) => log(`bridge: event socket failed: ${error.message}`);
      socket.on('error', onError);

      const rejection = checkUpgrade(guard, request);
      if (rejection) return rejectUpgrade(socket, rejection);

      server.handleUpgrade(request, socket, head, (webSocket) => {
        // From here `ws` owns the socket and reports its errors on the WebSocket.
        socket.off('error', onError);
        webSocket.on('error', onError);
      });
    },

    async close() {
      stopForwarding();
      await Promise.all([...server.clients].map(closeSocket));
    },
  };
}

function checkUpgrade(guard: RequestGuard, request: IncomingMessage): Rejection | null {
  const rejection = guard.checkSource(request, { requireOrigin: true });
  if (rejection) return rejection;
  if (!guard.hasToken(request)) return { status: 401, message: MISSING_TOKEN_MESSAGE };
  if (parseRequestTarget(request.url)?.pathname !== EVENTS_PATH) {
    const message = `Go Env Lens accepts WebSocket connections only at ${EVENTS_PATH}.`;
    return { status: 404, message };
  }
  return null;
}

function rejectUpgrade(socket: Duplex, rejection: Rejection): void {
  const body = Buffer.from(rejection.message, 'utf8');
  const head = [
    `HTTP/1.1 ${rejection.status} ${http.STATUS_CODES[rejection.status] ?? ''}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${body.length}`,
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
}

/** Sends every event of the service to every open socket, and returns a function that stops. */
function forwardEvents(
  service: ApiService,
  server: WebSocketServer,
  log: (line: string) => void,
): () => void {
  const unsubscribes = eventNames.map((event) =>
    service.on(event, (payload) => {
      const message = JSON.stringify({ event, payload });
      for (const socket of server.clients) {
        if (socket.readyState !== WebSocket.OPEN) continue;
        if (socket.bufferedAmount > MAX_BUFFERED_EVENT_BYTES) {
          const queued = socket.bufferedAmount;
          log(`bridge: closed an event socket that stopped reading (${queued} bytes queued)`);
          socket.terminate();
          continue;
        }
        socket.send(message);
      }
    }),
  );
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}

function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), SOCKET_CLOSE_GRACE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(CLOSE_GOING_AWAY, 'Go Env Lens stopped');
  });
}
