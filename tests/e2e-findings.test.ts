/**
 * End-to-end test of the Findings view. The real `go-env-lens serve` scans a throwaway HOME whose
 * ~/.profile sets a stale GOROOT. Debian's Chromium, driven by playwright-core, reads the finding,
 * its evidence and the fix's diff, then previews the fix's effect, applies it and undoes it.
 * The same page must never show the password in GOPROXY, and a fix that is a command shows the
 * command without an Apply button. A Go env file with a byte order mark and Windows line endings
 * brings fixes that change only the format, which name that change in place of a diff. Backups
 * go to a throwaway data directory. The scenario runs with serve as root and as the unprivileged
 * test user.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { Browser, Locator, Page } from 'playwright-core';

import {
  createDataDirectory,
  launchChromium,
  listFilesUnder,
  startServe,
  stopServe,
  writeHomeFile,
  type ServeProcess,
} from './helpers/serve-process.ts';
import { USER_VARIANTS, type UserVariant } from './helpers/test-user.ts';
import { createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

const projectRoot = path.resolve(import.meta.dirname, '..');
const ARTIFACTS_DIR = path.join(projectRoot, 'test-artifacts');

/** Time for the page to load and show the first scan of six contexts, in milliseconds. */
const OVERVIEW_TIMEOUT_MS = 60_000;
/**
 * Time for a step that starts shells again, in milliseconds: a preview, an apply or a scan each
 * start the login contexts (about two seconds in this test's runs on an idle machine), with room
 * for a loaded test machine.
 */
const PROBE_TIMEOUT_MS = 60_000;

const SHELLS = ['bash', 'dash'];

/** The password in GOPROXY, which the page must never show. */
const SECRET = 's3cret';
const PROXY_LINE = `export GOPROXY=https://user:${SECRET}@proxy.example.test`;
const MASKED_PROXY_LINE = 'export GOPROXY=https://user:***@proxy.example.test';

/**
 * ~/.profile keeps the GOROOT of go1.22 after the PATH moved to go1.23, so the login contexts run
 * go1.23's go with go1.22's compiler and standard library.
 */
const GOROOT_LINE = 'export GOROOT=/usr/lib/go-1.22';
const PROFILE = [GOROOT_LINE, 'export PATH="/usr/lib/go-1.23/bin:$PATH"', PROXY_LINE, ''].join('\n');
const FIXED_PROFILE = PROFILE.replace(`${GOROOT_LINE}\n`, '');

const LOGIN_CONTEXTS = ['bash-login', 'dash-login'];

/**
 * A Go env file saved by a Windows editor: a UTF-8 byte order mark, which makes go skip line 1,
 * and CRLF line endings, which leave a carriage return at the end of GOFLAGS.
 */
const WINDOWS_GO_ENV = '\uFEFFGOPRIVATE=example.com\r\nGOFLAGS=-mod=mod\r\n';

let home: ThrowawayHome;
let dataDirectory: string;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
/** Added to screenshot names, so each user's run keeps its own. */
let artifactSuffix = '';

