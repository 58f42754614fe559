/**
 * Tests of the loopback bridge through real HTTP and WebSocket connections to a bridge on
 * 127.0.0.1, backed by the real engine service. Only `app.info` and `scan.latest` are called, so
 * no shell is started.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import WebSocket from 'ws';

import { createApiService, type ApiService } from '../src-main/engine/api-service.ts';
import type { ScanProgress } from '../src-main/shared/scan-report.ts';
import { MAX_REQUEST_BODY_BYTES, startBridge, type Bridge } from '../src-main/server/bridge.ts';

const INDEX_HTML = '<!doctype html><title>bridge test page</title>';
const SCRIPT = 'console.log("bridge test script");';
/** Content of a file one level above the renderer directory, which must never be served. */
const OUTSIDE_SECRET = '{"secret":"outside the renderer directory"}';

let temporaryDir: string;
let rendererDir: string;
let bridge: Bridge;
const logLines: string[] = [];

before(async () => {
  temporaryDir = await mkdtemp(path.join(os.tmpdir(), 'go-env-lens-bridge-'));
  rendererDir = path.join(temporaryDir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(path.join(rendererDir, 'index.html'), INDEX_HTML);
  await writeFile(path.join(rendererDir, 'app.js'), SCRIPT);
  await writeFile(path.join(temporaryDir, 'package.json'), OUTSIDE_SECRET);
  await symlink(path.join(temporaryDir, 'package.json'), path.join(rendererDir, 'escape.json'));

  bridge = await startBridge({
    service: createApiService({ host: 'browser' }),
    rendererDir,
    log: (line) => logLines.push(line),
  });
});

after(async () => {
  await bridge.close();
  await rm(temporaryDir, { recursive: true, force: true });
});

function origin(): string {
  return `http://127.0.0.1:${bridge.port}`;
}

function tokenCookie(token = bridge.token): string {
  return `go_env_lens_token=${token}`;
}

/** Headers of a call that the bridge's own page would send. */
function pageHeaders(): Record<string, string> {
  return { Cookie: tokenCookie(), Origin: origin(), 'Content-Type': 'application/json' };
}

function callMethod(method: string, body: string, headers = pageHeaders()): Promise<Response> {
  return fetch(`${origin()}/api/${method}`, { method: 'POST', headers, body });
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Sends a request with node:http, which, unlike fetch, sends the Host header and the path exactly
 * as given (fetch would normalize `/../x`).
 */
function rawRequest(
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer },
  port = bridge.port,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Opens a WebSocket and resolves with the socket, or with the HTTP status that rejected it. */
function openSocket(
  headers: Record<string, string>,
  port = bridge.port,
  pathname = '/api/events',
): Promise<{ socket: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${pathname}`, { headers });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      response.resume();
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

describe('bridge token', () => {
  test('rejects a request without the token', async () => {
    const response = await fetch(`${origin()}/`);
    assert.equal(response.status, 401);
    assert.match(await response.text(), /Open the address that `go-env-lens serve` printed/);
  });

  test('rejects a wrong token in the cookie', async () => {
    const response = await fetch(`${origin()}/`, {
      headers: { Cookie: tokenCookie('0'.repeat(64)) },
    });
    assert.equal(response.status, 401);
  });

  test('rejects a wrong token in the header', async () => {
    const response = await fetch(`${origin()}/`, {
      headers: { 'X-Go-Env-Lens-Token': bridge.token.slice(0, -1) },
    });
    assert.equal(response.status, 401);
  });

  test('rejects a wrong token in the address', async () => {
    const response = await fetch(`${origin()}/?token=wrong`, { redirect: 'manual' });
    assert.equal(response.status, 401);
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  test('accepts the token in the header', async () => {
    const response = await fetch(`${origin()}/`, {
      headers: { 'X-Go-Env-Lens-Token': bridge.token },
    });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), INDEX_HTML);
  });

  test('moves the address token into a cookie', async () => {
    const redirect = await fetch(bridge.url, { redirect: 'manual' });
    assert.equal(redirect.status, 303);
    assert.equal(redirect.headers.get('location'), '/');
    assert.deepEqual(redirect.headers.getSetCookie(), [
      `go_env_lens_token=${bridge.token}; HttpOnly; SameSite=Strict; Path=/`,
    ]);

    const cookie = redirect.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const page = await fetch(`${origin()}/`, { headers: { Cookie: cookie } });
    assert.equal(page.status, 200);
    assert.equal(await page.text(), INDEX_HTML);
  });

  test('prints a loopback address with the token', () => {
    assert.match(bridge.token, /^[0-9a-f]{64}$/);
    assert.equal(bridge.url, `http://127.0.0.1:${bridge.port}/?token=${bridge.token}`);
  });
});

