/**
 * The renderer's client of the API contract. Inside Electron it calls the object that the preload
 * exposes. In a browser it talks to the loopback bridge over HTTP and a WebSocket on the page's
 * own origin.
 */
import type {
  ApiClient,
  ApiEvents,
  EventName,
  MethodName,
  RequestOf,
  ResponseOf,
} from '../../src-main/shared/contract.ts';
import { EventSocket } from './event-socket.ts';

/** The API object that the Electron preload exposes as `window.goEnvLens`. */
export interface PreloadApi {
  invoke(method: string, request: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    /** Set by the Electron preload, and absent when the UI runs in a browser. */
    goEnvLens?: PreloadApi;
  }
}

/** sessionStorage key of the bridge's session token. */
export const TOKEN_STORAGE_KEY = 'go-env-lens-token';
/** Request header that carries the session token, next to the bridge's HttpOnly cookie. */
export const TOKEN_HEADER = 'X-Go-Env-Lens-Token';
/** Query parameter of the address that `go-env-lens serve` prints. */
const TOKEN_QUERY_PARAMETER = 'token';

/** Creates the client for the transport the page runs on: Electron IPC or the loopback bridge. */
export function createApiClient(): ApiClient {
  const preload = window.goEnvLens;
  if (preload) return createElectronClient(preload);
  // A page loaded from file:// has no bridge to fetch from, so only a missing preload explains it.
  if (window.location.protocol === 'file:') {
    return createFailingClient(
      'the Electron preload did not expose window.goEnvLens, so this window cannot reach the ' +
        'engine. Rebuild the app with "npm run build" and start it again.',
    );
  }
  return createBridgeClient();
}

function createFailingClient(message: string): ApiClient {
  return {
    call: () => Promise.reject(new Error(message)),
    on: () => () => {},
  };
}

function createElectronClient(preload: PreloadApi): ApiClient {
  return {
    async call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
      try {
        return (await preload.invoke(method, request)) as ResponseOf<M>;
      } catch (error) {
        throw new Error(withoutIpcPrefix(messageOf(error)));
      }
    },
    on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
      return preload.on(event, listener as (payload: unknown) => void);
    },
  };
}

/**
 * Removes the prefix that Electron's `ipcRenderer.invoke` puts before an error thrown in the
 * main process ("Error invoking remote method 'x': Error: ..."), which means nothing to a user.
 */
function withoutIpcPrefix(message: string): string {
  return message.replace(/^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/, '');
}

function createBridgeClient(): ApiClient {
  storeTokenFromAddress();
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const events = new EventSocket(`${scheme}//${window.location.host}/api/events`);
  return {
    call: postMethod,
    on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
      return events.subscribe(event, listener as (payload: unknown) => void);
    },
  };
}

/**
 * Moves a `?token=` from the page address into sessionStorage and removes it from the address,
 * so the token stays out of the history and of copied links.
 */
function storeTokenFromAddress(): void {
  const address = new URL(window.location.href);
  const token = address.searchParams.get(TOKEN_QUERY_PARAMETER);
  if (token === null) return;
  try {
    window.sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
  } catch {
    // Storage can be disabled. The bridge's cookie still authenticates this page.
  }
  address.searchParams.delete(TOKEN_QUERY_PARAMETER);
  window.history.replaceState(window.history.state, '', address);
}

function readStoredToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Calls one method on the bridge: `POST /api/<method>` with the request as JSON. */
async function postMethod<M extends MethodName>(
  method: M,
  request: RequestOf<M>,
): Promise<ResponseOf<M>> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
  };
  const token = readStoredToken();
  if (token) headers[TOKEN_HEADER] = token;

  let response: Response;
  try {
    response = await fetch(`/api/${encodeURIComponent(method)}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(request ?? {}),
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new Error(
      `the Go Env Lens bridge at ${window.location.origin} cannot be reached ` +
        `(${messageOf(error)}). Check that "go-env-lens serve" is still running.`,
    );
  }

  const body = await readJsonBody(response);
  if (!response.ok) throw new Error(failureMessage(method, response, body));
  if (!isRecord(body) || !('result' in body)) {
    const status = `HTTP ${response.status}`;
    throw new Error(`the bridge responded to ${method} with ${status} but no "result"`);
  }
  return body.result as ResponseOf<M>;
}

async function readJsonBody(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** Returns the bridge's own error message, or describes the HTTP status when it sent none. */
function failureMessage(method: string, response: Response, body: unknown): string {
  if (isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string') {
    return body.error.message;
  }
  const status = `HTTP ${response.status} ${response.statusText}`.trim();
  if (response.status === 401 || response.status === 403) {
    return (
      `${method} was rejected (${status}): this page has no valid session token. Open the ` +
      `address with ?token= that "go-env-lens serve" printed.`
    );
  }
  return `the bridge responded to ${method} with ${status}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Returns the message of a thrown value, which need not be an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