before(async () => {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** Sets up a home, a data directory and serve, run as the variant's user, and a new page. */
async function startSession(variant: UserVariant): Promise<void> {
  home = await createHome({ '.profile': PROFILE }, { owner: variant.user });
  dataDirectory = await createDataDirectory(variant.user);
  serve = await startServe({ homePath: home.path, shells: SHELLS, dataDirectory, user: variant.user });
  artifactSuffix = variant.user ? `-${variant.user.name}` : '';
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
}

async function stopSession(): Promise<void> {
  await page?.close();
  await stopServe(serve);
  await home?.remove();
  if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
}

function artifact(name: string): string {
  return path.join(ARTIFACTS_DIR, `${name}${artifactSuffix}.png`);
}

function homeFile(relative: string): string {
  return path.join(home.path, relative);
}

/** Finds the findings of a rule in the list, such as every `goroot-stale:…` finding. */
function findingsOf(rule: string): Locator {
  return page.locator(`[data-view="findings"] [data-finding-id^="${rule}:"]`);
}

/** Opens a finding's details unless they are open already. */
async function expand(finding: Locator): Promise<void> {
  const toggle = finding.locator('[data-finding-toggle]');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await finding.locator('[data-finding-details]').waitFor();
}

/** Returns the text the page shows and its whole markup. */
async function pageText(): Promise<{ shown: string; markup: string }> {
  return page.evaluate(() => ({
    shown: document.body.innerText,
    markup: document.documentElement.outerHTML,
  }));
}

/** Lists the backups the data directory holds, as paths relative to it. */
function backupFiles(): string[] {
  return listFilesUnder(dataDirectory);
}

for (const variant of USER_VARIANTS) {
  describe(`Findings view over go-env-lens serve ${variant.name}`, { skip: variant.skip }, () => {
    before(() => startSession(variant));
    after(stopSession);

    test('stale GOROOT error is listed first', async () => {
      await page.goto(serve.url.href);
      await page.locator('tr[data-context-id]').last().waitFor({ timeout: OVERVIEW_TIMEOUT_MS });
      await page.locator('[data-view-tab="findings"]').click();

      const list = page.locator('[data-view="findings"] [data-findings-list]');
      await list.waitFor({ timeout: PROBE_TIMEOUT_MS });
      const first = list.locator('[data-finding-id]').first();
      assert.match((await first.getAttribute('data-finding-id')) ?? '', /^goroot-stale:/, serve.stderr());
      assert.equal(await first.getAttribute('data-finding-severity'), 'error');
      const title = await first.locator('[data-finding-title]').innerText();
      assert.match(title, /^GOROOT is go1\.22\.\d+ at \/usr\/lib\/go-1\.22, but the go on PATH is go1\.23\.\d+$/);

      const severities = await list
        .locator('[data-finding-id]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-finding-severity')));
      const ranks = severities.map((severity) => ['error', 'warning', 'hint'].indexOf(severity ?? ''));
      assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), `not sorted: ${severities.join(', ')}`);

      const errorCount = page.locator('[data-findings-count="error"]');
      assert.equal((await errorCount.innerText()).trim(), '1 error');
      await page.screenshot({ path: artifact('findings-list') });
    });

    test('evidence points at ~/.profile:1', async () => {
      const finding = findingsOf('goroot-stale').first();
      await expand(finding);
      const evidence = finding.locator('[data-finding-evidence]');

      const contexts = await evidence
        .locator('[data-evidence-context]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-evidence-context')));
      assert.deepEqual([...contexts].sort(), LOGIN_CONTEXTS);

      const location = evidence.locator(`[data-evidence-location="${homeFile('.profile')}:1"]`);
      assert.equal(await location.locator('.source-link').innerText(), '~/.profile:1');
      assert.equal(await location.locator('[data-evidence-line-text]').innerText(), GOROOT_LINE);

      const goroot = evidence.locator('[data-evidence-value="GOROOT"]').first();
      assert.match(await goroot.innerText(), /\/usr\/lib\/go-1\.22/);
      assert.equal(await goroot.locator('[data-evidence-explain]').getAttribute('data-evidence-explain'), 'GOROOT');

      await location.locator('.source-link').click();
      const viewer = page.locator(`[data-file-viewer="${homeFile('.profile')}"]`);
      const highlighted = viewer.locator('[data-highlighted-line]');
      await highlighted.waitFor();
      assert.equal(await highlighted.getAttribute('data-highlighted-line'), '1');
      assert.equal(await highlighted.innerText(), GOROOT_LINE);
      await viewer.locator('button[aria-label="Close file"]').click();
      await viewer.waitFor({ state: 'detached' });
    });

    test('explain link opens the variable view', async () => {
      const goroot = findingsOf('goroot-stale').first().locator('[data-evidence-value="GOROOT"]').first();
      await goroot.locator('[data-evidence-explain]').click();
      const view = page.locator('[data-view="variables"]');
      await view.waitFor();
      assert.equal(await view.getAttribute('data-variable'), 'GOROOT');
      await page.locator('[data-view-tab="findings"]').click();
      // The finding stays open across the visit.
      const toggle = findingsOf('goroot-stale').first().locator('[data-finding-toggle]');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    });

    test('diff shows the removed line', async () => {
      const fix = findingsOf('goroot-stale').first().locator('[data-fix-id="remove-line"]');
      assert.equal(await fix.getAttribute('data-fix-kind'), 'edit');
      const edit = fix.locator(`[data-fix-edit="${homeFile('.profile')}"]`);
      const removed = await edit.locator('[data-diff-kind="-"] .text').allInnerTexts();
      const added = await edit.locator('[data-diff-kind="+"] .text').allInnerTexts();
      const kept = await edit.locator('[data-diff-kind=" "] .text').allInnerTexts();
      assert.deepEqual(removed, [GOROOT_LINE]);
      assert.deepEqual(added, []);
      // The GOPROXY line is context of the diff, shown with its password masked.
      assert.deepEqual(kept, ['export PATH="/usr/lib/go-1.23/bin:$PATH"', MASKED_PROXY_LINE]);
      await edit.locator('[data-fix-edit-masked]').waitFor();
      assert.equal(await fix.locator('[data-fix-apply]').count(), 1);
    });

    test('page never shows the GOPROXY password', async () => {
      for (const finding of await page.locator('[data-view="findings"] [data-finding-id]').all()) {
        await expand(finding);
      }
      const { shown, markup } = await pageText();
      // The proxy is on show, masked, so the check below looks at text that contains it.
      assert.ok(shown.includes('https://user:***@proxy.example.test'), 'masked GOPROXY not shown');
      assert.equal(shown.includes(SECRET), false, 'the password is in the shown text');
      assert.equal(markup.includes(SECRET), false, 'the password is in the page markup');
      await page.screenshot({ path: artifact('findings-expanded'), fullPage: true });
    });

    test('Preview effect shows GOROOT changing', async () => {
      const fix = findingsOf('goroot-stale').first().locator('[data-fix-id="remove-line"]');
      await fix.locator('[data-fix-preview]').click();
      const result = fix.locator('[data-fix-preview-result][data-fix-preview-state="done"]');
      await result.waitFor({ timeout: PROBE_TIMEOUT_MS });
      assert.equal(await result.locator('[data-fix-preview-error]').count(), 0);

      for (const id of LOGIN_CONTEXTS) {
        const context = result.locator(`[data-preview-context-id="${id}"]`);
        const variable = context.locator('[data-preview-variable="GOROOT"]');
        assert.equal(await variable.locator('.before').innerText(), '/usr/lib/go-1.22', id);
        assert.equal(await variable.locator('.after').innerText(), 'unset', id);
        const goEnv = context.locator('[data-preview-go-env="GOROOT"]');
        assert.equal(await goEnv.locator('.before').innerText(), '/usr/lib/go-1.22', id);
        assert.equal(await goEnv.locator('.after').innerText(), '/usr/lib/go-1.23', id);
      }
      await page.screenshot({ path: artifact('findings-preview'), fullPage: true });

      // A preview saves nothing.
      assert.equal(readFileSync(homeFile('.profile'), 'utf8'), PROFILE);
      assert.deepEqual(backupFiles(), []);
      const { markup } = await pageText();
      assert.equal(markup.includes(SECRET), false, 'the password is in the preview');
    });

    test('Apply removes the line and the finding', async () => {
      const fix = findingsOf('goroot-stale').first().locator('[data-fix-id="remove-line"]');
      let question = '';
      page.once('dialog', (dialog) => {
        question = dialog.message();
        void dialog.accept();
      });
      await fix.locator('[data-fix-apply]').click();

      const outcome = page.locator('[data-fix-outcome^="goroot-stale:"]');
      await outcome.waitFor({ timeout: PROBE_TIMEOUT_MS });
      assert.match(question, /^Apply "Delete the GOROOT line at ~\/\.profile:1"\?\n/);
      assert.match(question, /\nThis writes:\n {2}~\/\.profile\n/);
      assert.match(question, /A backup of the file is kept first, so Undo can put it back\.$/);

      assert.equal(await outcome.getAttribute('data-fix-resolved'), 'true');
      assert.equal(await outcome.locator('h3').innerText(), 'Fixed: the finding is gone.');
      const message = await outcome.locator('[data-fix-outcome-message]').innerText();
      assert.match(message, /^Fixed: "GOROOT is go1\.22\.\d+ at \/usr\/lib\/go-1\.22, but the go on PATH is go1\.23\.\d+" is gone/);
      await page.screenshot({ path: artifact('findings-applied'), fullPage: true });

      assert.equal(readFileSync(homeFile('.profile'), 'utf8'), FIXED_PROFILE);
      assert.equal(statSync(homeFile('.profile')).uid, variant.uid);
      assert.notDeepEqual(backupFiles(), []);

      await page.waitForFunction(
        () => document.querySelectorAll('[data-finding-id^="goroot-stale:"]').length === 0,
        undefined,
        { timeout: PROBE_TIMEOUT_MS },
      );
      assert.equal((await page.locator('[data-findings-count="error"]').innerText()).trim(), '0 errors');
    });

    test('other views show the fixed scan', async () => {
      await page.locator('[data-view-tab="overview"]').click();
      const goroot = page.locator('td[data-context-id="bash-login"][data-column-id="GOROOT"]');
      await goroot.waitFor();
      assert.match(await goroot.innerText(), /go-1\.23/);
      await page.locator('[data-view-tab="findings"]').click();
    });

    test('Undo puts the line back', async () => {
      const outcome = page.locator('[data-fix-outcome^="goroot-stale:"]');
      await outcome.locator('[data-fix-undo]').click();
      const status = outcome.locator('[data-fix-undo-status="done"]');
      await status.waitFor({ timeout: PROBE_TIMEOUT_MS });
      assert.match(await status.innerText(), /^Restored ~\/\.profile from the backup taken before the fix\./);
      assert.equal(await outcome.locator('h3').innerText(), 'Undone: the fix is taken back.');
      assert.equal(readFileSync(homeFile('.profile'), 'utf8'), PROFILE);
      assert.equal(await outcome.locator('[data-fix-undo]').isDisabled(), true);

      // The undo probes the login contexts again, and the finding comes back with the line.
      await findingsOf('goroot-stale').first().waitFor({ timeout: PROBE_TIMEOUT_MS });
      assert.equal((await page.locator('[data-findings-count="error"]').innerText()).trim(), '1 error');
    });

    test('other views show the restored scan', async () => {
      await page.locator('[data-view-tab="overview"]').click();
      const goroot = page.locator('td[data-context-id="bash-login"][data-column-id="GOROOT"]');
      await goroot.waitFor();
      assert.match(await goroot.innerText(), /go-1\.22/);
      await page.locator('[data-view-tab="findings"]').click();
    });

    test('edit link opens the line in the editor', async () => {
      const finding = findingsOf('goroot-stale').first();
      await expand(finding);
      const location = finding.locator(`[data-evidence-location="${homeFile('.profile')}:1"]`);
      await location.locator(`[data-edit-link="${homeFile('.profile')}"]`).click();
      const pane = page.locator(`[data-edit-pane="${homeFile('.profile')}"]`);
      const revealed = pane.locator('[data-revealed-line]');
      await revealed.waitFor();
      assert.equal(await revealed.getAttribute('data-revealed-line'), '1');
      await page.locator('[data-view-tab="findings"]').click();
    });

    test('project folder is checked and passed', async () => {
      const input = page.locator('[data-findings-project]');
      await input.fill('relative/module');
      await page.locator('[data-findings-refresh]').click();
      const error = page.locator('[data-findings-error]');
      await error.waitFor();
      assert.equal(
        await error.innerText(),
        'The project folder "relative/module" is not an absolute path. Type the full path, starting with /.',
      );
      assert.equal(await input.getAttribute('aria-invalid'), 'true');

      await input.fill(home.path);
      await page.locator('[data-findings-refresh]').click();
      const project = page.locator('[data-findings-for-project]');
      await project.waitFor({ timeout: PROBE_TIMEOUT_MS });
      const checkedIn = `Go settings checked in the project folder ${home.path}.`;
      assert.equal(await project.innerText(), checkedIn);
      assert.equal(await error.count(), 0);

      await input.fill('');
      await page.locator('[data-findings-refresh]').click();
      await project.waitFor({ state: 'detached', timeout: PROBE_TIMEOUT_MS });
    });

    const commandSkip = variant.user
      ? false
      : 'root may write a cache that another user owns, so the cache rule never fires for root';
    test('command-only fix has no Apply', { skip: commandSkip }, async () => {
      // A go command run as root with this HOME left a build cache the user cannot write.
      const user = variant.user!;
      await mkdir(homeFile('.cache'), { recursive: true });
      execFileSync('chown', [`${user.uid}:${user.gid}`, homeFile('.cache')]);
      await mkdir(homeFile('.cache/go-build'), { mode: 0o755 });

      await page.locator('[data-findings-refresh]').click();
      const finding = findingsOf('go-cache-not-writable').first();
      await finding.waitFor({ timeout: PROBE_TIMEOUT_MS });
      await expand(finding);
      const fix = finding.locator('[data-fix-kind="command"]');
      assert.equal(await fix.count(), 1);
      const command = await fix.locator('[data-fix-command]').innerText();
      assert.match(command, /^sudo chown -R /);
      assert.ok(command.endsWith(homeFile('.cache/go-build')), command);
      assert.equal(await fix.locator('[data-fix-copy]').count(), 1);
      assert.equal(await finding.locator('[data-fix-apply]').count(), 0);
      assert.equal(await finding.locator('[data-fix-preview]').count(), 0);
      // The fix edits no file, so it shows no diff, empty or not.
      assert.equal(await fix.locator('[data-fix-edit], [data-diff]').count(), 0);
      assert.equal((await fix.innerText()).includes('No change'), false);
      await page.screenshot({ path: artifact('findings-command'), fullPage: true });
    });

    test('format-only fixes name the change', async () => {
      await writeHomeFile(home, '.config/go/env', WINDOWS_GO_ENV);
      const rescan = page.locator('.app-header form button[type="submit"]');
      await rescan.click();
      await rescan.filter({ hasText: 'Scanning…' }).waitFor();
      await rescan.filter({ hasText: 'Re-scan' }).waitFor({ timeout: PROBE_TIMEOUT_MS });

      const cases = [
        { finding: ':line-endings', fix: 'convert-to-lf', change: 'line endings become LF' },
        {
          finding: ':byte-order-mark',
          fix: 'remove-byte-order-mark',
          change: 'the byte order mark is removed',
        },
      ];
      for (const { finding: suffix, fix: fixId, change } of cases) {
        const finding = page.locator(
          `[data-finding-id^="go-env-file-format:"][data-finding-id$="${suffix}"]`,
        );
        await finding.waitFor({ timeout: PROBE_TIMEOUT_MS });
        await expand(finding);
        const fix = finding.locator(`[data-fix-id="${fixId}"]`);
        const edit = fix.locator(`[data-fix-edit="${homeFile('.config/go/env')}"]`);
        const formatOnly = edit.locator('[data-fix-edit-format-only]');
        const expected = `No line of text changes; only the format does: ${change}.`;
        assert.equal(await formatOnly.innerText(), expected, fixId);
        assert.equal(await edit.locator('[data-diff]').count(), 0, fixId);
        assert.equal((await edit.innerText()).includes('No change'), false, fixId);
      }
      const lineEndings = page.locator('[data-finding-id$=":line-endings"]');
      await lineEndings.screenshot({ path: artifact('findings-format-only') });
    });
  });
}
