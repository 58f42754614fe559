/**
 * Checks that a request to the loopback bridge comes from the user's own page: the session token,
 * the Host header (against DNS rebinding), the Origin header and Sec-Fetch-Site (against other
 * web pages that the browser has open).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Random bytes in a session token. 32 bytes (256 bits) cannot be guessed, even by a local
 * process that tries tokens as fast as the loopback interface allows.
 */
const TOKEN_BYTES = 32;

/** Name of the cookie that carries the session token after the first visit. */
export const TOKEN_COOKIE = 'go_env_lens_token';
/** Request header that carries the session token for clients that do not keep cookies. */
export const TOKEN_HEADER = 'x-go-env-lens-token';
/** Query parameter of the address that `go-env-lens serve` prints. */
export const TOKEN_QUERY_PARAMETER = 'token';

/** The message of every 401: where a valid token comes from. */
export const MISSING_TOKEN_MESSAGE =
  'Go Env Lens needs its session token. Open the address that `go-env-lens serve` printed.';

/**
 * Values of Sec-Fetch-Site that the bridge accepts: requests from its own page, and navigations
 * that the user started (typing or pasting the address). `same-site` is rejected too, because
 * every server on 127.0.0.1 or localhost is the same site whatever its port.
 */
const ACCEPTED_FETCH_SITES = new Set(['same-origin', 'none']);

/** Why a request was rejected: the HTTP status and a message for the person who sent it. */
export interface Rejection {
  status: number;
  message: string;
}

/** The checks for one running bridge, bound to its port and session token. */
export interface RequestGuard {
  /**
   * Checks Host, Sec-Fetch-Site and Origin, and returns a rejection or null. With
   * `requireOrigin`, a request without an Origin header is rejected too. Current browsers send
   * Origin with every POST and every WebSocket handshake, so only clients outside a browser omit
   * it.
   */
  checkSource(request: IncomingMessage, options: { requireOrigin: boolean }): Rejection | null;
  /** Reports whether the request carries the session token in its cookie or header. */
  hasToken(request: IncomingMessage): boolean;
  /** Reports whether a value, such as a `?token=` parameter, is the session token. */
  isToken(value: string): boolean;
  /** Returns the Set-Cookie value that stores the session token in the browser. */
  tokenCookie(): string;
}

/** Creates a session token: 64 hexadecimal digits from the system's secure random source. */
export function createToken(): string {
  return randomBytes(TOKEN_BYTES).toString('hex');
}

/** Creates the checks for a bridge that listens on 127.0.0.1 at `port` with `token`. */
export function createRequestGuard(port: number, token: string): RequestGuard {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = new Set([...hosts].map((host) => `http://${host}`));
  const tokenDigest = digest(token);

  function isToken(value: string): boolean {
    // Comparing fixed-length digests keeps the comparison constant-time whatever the length.
    return timingSafeEqual(digest(value), tokenDigest);
  }

  return {
    checkSource(request, options) {
      const host = request.headers.host?.toLowerCase();
      if (host === undefined || !hosts.has(host)) {
        return {
          status: 421,
          message:
            `Go Env Lens rejected the Host header ${describe(request.headers.host)}. ` +
            `Open http://127.0.0.1:${port}/ instead.`,
        };
      }

      const fetchSite = request.headers['sec-fetch-site'];
      if (fetchSite !== undefined && !ACCEPTED_FETCH_SITES.has(fetchSite)) {
        return {
          status: 403,
          message: `Go Env Lens rejected a request that another site started (${fetchSite}).`,
        };
      }

      const origin = request.headers.origin;
      if (origin === undefined ? options.requireOrigin : !origins.has(origin.toLowerCase())) {
        return {
          status: 403,
          message:
            `Go Env Lens rejected the Origin ${describe(origin)}: ` +
            `only pages served from http://127.0.0.1:${port} may call its API.`,
        };
      }
      return null;
    },

    hasToken(request) {
      const header = request.headers[TOKEN_HEADER];
      if (typeof header === 'string' && isToken(header)) return true;
      return readCookies(request.headers.cookie).some(
        ([name, value]) => name === TOKEN_COOKIE && isToken(value),
      );
    },

    isToken,

    tokenCookie() {
      return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    },
  };
}

/**
 * Parses the request target. Prefixing the origin keeps a target such as `//host/x` a path
 * instead of a host name. The URL parser also removes `.` and `..` segments, encoded or not.
 */
export function parseRequestTarget(target: string | undefined): URL | null {
  if (target === undefined || !target.startsWith('/')) return null;
  try {
    return new URL(`http://127.0.0.1${target}`);
  } catch {
    return null;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Maximum length of a header value quoted in a rejection message, in characters. */
const MAX_QUOTED_HEADER_CHARS = 100;

function describe(value: string | undefined): string {
  if (value === undefined) return '(missing)';
  return JSON.stringify(value.slice(0, MAX_QUOTED_HEADER_CHARS));
}

/**
 * Splits a Cookie header into name and value pairs. A browser sends every cookie of 127.0.0.1,
 * including those that other local servers set, so all pairs are returned, not only the first.
 */
function readCookies(header: string | undefined): Array<[string, string]> {
  if (header === undefined) return [];
  const pairs: Array<[string, string]> = [];
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    pairs.push([part.slice(0, separator).trim(), part.slice(separator + 1).trim()]);
  }
  return pairs;
}
