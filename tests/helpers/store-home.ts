/** A throwaway home with a backup store in it, for the tests of the engine's file saves. */
import path from 'node:path';

import { BackupStore } from '../../src-main/engine/files/backup-store.ts';
import type { TestUser } from './test-user.ts';
import { createHome, type HomeFile, type ThrowawayHome } from './throwaway-home.ts';

export interface StoreHome {
  home: ThrowawayHome;
  /** The data directory, ~/.local/share/go-env-lens inside the home. */
  data: string;
  /** The backup store in `data`. */
  store: BackupStore;
  /** The absolute path of a file given relative to the home. */
  at: (relative: string) => string;
}

/** Creates a throwaway home with a data directory inside it, removed after the test. */
export async function createStoreHome(
  t: { after: (fn: () => Promise<void>) => void },
  files: Record<string, HomeFile>,
  owner: TestUser | null = null,
): Promise<StoreHome> {
  const home = await createHome(files, { owner });
  t.after(() => home.remove());
  const data = path.join(home.path, '.local/share/go-env-lens');
  return { home, data, store: new BackupStore(data), at: (relative) => path.join(home.path, relative) };
}
