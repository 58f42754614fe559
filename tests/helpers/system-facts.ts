/**
 * Facts about this machine that tests compare the product against, found by running the real
 * programs directly rather than through Go Env Lens.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { asTestUser, type TestUser } from './test-user.ts';

/**
 * Returns the version a go binary reports, e.g. `go1.22.12`, from `go version` run with toolchain
 * switching off and a scratch HOME, so nothing is downloaded or written to a real home.
 */
export function goVersionOf(goBinary: string): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'gel-go-version-'));
  // Telemetry "off" keeps go 1.23+ from writing counters (and starting an uploader) in the home.
  mkdirSync(path.join(home, '.config', 'go', 'telemetry'), { recursive: true });
  writeFileSync(path.join(home, '.config', 'go', 'telemetry', 'mode'), 'off\n');
  try {
    const output = execFileSync(goBinary, ['version'], {
      env: { HOME: home, PATH: '/usr/bin:/bin', GOTOOLCHAIN: 'local' },
      encoding: 'utf8',
    });
    const match = /^go version (go\S+) /.exec(output);
    if (!match) {
      throw new Error(`unexpected output of ${goBinary} version: ${JSON.stringify(output)}`);
    }
    return match[1]!;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Returns the PATH a login shell of the sh family gets from the system files alone (/etc/profile
 * and /etc/profile.d), for the test user or, with null, for the user running the tests. Debian's
 * /etc/profile replaces PATH, with sbin directories for root only.
 */
export function systemLoginPath(user: TestUser | null): string {
  const command = [...(user ? asTestUser(user) : []), '/bin/sh', '-l', '-c', 'printf %s "$PATH"'];
  return execFileSync(command[0]!, command.slice(1), {
    env: { HOME: '/nonexistent', PATH: '/usr/bin:/bin' },
    encoding: 'utf8',
  });
}