describe('bridge request source', () => {
  test('rejects a foreign Host header', async () => {
    const response = await rawRequest({
      path: '/',
      headers: { Host: `evil.example:${bridge.port}`, Cookie: tokenCookie() },
    });
    assert.equal(response.status, 421);
    assert.doesNotMatch(response.body, /bridge test page/);
  });

  test('rejects a Host header with another port', async () => {
    const response = await rawRequest({
      path: '/',
      headers: { Host: `127.0.0.1:${bridge.port + 1}`, Cookie: tokenCookie() },
    });
    assert.equal(response.status, 421);
  });

  test('accepts localhost in the Host header', async () => {
    const response = await rawRequest({
      path: '/',
      headers: { Host: `localhost:${bridge.port}`, Cookie: tokenCookie() },
    });
    assert.equal(response.status, 200);
    assert.equal(response.body, INDEX_HTML);
  });

  test('rejects a call from a foreign Origin', async () => {
    const response = await callMethod('app.info', '{}', {
      ...pageHeaders(),
      Origin: 'http://evil.example',
    });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /rejected the Origin "http:\/\/evil\.example"/);
  });

  test('rejects a call without Origin', async () => {
    const { Origin: _origin, ...headers } = pageHeaders();
    const response = await callMethod('app.info', '{}', headers);
    assert.equal(response.status, 403);
    assert.match(await response.text(), /rejected the Origin \(missing\)/);
  });

  test('rejects a page load from a foreign Origin', async () => {
    const response = await fetch(`${origin()}/`, {
      headers: { Cookie: tokenCookie(), Origin: 'http://evil.example' },
    });
    assert.equal(response.status, 403);
  });

  test('rejects a request that another site started', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const response = await fetch(`${origin()}/`, {
        headers: { Cookie: tokenCookie(), 'Sec-Fetch-Site': site },
      });
      assert.equal(response.status, 403, `Sec-Fetch-Site: ${site}`);
    }
  });

  test('accepts a request from its own page', async () => {
    const response = await fetch(`${origin()}/`, {
      headers: { Cookie: tokenCookie(), 'Sec-Fetch-Site': 'same-origin', Origin: origin() },
    });
    assert.equal(response.status, 200);
  });
});

