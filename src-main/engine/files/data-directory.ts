/**
 * The directory of go-env-lens's own data (backups of edited files). The command line and the
 * desktop app compute the same directory, so either one can undo a save made by the other.
 */
import os from 'node:os';
import path from 'node:path';

/** Name of the folder inside the platform's data directory. */
const APP_FOLDER = 'go-env-lens';

/** Environment variable that replaces the data directory, e.g. with a throwaway folder in tests. */
export const DATA_DIRECTORY_VARIABLE = 'GO_ENV_LENS_DATA_DIR';

/** A data directory setting that cannot be used, with the fix in the message. */
export class DataDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirectoryError';
  }
}

/**
 * Returns the app's data directory: `$GO_ENV_LENS_DATA_DIR` when set; otherwise
 * `$XDG_DATA_HOME/go-env-lens` or `~/.local/share/go-env-lens` (Linux, BSD),
 * `~/Library/Application Support/go-env-lens` (macOS), `%LOCALAPPDATA%\go-env-lens` (Windows).
 *
 * @throws DataDirectoryError when GO_ENV_LENS_DATA_DIR is set to a relative path.
 */
export function appDataDirectory(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  homedir: string,
): string {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const override = env[DATA_DIRECTORY_VARIABLE];
  if (override) {
    if (!paths.isAbsolute(override)) {
      throw new DataDirectoryError(
        `${DATA_DIRECTORY_VARIABLE}=${JSON.stringify(override)} is not an absolute path; ` +
          'set it to an absolute directory or unset it',
      );
    }
    return paths.normalize(override);
  }
  if (platform === 'win32') {
    const localAppData = env.LOCALAPPDATA;
    const base = localAppData && paths.isAbsolute(localAppData) ? localAppData : paths.join(homedir, 'AppData', 'Local');
    return paths.join(base, APP_FOLDER);
  }
  if (platform === 'darwin') return paths.join(homedir, 'Library', 'Application Support', APP_FOLDER);
  // The XDG Base Directory specification treats a relative XDG_DATA_HOME as invalid and ignored.
  const dataHome = env.XDG_DATA_HOME;
  const base = dataHome && paths.isAbsolute(dataHome) ? dataHome : paths.join(homedir, '.local', 'share');
  return paths.join(base, APP_FOLDER);
}

/** Returns the data directory of the running process, from its environment and home. */
export function defaultDataDirectory(): string {
  return appDataDirectory(process.env, process.platform, os.homedir());
}
