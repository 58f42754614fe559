/**
 * Finds the renderer's built files for the loopback bridge, without ever leaving the renderer
 * directory: `..` segments, encoded slashes and symbolic links that point outside are rejected.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** The file that `/` and every path ending in `/` serve. */
export const INDEX_FILE = 'index.html';

/** Content types by file extension, for the kinds of file that a Vite build writes. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** Content type for extensions not listed, which browsers never run or render as a page. */
const FALLBACK_CONTENT_TYPE = 'application/octet-stream';

/** Returns the Content-Type header for a file, by its extension. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? FALLBACK_CONTENT_TYPE;
}

/**
 * Maps a URL path (still percent-encoded, as in the request line) to a regular file inside
 * `root`, and returns the file's real path, or null when the path is malformed, leaves `root`
 * or names no regular file.
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;

  const relative = decoded.endsWith('/') ? `${decoded}${INDEX_FILE}` : decoded;
  const candidate = path.resolve(root, `.${relative}`);
  if (!isInside(root, candidate)) return null;

  // Check again after resolving symbolic links, so a link cannot lead out of the directory.
  try {
    const real = await realpath(candidate);
    if (!isInside(await realpath(root), real)) return null;
    return (await stat(real)).isFile() ? real : null;
  } catch {
    // A missing file or a broken link: both mean there is nothing to serve.
    return null;
  }
}

/** Reports whether `root` contains an `index.html`, which a renderer build always writes. */
export async function hasIndexFile(root: string): Promise<boolean> {
  try {
    return (await stat(path.join(root, INDEX_FILE))).isFile();
  } catch {
    return false;
  }
}

function isInside(root: string, candidate: string): boolean {
  const base = path.resolve(root);
  return candidate === base || candidate.startsWith(base + path.sep);
}
