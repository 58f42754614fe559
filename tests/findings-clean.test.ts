/**
 * No false alarms on the setup the Go documentation describes for Debian: the default dotfiles of
 * /etc/skel, Go unpacked to /usr/local/go and added to PATH in ~/.profile, GOPATH left at its
 * default. Every rule runs, in every context of bash, dash, zsh, fish, ksh93 and mksh and in the
 * desktop and script contexts, and none may report an error or a warning.
 */
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { diagnose } from '../src-main/engine/findings/diagnose.ts';
import { gatherFacts } from '../src-main/engine/findings/facts.ts';
import { runScan } from '../src-main/engine/scan.ts';
import { GO_INSTALLS } from './fixtures/cases.ts';
import { cleanEnvironment, createHome, type HomeFile } from './helpers/throwaway-home.ts';

const SKELETON = '/etc/skel';
const SHELLS = ['bash', 'dash', 'zsh', 'fish', 'ksh93', 'mksh'];

/** Deadline of each probe, in milliseconds. */
const PROBE_DEADLINE_MS = 20_000;

/** The line that go.dev/doc/install gives Linux users for ~/.profile. */
const GO_PROFILE_LINE = `export PATH=$PATH:${GO_INSTALLS.tarball.goroot}/bin`;

/**
 * PATH of a desktop session on Debian after the display manager read /etc/profile and the
 * ~/.profile above: every terminal and desktop-launched app starts from it.
 */
const SESSION_PATH = `/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games:${GO_INSTALLS.tarball.goroot}/bin`;

async function skeletonFiles(): Promise<Record<string, HomeFile>> {
  const files: Record<string, HomeFile> = {};
  for (const name of await fs.readdir(SKELETON)) {
    const stat = await fs.stat(path.join(SKELETON, name));
    if (stat.isFile()) files[name] = await fs.readFile(path.join(SKELETON, name), 'utf8');
  }
  return files;
}

const missing = !existsSync(path.join(SKELETON, '.profile')) || !existsSync(GO_INSTALLS.tarball.binary);

test(
  'Debian defaults with Go in /usr/local/go: no error or warning in any context',
  { skip: missing ? `needs ${SKELETON}/.profile and ${GO_INSTALLS.tarball.binary}` : false },
  async () => {
    const files = await skeletonFiles();
    files['.profile'] = `${files['.profile'] as string}\n${GO_PROFILE_LINE}\n`;
    const home = await createHome(files);
    try {
      const report = await runScan({
        deadlineMs: PROBE_DEADLINE_MS,
        environment: cleanEnvironment(home.path, { PATH: SESSION_PATH }),
        baseEnvironment: 'self',
        shells: SHELLS,
      });
      const failed = report.contexts.filter((context) => !context.ok);
      assert.deepEqual(failed.map((context) => `${context.id}: ${context.error?.message}`), []);
      for (const context of report.contexts) {
        assert.equal(context.go?.path, `${GO_INSTALLS.tarball.goroot}/bin/go`, `${context.id} runs another go`);
      }

      const result = await diagnose(await gatherFacts(report, { project: null }));
      assert.deepEqual(result.ruleErrors, []);
      const alarms = result.findings.filter((finding) => finding.severity !== 'hint');
      assert.deepEqual(
        alarms.map((finding) => `${finding.severity} ${finding.id}: ${finding.title}`),
        [],
      );
    } finally {
      await home.remove();
    }
  },
);
