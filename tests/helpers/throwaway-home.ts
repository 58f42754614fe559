/**
 * Throwaway HOME directories with real startup files, for tests that run real shells. Each home
 * lives under a private temporary directory and can be handed to the unprivileged test user.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TEST_USER, type TestUser } from './test-user.ts';

/** A file to create: its text, or a symbolic link target, with an optional mode. */
export type HomeFile = string | { text: string; mode?: number } | { symlink: string };

export interface ThrowawayHome {
  path: string;
  /** The user owning the home: root, or the unprivileged test user. */
  owner: TestUser | null;
  /** Writes more files into the home, relative paths, `~` not needed. */
  write(files: Record<string, HomeFile>): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Creates a home with the given files; `{HOME}` in file text is replaced by the home's path,
 * because shell fixtures often need the absolute path written out (the Go env file never expands).
 */
export async function createHome(
  files: Record<string, HomeFile> = {},
  options: { owner?: TestUser | null } = {},
): Promise<ThrowawayHome> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-test-'));
  await fs.chmod(parent, 0o755);
  const home = path.join(parent, 'home');
  await fs.mkdir(home, { mode: 0o755 });
  const owner = options.owner ?? null;

  const write = async (more: Record<string, HomeFile>) => {
    for (const [relative, file] of Object.entries(more)) {
      const target = path.join(home, relative);
      await fs.mkdir(path.dirname(target), { recursive: true });
      if (typeof file === 'object' && 'symlink' in file) {
        await fs.symlink(file.symlink.replaceAll('{HOME}', home), target);
        continue;
      }
      const text = typeof file === 'string' ? file : file.text;
      await fs.writeFile(target, text.replaceAll('{HOME}', home));
      if (typeof file === 'object' && file.mode !== undefined) await fs.chmod(target, file.mode);
    }
    if (owner) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, home]);
  };
  await write(files);

  return {
    path: home,
    owner,
    write,
    remove: () => fs.rm(parent, { recursive: true, force: true }),
  };
}

/** The environment a test starts the product with: nothing inherited from the test runner. */
export function cleanEnvironment(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    USER: 'dev',
    LOGNAME: 'dev',
    TERM: 'dumb',
    LANG: 'C.UTF-8',
    PATH: '/usr/bin:/bin',
    ...extra,
  };
}

export { TEST_USER };
