/**
 * The unprivileged user the suite runs the product as, so every behaviour is checked as root and
 * as a normal user (bash, for one, treats PS4 differently for root).
 */
import { execFileSync } from 'node:child_process';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

export const TEST_USER_NAME = 'golens-test';

/** The test user, created on first use when running as root; null when not running as root. */
export const TEST_USER: TestUser | null = ensureTestUser();

function ensureTestUser(): TestUser | null {
  if (process.getuid?.() !== 0) return null;
  try {
    execFileSync('id', ['-u', TEST_USER_NAME], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', TEST_USER_NAME], { stdio: 'ignore' });
  }
  const uid = Number(execFileSync('id', ['-u', TEST_USER_NAME], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', TEST_USER_NAME], { encoding: 'utf8' }).trim());
  return { name: TEST_USER_NAME, uid, gid };
}

/** Returns the command prefix that runs a program as the test user with a clean environment. */
export function asTestUser(user: TestUser): string[] {
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'];
}

/** One user the product is run as: `user` null means the user running the tests. */
export interface UserVariant {
  /** Suffix for describe blocks, e.g. `as root`. */
  name: string;
  user: TestUser | null;
  uid: number;
  /** A skip message when this variant cannot run here, otherwise false. */
  skip: string | false;
}

const invokingUid = process.getuid?.() ?? -1;

/** The invoking user, then the unprivileged test user (skipped unless the tests run as root). */
export const USER_VARIANTS: UserVariant[] = [
  {
    name: invokingUid === 0 ? 'as root' : `as uid ${invokingUid}`,
    user: null,
    uid: invokingUid,
    skip: false,
  },
  {
    name: `as ${TEST_USER_NAME}`,
    user: TEST_USER,
    uid: TEST_USER?.uid ?? -1,
    skip: TEST_USER
      ? false
      : `running as ${TEST_USER_NAME} needs root to create that user and switch to it, ` +
        `but the tests run as uid ${invokingUid}`,
  },
];
