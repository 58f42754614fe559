/**
 * Keeps xonsh probes from filling the user's code cache. xonsh 0.13 writes the compiled form of
 * every `-c` command to `$XONSH_DATA_DIR/xonsh_code_cache`, whatever its cache settings are, under
 * a name made from the command's hash. Each probe's command names its own private directory, so
 * every scan would add files that no later run reuses.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Returns the code cache directory xonsh uses for an environment. */
function codeCacheDirectory(environment: Record<string, string>): string | null {
  const dataDirectory =
    environment.XONSH_DATA_DIR ||
    (environment.XDG_DATA_HOME ? path.join(environment.XDG_DATA_HOME, 'xonsh') : null) ||
    (environment.HOME ? path.join(environment.HOME, '.local/share/xonsh') : null);
  return dataDirectory ? path.join(dataDirectory, 'xonsh_code_cache') : null;
}

async function listFiles(directory: string): Promise<Set<string>> {
  try {
    return new Set(await fs.readdir(directory));
  } catch {
    return new Set();
  }
}

/**
 * Records the cache's files before a probe, and returns a function that removes the files the
 * probe added. A file another xonsh added at the same moment may go too, which only costs that
 * xonsh a recompilation.
 */
export async function watchXonshCodeCache(
  environment: Record<string, string>,
): Promise<() => Promise<void>> {
  const directory = codeCacheDirectory(environment);
  if (!directory) return async () => undefined;
  const before = await listFiles(directory);
  return async () => {
    for (const name of await listFiles(directory)) {
      if (!before.has(name)) await fs.rm(path.join(directory, name), { force: true });
    }
  };
}
