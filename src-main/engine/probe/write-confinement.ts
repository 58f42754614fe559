/**
 * Whether probes can be kept from writing outside chosen directories: the supervisor does it
 * with Linux Landlock, which needs Linux 5.13 or later with Landlock enabled.
 */
import { execFile } from 'node:child_process';

let available: Promise<boolean> | null = null;

/** Reports whether this kernel offers Landlock to unprivileged processes; asked once. */
export function writeConfinementAvailable(): Promise<boolean> {
  available ??= new Promise((resolve) => {
    if (process.platform !== 'linux') {
      resolve(false);
      return;
    }
    // landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) returns the ABI version.
    execFile('perl', ['-e', 'print syscall(444, 0, 0, 1)'], { timeout: 5_000 }, (error, stdout) => {
      resolve(!error && Number.parseInt(stdout, 10) >= 1);
    });
  });
  return available;
}