describe('bridge API calls', () => {
  test('returns app.info', async () => {
    const response = await callMethod('app.info', '{}');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await response.json()) as { result: Record<string, unknown> };
    const manifest = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    assert.equal(body.result.host, 'browser');
    assert.equal(body.result.version, manifest.version);
    assert.equal(body.result.home, os.homedir());
    assert.equal(body.result.user, os.userInfo().username);
    assert.equal(typeof body.result.defaultDeadlineMs, 'number');
  });

  test('returns null from scan.latest before any scan', async () => {
    const response = await callMethod('scan.latest', '{}');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { result: null });
  });

  test('treats an empty body as an empty request', async () => {
    const response = await callMethod('scan.latest', '');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { result: null });
  });

  test('rejects an invalid request naming the method', async () => {
    const response = await callMethod('app.info', '{"bogus":1}');
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { message: string } };
    assert.match(body.error.message, /^invalid request for app\.info: /);
    assert.match(body.error.message, /bogus/);
  });

  test('rejects malformed JSON', async () => {
    const response = await callMethod('app.info', '{"unterminated"');
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { message: string } };
    assert.match(body.error.message, /^invalid JSON in the request body of app\.info: /);
  });

  test('rejects an unknown method', async () => {
    const response = await callMethod('no.such.method', '{}');
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), {
      error: { message: 'unknown API method "no.such.method"' },
    });
  });

  test('rejects a body that is not JSON', async () => {
    const response = await callMethod('app.info', '{}', {
      ...pageHeaders(),
      'Content-Type': 'text/plain',
    });
    assert.equal(response.status, 415);
    const body = (await response.json()) as { error: { message: string } };
    assert.equal(
      body.error.message,
      'app.info expects Content-Type application/json, not "text/plain"',
    );
  });

  test('rejects a body over the size limit', async () => {
    const body = Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1, 0x20);
    const response = await rawRequest({
      method: 'POST',
      path: '/api/app.info',
      headers: { ...pageHeaders(), Host: `127.0.0.1:${bridge.port}` },
      body,
    });
    assert.equal(response.status, 413);
    assert.match(response.body, /larger than 1048576 bytes/);
  });

  test('rejects a streamed body over the size limit', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      const request = http.request({
        host: '127.0.0.1',
        port: bridge.port,
        method: 'POST',
        path: '/api/app.info',
        headers: { ...pageHeaders(), 'Transfer-Encoding': 'chunked' },
        agent: false,
      });
      request.on('response', (incoming) => {
        incoming.resume();
        resolve(incoming.statusCode ?? 0);
      });
      request.on('error', reject);
      // Without Content-Length, the bridge finds the size only while it reads the body.
      const half = Buffer.alloc(MAX_REQUEST_BODY_BYTES / 2 + 1, 0x20);
      request.write(half);
      request.end(half);
    });
    assert.equal(response, 413);
  });

  test('accepts a body at the size limit', async () => {
    const body = Buffer.alloc(MAX_REQUEST_BODY_BYTES, 0x20);
    body.write('{}');
    const response = await rawRequest({
      method: 'POST',
      path: '/api/scan.latest',
      headers: { ...pageHeaders(), Host: `127.0.0.1:${bridge.port}` },
      body,
    });
    assert.equal(response.status, 200);
    assert.equal(response.body, '{"result":null}');
  });

  test('rejects GET on a method', async () => {
    const response = await fetch(`${origin()}/api/app.info`, {
      headers: { Cookie: tokenCookie() },
    });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
  });

  test('rejects a call without the token', async () => {
    const { Cookie: _cookie, ...headers } = pageHeaders();
    const response = await callMethod('app.info', '{}', headers);
    assert.equal(response.status, 401);
  });
});

describe('bridge event socket', () => {
  test('rejects a socket without the token', async () => {
    const outcome = await openSocket({ Origin: origin() });
    assert.deepEqual(outcome, { status: 401 });
  });

  test('rejects a socket from a foreign Origin', async () => {
    const outcome = await openSocket({ Origin: 'http://evil.example', Cookie: tokenCookie() });
    assert.deepEqual(outcome, { status: 403 });
  });

  test('rejects a socket without Origin', async () => {
    const outcome = await openSocket({ Cookie: tokenCookie() });
    assert.deepEqual(outcome, { status: 403 });
  });

  test('rejects a socket on another path', async () => {
    const outcome = await openSocket({ Origin: origin(), Cookie: tokenCookie() }, bridge.port, '/');
    assert.deepEqual(outcome, { status: 404 });
  });

  test('forwards service events and closes on stop', async () => {
    // The real service emits events only during a scan, which would start shells, so this
    // bridge wraps its handlers with an emitter that the test drives.
    const emitter = new EventEmitter();
    const real = createApiService({ host: 'browser' });
    const service: ApiService = {
      handlers: real.handlers,
      on(event, listener) {
        emitter.on(event, listener);
        return () => emitter.off(event, listener);
      },
    };
    const eventBridge = await startBridge({
      service,
      rendererDir,
      log: (line) => logLines.push(line),
    });
    const outcome = await openSocket(
      { Origin: `http://localhost:${eventBridge.port}`, Cookie: tokenCookie(eventBridge.token) },
      eventBridge.port,
    );
    assert.ok('socket' in outcome, `socket refused with ${JSON.stringify(outcome)}`);
    const { socket } = outcome;

    const progress: ScanProgress = {
      contextId: 'bash-login',
      label: 'bash, login terminal',
      state: 'running',
      durationMs: null,
      completed: 1,
      total: 4,
    };
    const message = once(socket, 'message');
    emitter.emit('scan.progress', progress);
    const [data] = (await message) as [Buffer];
    assert.deepEqual(JSON.parse(data.toString('utf8')), {
      event: 'scan.progress',
      payload: progress,
    });

    const closed = once(socket, 'close');
    await eventBridge.close();
    const [code] = (await closed) as [number];
    assert.equal(code, 1001);
    assert.equal(emitter.listenerCount('scan.progress'), 0);
  });
});

