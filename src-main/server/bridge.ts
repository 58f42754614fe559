/**
 * The loopback bridge behind `go-env-lens serve`: serves the renderer and the API contract to a
 * browser on this machine. Calls arrive as `POST /api/<method>` and events leave over a WebSocket
 * at `/api/events`. Every request must carry the session token and come from the bridge's own page.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

import type { ApiService } from '../engine/api-service.ts';
import { ApiRequestError, dispatch, isMethodName } from '../shared/contract.ts';
import { createEventSockets, EVENTS_PATH } from './event-socket.ts';
import {
  createRequestGuard,
  createToken,
  MISSING_TOKEN_MESSAGE,
  parseRequestTarget,
  TOKEN_QUERY_PARAMETER,
  type RequestGuard,
} from './request-guard.ts';
import { contentTypeOf, hasIndexFile, resolveStaticFile } from './static-files.ts';

/** The only address the bridge listens on, so no other machine can reach it. */
const LOOPBACK_ADDRESS = '127.0.0.1';

/**
 * Maximum size of a request body, in bytes. The largest request today, `scan.run` with 64 shell
 * names of 64 characters, is under 5 KiB. 1 MiB leaves room for new methods and still keeps a
 * runaway client from filling memory.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

const API_PREFIX = '/api/';
const SAFE_METHODS = new Set(['GET', 'HEAD']);

export interface BridgeOptions {
  service: ApiService;
  /** TCP port on 127.0.0.1; 0, the default, lets the system pick a free one. */
  port?: number;
  /** Directory of the built renderer, served at `/`. */
  rendererDir: string;
  /** Receives one line per server-side failure, such as a handler's crash; stderr by default. */
  log?: (line: string) => void;
}

/** A running bridge. */
export interface Bridge {
  /** The address to open, with the session token: `http://127.0.0.1:PORT/?token=TOKEN`. */
  url: string;
  port: number;
  token: string;
  /** Stops listening, closes every connection and event socket, and stops forwarding events. */
  close(): Promise<void>;
}

/** Starts the loopback bridge on 127.0.0.1 and resolves once it listens. */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
    throw new RangeError(`invalid port ${requestedPort}: expected an integer from 0 to 65535`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const token = createToken();
  const server = http.createServer();

  server.listen({ port: requestedPort, host: LOOPBACK_ADDRESS, exclusive: true });
  try {
    await once(server, 'listening');
  } catch (error) {
    const where = `${LOOPBACK_ADDRESS}:${requestedPort}`;
    throw new Error(`failed to listen on ${where}: ${messageOf(error)}`, { cause: error });
  }
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error(`the bridge server reports no TCP address (${String(address)})`);
  }
  const port = address.port;
  const guard = createRequestGuard(port, token);
  const context: RequestContext = { ...options, port, guard, log };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handleRequest(context, request, response).catch((error: unknown) => {
      log(`bridge: ${request.method} request failed: ${stackOf(error)}`);
      if (!response.headersSent) sendText(response, 500, `Go Env Lens failed: ${messageOf(error)}`);
      else response.destroy();
    });
  });
  const events = createEventSockets({ service: options.service, guard, log });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    events.handleUpgrade(request, socket, head);
  });

  let closing: Promise<void> | null = null;
  return {
    url: `http://${LOOPBACK_ADDRESS}:${port}/?${TOKEN_QUERY_PARAMETER}=${token}`,
    port,
    token,
    close() {
      closing ??= (async () => {
        const closed = once(server, 'close');
        server.close();
        server.closeAllConnections();
        await events.close();
        await closed;
      })();
      return closing;
    },
  };
}

interface RequestContext extends BridgeOptions {
  port: number;
  guard: RequestGuard;
  log: (line: string) => void;
}

async function handleRequest(
  context: RequestContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  applySecurityHeaders(response, context.port);
  const method = request.method ?? '';
  const rejection = context.guard.checkSource(request, {
    requireOrigin: !SAFE_METHODS.has(method),
  });
  if (rejection) return sendText(response, rejection.status, rejection.message);

  const url = parseRequestTarget(request.url);
  if (url === null) {
    return sendText(response, 400, 'Go Env Lens rejected a malformed request path.');
  }

  const offeredToken = url.searchParams.get(TOKEN_QUERY_PARAMETER);
  if (url.pathname === '/' && offeredToken !== null && SAFE_METHODS.has(method)) {
    return acceptToken(context.guard, response, offeredToken);
  }
  if (!context.guard.hasToken(request)) return sendText(response, 401, MISSING_TOKEN_MESSAGE);

  if (url.pathname === EVENTS_PATH) {
    return sendText(response, 426, `${EVENTS_PATH} accepts only WebSocket connections.`);
  }
  if (url.pathname.startsWith(API_PREFIX)) {
    return handleCall(context, request, response, url.pathname.slice(API_PREFIX.length));
  }
  if (!SAFE_METHODS.has(method)) {
    response.setHeader('Allow', 'GET, HEAD');
    const message = `Go Env Lens serves files with GET and HEAD only, not ${method}.`;
    return sendText(response, 405, message);
  }
  return serveFile(context, request, response, url.pathname);
}

