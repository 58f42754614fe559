/** Reads facts about the installed package. */
import { readFileSync } from 'node:fs';

let cachedVersion: string | null = null;

/** Returns the version from package.json. */
export function readPackageVersion(): string {
  if (cachedVersion === null) {
    const manifest = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    cachedVersion = manifest.version;
  }
  return cachedVersion;
}