describe('bridge static files', () => {
  test('serves index.html with security headers', async () => {
    const response = await fetch(`${origin()}/`, { headers: { Cookie: tokenCookie() } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(
      response.headers.get('content-security-policy'),
      `default-src 'self'; connect-src 'self' ws://127.0.0.1:${bridge.port} ` +
        `ws://localhost:${bridge.port}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; ` +
        "script-src 'self'",
    );
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  test('sends security headers on rejections too', async () => {
    const response = await fetch(`${origin()}/`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  test('serves a script with its content type', async () => {
    const response = await fetch(`${origin()}/app.js`, { headers: { Cookie: tokenCookie() } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await response.text(), SCRIPT);
  });

  test('returns 404 for a missing file', async () => {
    const response = await fetch(`${origin()}/missing.js`, { headers: { Cookie: tokenCookie() } });
    assert.equal(response.status, 404);
  });

  test('serves nothing above the renderer directory', async () => {
    const paths = [
      '/../package.json',
      '/%2e%2e/package.json',
      '/..%2fpackage.json',
      '/%2e%2e%2fpackage.json',
      '/..%5cpackage.json',
      '//../package.json',
      '/escape.json',
    ];
    for (const requestPath of paths) {
      const response = await rawRequest({
        path: requestPath,
        headers: { Host: `127.0.0.1:${bridge.port}`, Cookie: tokenCookie() },
      });
      assert.equal(response.status, 404, requestPath);
      assert.ok(!response.body.includes('secret'), `${requestPath} served ${response.body}`);
    }
  });

  test('rejects POST on a file', async () => {
    const response = await fetch(`${origin()}/app.js`, {
      method: 'POST',
      headers: { Cookie: tokenCookie(), Origin: origin() },
    });
    assert.equal(response.status, 405);
  });

  test('returns 503 without a renderer build', async () => {
    const emptyDir = path.join(temporaryDir, 'empty');
    await mkdir(emptyDir);
    const emptyBridge = await startBridge({
      service: createApiService({ host: 'browser' }),
      rendererDir: emptyDir,
    });
    try {
      const response = await fetch(`http://127.0.0.1:${emptyBridge.port}/`, {
        headers: { Cookie: tokenCookie(emptyBridge.token) },
      });
      assert.equal(response.status, 503);
      assert.match(await response.text(), /Run `npm run build:renderer`/);
    } finally {
      await emptyBridge.close();
    }
  });
});

describe('bridge listening', () => {
  test('does not listen on the IPv6 loopback', async () => {
    const socket = net.connect({ host: '::1', port: bridge.port });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    socket.destroy();
    assert.ok(
      ['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH'].includes(outcome),
      `connecting to [::1]:${bridge.port} ended with ${outcome}`,
    );
  });

  test('rejects an invalid port', async () => {
    await assert.rejects(
      startBridge({ service: createApiService({ host: 'browser' }), port: 70_000, rendererDir }),
      { name: 'RangeError', message: 'invalid port 70000: expected an integer from 0 to 65535' },
    );
  });

  test('stops listening on close', async () => {
    const shortBridge = await startBridge({
      service: createApiService({ host: 'browser' }),
      rendererDir,
    });
    await shortBridge.close();
    await assert.rejects(rawRequest({ path: '/' }, shortBridge.port), { code: 'ECONNREFUSED' });
  });

  test('logs no failure during these tests', () => {
    assert.deepEqual(logLines, []);
  });
});