/**
 * Stores a valid token from the printed address in a cookie and redirects to `/`, so the token
 * leaves the address bar and the browser history.
 */
function acceptToken(guard: RequestGuard, response: ServerResponse, offeredToken: string): void {
  if (!guard.isToken(offeredToken)) {
    return sendText(
      response,
      401,
      'Go Env Lens rejected the token in this address, which may be from an earlier run. ' +
        'Open the address that `go-env-lens serve` printed most recently.',
    );
  }
  response.statusCode = 303;
  response.setHeader('Set-Cookie', guard.tokenCookie());
  response.setHeader('Location', '/');
  response.end();
}

/** Runs `POST /api/<method>` and sends `{ result }` or `{ error: { message } }`. */
async function handleCall(
  context: RequestContext,
  request: IncomingMessage,
  response: ServerResponse,
  encodedMethod: string,
): Promise<void> {
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return sendError(response, 405, `API methods accept only POST, not ${request.method}`);
  }
  const method = decodePathSegment(encodedMethod);
  if (!isMethodName(method)) {
    return sendError(response, 404, `unknown API method ${JSON.stringify(method)}`);
  }

  const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return sendError(
      response,
      415,
      `${method} expects Content-Type application/json, not ${JSON.stringify(mediaType ?? '')}`,
    );
  }

  const body = await readBody(request);
  if (body === null) {
    return sendError(
      response,
      413,
      `the request body of ${method} is larger than ${MAX_REQUEST_BODY_BYTES} bytes`,
    );
  }

  let parsed: unknown;
  try {
    parsed = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = messageOf(error);
    return sendError(response, 400, `invalid JSON in the request body of ${method}: ${reason}`);
  }

  try {
    const result = await dispatch(context.service.handlers, method, parsed);
    sendJson(response, 200, { result });
  } catch (error) {
    if (error instanceof ApiRequestError) return sendError(response, 400, error.message);
    context.log(`bridge: ${method} failed: ${stackOf(error)}`);
    sendError(response, 500, messageOf(error));
  }
}

/**
 * Reads a request body, or returns null once it grows past MAX_REQUEST_BODY_BYTES. The rest of a
 * body that is too large is read and dropped, not left unread, because closing a connection with
 * unread data resets it, and the client may then lose the 413 response.
 */
function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const declaredLength = Number(request.headers['content-length'] ?? 0);
  if (declaredLength > MAX_REQUEST_BODY_BYTES) {
    request.resume();
    return Promise.resolve(null);
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_REQUEST_BODY_BYTES) {
        chunks.length = 0;
        resolve(null);
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => {
      resolve(length > MAX_REQUEST_BODY_BYTES ? null : Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

async function serveFile(
  context: RequestContext,
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
): Promise<void> {
  if (pathname === '/' && !(await hasIndexFile(context.rendererDir))) {
    return sendText(
      response,
      503,
      `Go Env Lens has no built renderer in ${context.rendererDir}. ` +
        'Run `npm run build:renderer`, then reload this page.',
    );
  }
  const file = await resolveStaticFile(context.rendererDir, pathname);
  if (file === null) return sendText(response, 404, `Go Env Lens has no file at ${pathname}.`);

  const content = await readFile(file);
  response.statusCode = 200;
  response.setHeader('Content-Type', contentTypeOf(file));
  response.setHeader('Content-Length', content.length);
  response.end(request.method === 'HEAD' ? undefined : content);
}

/**
 * Sets the headers that every response carries. The page may load only its own files and talk
 * only to this bridge, and no other site may frame it. Nothing is cached, because responses
 * describe the machine's environment at the moment of the request.
 */
function applySecurityHeaders(response: ServerResponse, port: number): void {
  const policy = [
    "default-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
  ].join('; ');
  response.setHeader('Content-Security-Policy', policy);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Cache-Control', 'no-store');
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function sendText(response: ServerResponse, status: number, message: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.end(`${message}\n`);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { error: { message } });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
