/**
 * End-to-end test of the Edit view: the real `go-env-lens serve` scans a throwaway HOME with real
 * bash and dash, and Debian's Chromium, driven by playwright-core, works in the CodeMirror
 * editors. It edits ~/.bashrc, reads the live preview, reviews the diff, saves and undoes, meets a
 * file that changed on disk, and creates a missing startup file. It then breaks go with the Go env
 * file, fixes the file in the editor, and previews a draft that a Latin-1 file cannot store.
 * Backups go to a throwaway data directory. The scenario runs with serve as root and as the
 * unprivileged test user.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
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
 * Time for a preview to appear, in milliseconds: the half-second pause after typing, then each
 * affected context started again (under a second in this test's runs on an idle machine), with
 * room for a loaded test machine.
 */
const PREVIEW_TIMEOUT_MS = 60_000;
/**
 * Time for the views to show the scan as updated by a save or an undo, in milliseconds. The
 * engine probes the affected contexts again before the save request returns, so the page only
 * has to load the latest scan, which takes milliseconds.
 */
const RELOAD_TIMEOUT_MS = 10_000;

const SHELLS = ['bash', 'dash'];

/**
 * ~/.bashrc sets GOPATH and PATH behind its interactive guard, and ~/.profile sources it for
 * bash only, so both bash contexts read ~/.bashrc while dash reads ~/.profile alone.
 */
const BASHRC = [
  'case $- in *i*) ;; *) return;; esac',
  'export GOPATH="$HOME/work/go"',
  'export PATH="/usr/lib/go-1.23/bin:$GOPATH/bin:$PATH"',
  '',
].join('\n');
const PROFILE = 'if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\n';

/** ~/.bashrc of the Go env file tests: go on PATH, and no GOPATH that would hide the file's. */
const GO_ONLY_BASHRC = [
  'case $- in *i*) ;; *) return;; esac',
  'export PATH="/usr/lib/go-1.23/bin:$PATH"',
  '',
].join('\n');

/** The Go env file line that makes every go command fail: go does not expand `~`. */
const BROKEN_GO_ENV = 'GOPATH=~/go\n';
const GO_TILDE_MESSAGE = "GOPATH entry cannot start with shell metacharacter '~'";

/** ~/.bashrc after the edit the test types: a new GOPATH, and a PATH entry added in front. */
const EDITED_BASHRC = [
  'case $- in *i*) ;; *) return;; esac',
  'export GOPATH="$HOME/projects/go"',
  'export PATH="/usr/lib/go-1.23/bin:$GOPATH/bin:$PATH"',
  'export PATH="$HOME/.local/bin:$PATH"',
  '',
].join('\n');

let home: ThrowawayHome;
let dataDirectory: string;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
/** Added to screenshot names, so each user's run keeps its own. */
let artifactSuffix = '';
/** Messages of the page's console about its Content Security Policy, in this session. */
let policyMessages: string[] = [];

before(async () => {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** Sets up a home, a data directory and serve, run as the variant's user, and a new page. */
async function startSession(variant: UserVariant): Promise<void> {
  home = await createHome({ '.bashrc': BASHRC, '.profile': PROFILE }, { owner: variant.user });
  dataDirectory = await createDataDirectory(variant.user);
  serve = await startServe({ homePath: home.path, shells: SHELLS, dataDirectory, user: variant.user });
  artifactSuffix = variant.user ? `-${variant.user.name}` : '';
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  policyMessages = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) policyMessages.push(message.text());
  });
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

/** Finds the button of a context's key value in the Overview, once it shows `value`. */
function overviewValue(contextId: string, columnId: string, value: string): Locator {
  const cell = `td[data-context-id="${contextId}"][data-column-id="${columnId}"]`;
  return page.locator(`${cell} button[title="${value}"]`);
}

/** Starts a new scan from the header and waits until the page shows its report. */
async function rescan(): Promise<void> {
  const button = page.locator('.app-header form button[type="submit"]');
  await button.click();
  // Starting the shells takes seconds, so the scan's own label is there to be seen.
  await button.filter({ hasText: 'Scanning…' }).waitFor();
  await button.filter({ hasText: 'Re-scan' }).waitFor({ timeout: OVERVIEW_TIMEOUT_MS });
}

function pane(relative: string): Locator {
  return page.locator(`[data-edit-pane="${homeFile(relative)}"]`);
}

function editorOf(relative: string): Locator {
  return pane(relative).locator('.cm-content').first();
}

/**
 * Returns the text in an editor, one line per CodeMirror line element. textContent, because
 * innerText reads an empty line's <br> as a line break of its own.
 */
async function textOf(editor: Locator): Promise<string> {
  const lines = await editor
    .locator('.cm-line')
    .evaluateAll((elements) => elements.map((element) => element.textContent ?? ''));
  return lines.join('\n');
}

async function editorText(relative: string): Promise<string> {
  return textOf(editorOf(relative));
}

/** Waits for the preview of the current drafts: not previewing, and a result on show. */
async function waitForPreview(): Promise<Locator> {
  const preview = page.locator('[data-edit-preview][data-edit-preview-state="idle"]');
  await preview.locator('[data-edit-preview-mechanism]').waitFor({ timeout: PREVIEW_TIMEOUT_MS });
  return preview;
}

/** Chooses a context in the Edit view's file list. */
async function chooseContext(contextId: string): Promise<void> {
  await page.locator('[data-view="edit"] select[data-edit-context]').selectOption(contextId);
}

/** Opens a file from the Edit view's list and waits for its pane. */
async function openFromList(relative: string): Promise<void> {
  await page.locator(`[data-edit-file="${homeFile(relative)}"] button`).click();
  await pane(relative).locator('.cm-content').waitFor();
}

/** Opens the Review step, accepts only the given files, and saves them. */
async function reviewAndSave(accepted: string[]): Promise<void> {
  await page.locator('[data-edit-review-open]').click();
  const review = page.locator('[data-edit-review]');
  await review.waitFor();
  for (const file of await review.locator('[data-review-file]').all()) {
    const filePath = await file.getAttribute('data-review-file');
    const isAccepted = accepted.some((relative) => homeFile(relative) === filePath);
    await file.locator('[data-review-accept]').setChecked(isAccepted);
  }
  await review.locator('[data-edit-save-accepted]').click();
  await review.waitFor({ state: 'detached' });
}

/** Lists the backups the data directory holds, as paths relative to it. */
function backupFiles(): string[] {
  return listFilesUnder(dataDirectory);
}

for (const variant of USER_VARIANTS) {
  describe(`Edit view over go-env-lens serve ${variant.name}`, { skip: variant.skip }, () => {
    before(() => startSession(variant));
    after(stopSession);

    test('provenance link opens the line', async () => {
      await page.goto(serve.url.href);
      await page.locator('tr[data-context-id]').last().waitFor({ timeout: OVERVIEW_TIMEOUT_MS });

      await page.locator('[data-view-tab="variables"]').click();
      const bash = page.locator('[data-provenance-context-id="bash-non-login"]');
      await bash.waitFor();
      // The variable view opens on PATH; ~/.bashrc:3 added the go directory.
      const edit = bash.locator(`[data-edit-link="${homeFile('.bashrc')}"]`).first();
      assert.equal(await edit.getAttribute('aria-label'), `Edit ${homeFile('.bashrc')} at line 3`);
      await edit.click();

      await page.locator('[data-view="edit"]').waitFor();
      const revealed = pane('.bashrc').locator('[data-revealed-line]');
      await revealed.waitFor();
      assert.equal(await revealed.getAttribute('data-revealed-line'), '3');
      assert.match(await revealed.innerText(), /^export PATH="\/usr\/lib\/go-1\.23\/bin/);
      assert.equal(await editorText('.bashrc'), BASHRC);
      assert.equal(await pane('.bashrc').getAttribute('data-edit-dirty'), 'false');
    });

    test('file viewer Edit focuses the pane', async () => {
      await page.locator('[data-view-tab="variables"]').click();
      const bash = page.locator('[data-provenance-context-id="bash-non-login"]');
      await bash.locator(`.source-link`, { hasText: '~/.bashrc:3' }).first().click();
      const viewer = page.locator(`[data-file-viewer="${homeFile('.bashrc')}"]`);
      await viewer.waitFor();
      // The read-only viewer still works beside the new action.
      const highlighted = viewer.locator('[data-highlighted-line]');
      assert.equal(await highlighted.getAttribute('data-highlighted-line'), '3');

      await viewer.locator('[data-file-viewer-edit]').click();
      await page.locator('[data-view="edit"]').waitFor();
      // The file is open already, so the same pane takes focus and no second one appears.
      assert.equal(await page.locator('[data-edit-pane]').count(), 1);
      const focused = await page.evaluate(() => {
        const focusedPane = document.activeElement?.closest('[data-edit-pane]');
        return focusedPane?.getAttribute('data-edit-pane');
      });
      assert.equal(focused, homeFile('.bashrc'));
    });

    test('file list follows the startup order', async () => {
      await chooseContext('bash-login');
      const list = page.locator('[data-view="edit"] [data-edit-file]');
      const paths = await list.evaluateAll((items) =>
        items.map((item) => item.getAttribute('data-edit-file')),
      );
      const profileIndex = paths.indexOf(homeFile('.profile'));
      const bashrcIndex = paths.indexOf(homeFile('.bashrc'));
      assert.ok(profileIndex !== -1, `~/.profile missing from ${JSON.stringify(paths)}`);
      const order = JSON.stringify(paths);
      assert.ok(bashrcIndex > profileIndex, `~/.bashrc should follow ~/.profile in ${order}`);

      const bashProfile = page.locator(`[data-edit-file="${homeFile('.bash_profile')}"]`);
      assert.equal(await bashProfile.getAttribute('data-edit-file-status'), 'missing');
      assert.match(await bashProfile.innerText(), /not created yet/);
    });

    test('preview shows GOPATH and PATH changes', async () => {
      await chooseContext('bash-non-login');
      const editor = editorOf('.bashrc');
      await editor.click();
      // Line 2: replace the GOPATH line by typing over it.
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      await page.keyboard.type('export GOPATH="$HOME/projects/go"');
      // The last line is empty: type a new PATH line there, ending with a newline.
      await page.keyboard.press('Control+End');
      await page.keyboard.type('export PATH="$HOME/.local/bin:$PATH"');
      await page.keyboard.press('Enter');

      assert.equal(await editorText('.bashrc'), EDITED_BASHRC);
      assert.equal(await pane('.bashrc').getAttribute('data-edit-dirty'), 'true');
      await pane('.bashrc').locator('[data-edit-dirty-marker]').waitFor();
      const badge = page.locator('[data-unsaved-files]');
      assert.equal(await badge.getAttribute('data-unsaved-files'), '1');

      // A comment in ~/.profile brings dash-login into the preview without changing it.
      await chooseContext('dash-login');
      await openFromList('.profile');
      await editorOf('.profile').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('# edited in the browser test');
      await page.keyboard.press('Enter');

      const preview = await waitForPreview();
      await page.screenshot({ path: artifact('edit-preview') });

      for (const id of ['bash-login', 'bash-non-login']) {
        const context = preview.locator(`[data-preview-context-id="${id}"]`);
        assert.equal(await context.getAttribute('data-preview-changed'), 'true', id);
        const gopath = context.locator('[data-preview-variable="GOPATH"]');
        assert.equal(await gopath.locator('.before').innerText(), '~/work/go', id);
        assert.equal(await gopath.locator('.after').innerText(), '~/projects/go', id);

        const added = context.locator(`[data-preview-path-entry="${homeFile('.local/bin')}"]`);
        assert.equal(await added.getAttribute('data-path-change'), 'added', id);
        assert.match(await added.innerText(), /added at position 1/, id);
        const removed = context.locator(`[data-preview-path-entry="${homeFile('work/go/bin')}"]`);
        assert.equal(await removed.getAttribute('data-path-change'), 'removed', id);
        const goBin = context.locator('[data-preview-path-entry="/usr/lib/go-1.23/bin"]');
        // It keeps its order among the other entries, so it counts as the same, one place on.
        assert.equal(await goBin.getAttribute('data-path-change'), 'same', id);
        assert.match(await goBin.innerText(), /position 2, was 1/, id);
      }

      const dash = preview.locator('[data-preview-context-id="dash-login"]');
      assert.equal(await dash.getAttribute('data-preview-changed'), 'false');
      assert.equal(await preview.locator('[data-preview-context-id="dash-non-login"]').count(), 0);
      const unchanged = preview.locator('[data-preview-unchanged] summary');
      assert.match(await unchanged.innerText(), /No change in 1 context/);
    });

    test('preview leaves files untouched', () => {
      assert.equal(readFileSync(homeFile('.bashrc'), 'utf8'), BASHRC);
      assert.equal(readFileSync(homeFile('.profile'), 'utf8'), PROFILE);
      assert.deepEqual(backupFiles(), []);
    });

    test('review diff saves accepted file', async () => {
      await page.locator('[data-edit-review-open]').click();
      const review = page.locator('[data-edit-review]');
      const bashrc = review.locator(`[data-review-file="${homeFile('.bashrc')}"]`);
      await bashrc.waitFor();
      const removed = await bashrc.locator('[data-diff-kind="-"] .text').allInnerTexts();
      const added = await bashrc.locator('[data-diff-kind="+"] .text').allInnerTexts();
      assert.deepEqual(removed, ['export GOPATH="$HOME/work/go"']);
      assert.deepEqual(added, [
        'export GOPATH="$HOME/projects/go"',
        'export PATH="$HOME/.local/bin:$PATH"',
      ]);
      assert.equal(await bashrc.locator('.hunk').innerText(), '@@ -1,3 +1,4 @@');
      await page.screenshot({ path: artifact('edit-review') });
      await page.locator('[data-edit-review-back]').click();

      await reviewAndSave(['.bashrc']);

      const notice = pane('.bashrc').locator('[data-edit-notice="saved"]');
      await notice.waitFor();
      const savedText = /^Saved\. The previous content is kept as a backup from /;
      assert.match(await notice.innerText(), savedText);
      assert.equal(readFileSync(homeFile('.bashrc'), 'utf8'), EDITED_BASHRC);
      // The unticked file stays as it was, and its draft stays in the editor.
      assert.equal(readFileSync(homeFile('.profile'), 'utf8'), PROFILE);
      assert.equal(await pane('.profile').getAttribute('data-edit-dirty'), 'true');
      assert.equal(await pane('.bashrc').getAttribute('data-edit-dirty'), 'false');
      assert.notDeepEqual(backupFiles(), []);

      await pane('.bashrc').locator('[data-edit-history-toggle]').click();
      const entries = pane('.bashrc').locator('[data-backup-id]');
      await entries.first().waitFor();
      assert.equal(await entries.count(), 1);
      assert.equal(await entries.first().getAttribute('data-backup-reason'), 'save');
    });

    test('saved values reach the Overview', async () => {
      // The remaining draft, a comment in ~/.profile, is previewed against the saved ~/.bashrc,
      // so the new GOPATH is no longer a change of the draft.
      const preview = await waitForPreview();
      const bashLogin = preview.locator('[data-preview-context-id="bash-login"]');
      assert.equal(await bashLogin.getAttribute('data-preview-changed'), 'false');

      await page.locator('[data-view-tab="overview"]').click();
      for (const id of ['bash-login', 'bash-non-login']) {
        const gopath = overviewValue(id, 'GOPATH', homeFile('projects/go'));
        await gopath.waitFor({ timeout: RELOAD_TIMEOUT_MS });
      }
      await page.locator('[data-view-tab="edit"]').click();
    });

    test('history buttons start with their label', async () => {
      const toggle = pane('.bashrc').locator('[data-edit-history-toggle]');
      assert.equal(await toggle.innerText(), 'History');
      assert.equal(await toggle.getAttribute('aria-label'), 'History: backups of ~/.bashrc');
      const restore = pane('.bashrc').locator('[data-backup-restore]').first();
      assert.equal(await restore.innerText(), 'Restore this one');
      const restoreName = (await restore.getAttribute('aria-label')) ?? '';
      assert.match(restoreName, /^Restore this one: the backup of ~\/\.bashrc from /);
    });

    test('undo restores the file', async () => {
      await pane('.bashrc').locator('[data-edit-undo]').click();
      await pane('.bashrc').locator('[data-edit-notice="restored"]').waitFor();
      assert.equal(readFileSync(homeFile('.bashrc'), 'utf8'), BASHRC);
      assert.equal(await editorText('.bashrc'), BASHRC);
      assert.equal(await pane('.bashrc').getAttribute('data-edit-dirty'), 'false');
      // The undo backed up what it replaced, so the history has grown by one.
      const entries = pane('.bashrc').locator('[data-backup-id]');
      await page.waitForFunction(
        (selector) => document.querySelectorAll(selector).length === 2,
        `[data-edit-pane="${homeFile('.bashrc')}"] [data-backup-id]`,
      );
      assert.equal(await entries.first().getAttribute('data-backup-reason'), 'undo');
    });

    test('undone values reach the Overview', async () => {
      await page.locator('[data-view-tab="overview"]').click();
      for (const id of ['bash-login', 'bash-non-login']) {
        const gopath = overviewValue(id, 'GOPATH', homeFile('work/go'));
        await gopath.waitFor({ timeout: RELOAD_TIMEOUT_MS });
      }
      await page.locator('[data-view-tab="edit"]').click();
    });

    test('closing an edited pane asks', async () => {
      let question = '';
      page.once('dialog', (dialog) => {
        question = dialog.message();
        void dialog.dismiss();
      });
      await pane('.profile').locator('[data-edit-close]').click();
      assert.match(question, /^Close ~\/\.profile and discard its unsaved edits\?$/);
      assert.equal(await pane('.profile').count(), 1);

      page.once('dialog', (dialog) => void dialog.accept());
      await pane('.profile').locator('[data-edit-close]').click();
      await pane('.profile').waitFor({ state: 'detached' });
      assert.equal(readFileSync(homeFile('.profile'), 'utf8'), PROFILE);
    });

    test('changed on disk: Show both', async () => {
      await editorOf('.bashrc').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('export GOFLAGS=-mod=mod');
      await page.keyboard.press('Enter');
      const onDisk = `${BASHRC}export EDITOR=vi\n`;
      await writeFile(homeFile('.bashrc'), onDisk);

      await reviewAndSave(['.bashrc']);
      const conflict = pane('.bashrc').locator('[data-edit-conflict]');
      await conflict.waitFor();
      assert.match(await conflict.innerText(), /changed/i);
      assert.match(await conflict.locator('p').innerText(), /before saving again\.$/);
      assert.equal(readFileSync(homeFile('.bashrc'), 'utf8'), onDisk);

      await conflict.locator('[data-edit-show-both]').click();
      const comparison = pane('.bashrc').locator('[data-edit-comparison="disk"]');
      await comparison.waitFor();
      assert.equal(await textOf(comparison), onDisk);
      assert.equal(await editorText('.bashrc'), `${BASHRC}export GOFLAGS=-mod=mod\n`);
      await page.screenshot({ path: artifact('edit-show-both') });

      // Merge by hand: add the line from disk to the draft, then save against the new hash.
      await editorOf('.bashrc').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('export EDITOR=vi');
      await page.keyboard.press('Enter');
      await reviewAndSave(['.bashrc']);
      await pane('.bashrc').locator('[data-edit-notice="saved"]').waitFor();
      const merged = `${BASHRC}export GOFLAGS=-mod=mod\nexport EDITOR=vi\n`;
      assert.equal(readFileSync(homeFile('.bashrc'), 'utf8'), merged);
    });

    test('changed on disk: Reload', async () => {
      await editorOf('.bashrc').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('export DRAFT_ONLY=1');
      await page.keyboard.press('Enter');
      const onDisk = `${BASHRC}export FROM_DISK=1\n`;
      await writeFile(homeFile('.bashrc'), onDisk);

      await reviewAndSave(['.bashrc']);
      const conflict = pane('.bashrc').locator('[data-edit-conflict]');
      await conflict.waitFor();

      let question = '';
      page.once('dialog', (dialog) => {
        question = dialog.message();
        void dialog.accept();
      });
      await conflict.locator('[data-edit-reload]').click();
      await conflict.waitFor({ state: 'detached' });
      const reloadQuestion = /^Reload ~\/\.bashrc as it is on disk now\? This discards your draft\.$/;
      assert.match(question, reloadQuestion);
      assert.equal(await editorText('.bashrc'), onDisk);
      assert.equal(await pane('.bashrc').getAttribute('data-edit-dirty'), 'false');
      assert.equal(readFileSync(homeFile('.bashrc'), 'utf8'), onDisk);
    });

    test('missing startup file is created', async () => {
      assert.equal(existsSync(homeFile('.bash_profile')), false);
      await chooseContext('bash-login');
      await openFromList('.bash_profile');
      await pane('.bash_profile').locator('[data-edit-new-file]').waitFor();
      assert.equal(await editorText('.bash_profile'), '');

      await editorOf('.bash_profile').click();
      await page.keyboard.type('export CREATED_IN_EDITOR=1');
      await page.keyboard.press('Enter');

      // With ~/.bash_profile in place, login bash no longer reads ~/.profile, so GOPATH goes.
      const preview = await waitForPreview();
      const bashLogin = preview.locator('[data-preview-context-id="bash-login"]');
      const created = bashLogin.locator('[data-preview-variable="CREATED_IN_EDITOR"]');
      assert.equal(await created.locator('.before').innerText(), 'unset');
      assert.equal(await created.locator('.after').innerText(), '1');
      const gopath = bashLogin.locator('[data-preview-variable="GOPATH"]');
      assert.equal(await gopath.locator('.after').innerText(), 'unset');
      assert.equal(existsSync(homeFile('.bash_profile')), false);

      await reviewAndSave(['.bash_profile']);
      const notice = pane('.bash_profile').locator('[data-edit-notice="saved"]');
      await notice.waitFor();
      assert.match(await notice.innerText(), /The file is new, so Undo removes it again/);
      assert.equal(readFileSync(homeFile('.bash_profile'), 'utf8'), 'export CREATED_IN_EDITOR=1\n');
      // serve created the file, so it belongs to the user serve runs as.
      assert.equal(statSync(homeFile('.bash_profile')).uid, variant.uid);
      await page.screenshot({ path: artifact('edit-created') });

      await pane('.bash_profile').locator('[data-edit-undo]').click();
      await pane('.bash_profile').locator('[data-edit-notice="restored"]').waitFor();
      assert.equal(existsSync(homeFile('.bash_profile')), false);
    });

    const foreignFileSkip = variant.user
      ? false
      : 'serve runs as root, which may write /etc/profile, so the file has no write block';
    test('foreign file opens read-only', { skip: foreignFileSkip }, async () => {
      await chooseContext('dash-login');
      await page.locator('[data-edit-file="/etc/profile"] button').click();
      const etcProfile = page.locator('[data-edit-pane="/etc/profile"]');
      const block = etcProfile.locator('[data-edit-write-block]');
      await block.waitFor();
      assert.equal(await block.getAttribute('data-edit-write-block'), 'foreign-owner');
      assert.match(await block.innerText(), /^\/etc\/profile belongs to root/);
      assert.match(await block.innerText(), /Edit it as root\. The file is shown read-only\.$/);

      const editor = etcProfile.locator('.cm-content');
      assert.equal(await editor.getAttribute('contenteditable'), 'false');
      await editor.click();
      await page.keyboard.type('export TYPED=1');
      assert.equal(await etcProfile.getAttribute('data-edit-dirty'), 'false');
      assert.equal(await etcProfile.locator('[data-edit-undo]').isDisabled(), true);

      await etcProfile.locator('[data-edit-close]').click();
      await etcProfile.waitFor({ state: 'detached' });
    });

    test('Go env file that breaks go is listed', async () => {
      // An exported GOPATH would hide the Go env file's, so ~/.bashrc keeps only the go on PATH.
      await pane('.bashrc').locator('[data-edit-close]').click();
      await writeHomeFile(home, '.bashrc', GO_ONLY_BASHRC);
      // ~/.profile becomes Latin-1 (not valid UTF-8) for the preview test after this one.
      const latin1Line = Buffer.from('# caf\xe9\n', 'latin1');
      await writeHomeFile(home, '.profile', Buffer.concat([Buffer.from(PROFILE), latin1Line]));
      await writeHomeFile(home, '.config/go/env', BROKEN_GO_ENV);
      await chooseContext('bash-non-login');
      await rescan();

      // go env fails in every context that runs go, so the scan has no GOENV to list.
      const entry = page.locator(`[data-edit-file="${homeFile('.config/go/env')}"]`);
      await entry.waitFor();
      assert.equal(await entry.getAttribute('data-edit-file-status'), 'go-env');
      const note = await entry.locator('.note').innerText();
      assert.match(note, new RegExp(`^go env fails: .*${GO_TILDE_MESSAGE}`));

      await openFromList('.config/go/env');
      assert.equal(await editorText('.config/go/env'), BROKEN_GO_ENV);
      await editorOf('.config/go/env').click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('Shift+End');
      await page.keyboard.type(`GOPATH=${homeFile('gopath')}`);
      await reviewAndSave(['.config/go/env']);
      await pane('.config/go/env').locator('[data-edit-notice="saved"]').waitFor();
      const saved = readFileSync(homeFile('.config/go/env'), 'utf8');
      assert.equal(saved, `GOPATH=${homeFile('gopath')}\n`);

      // The save probed the contexts again: go works, and the Overview shows the new GOPATH.
      await entry.locator('.note').waitFor({ state: 'detached', timeout: RELOAD_TIMEOUT_MS });
      await page.locator('[data-view-tab="overview"]').click();
      const gopath = overviewValue('bash-non-login', 'GOPATH', homeFile('gopath'));
      await gopath.waitFor({ timeout: RELOAD_TIMEOUT_MS });
      await page.locator('[data-view-tab="edit"]').click();
    });

    test('preview names the go error', async () => {
      await editorOf('.config/go/env').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('GOPATH=~/go');

      const preview = await waitForPreview();
      await page.screenshot({ path: artifact('edit-go-error') });
      const context = preview.locator('[data-preview-context-id="bash-non-login"]');
      const goError = context.locator('[data-preview-go-error]');
      assert.match(await goError.innerText(), /^With these drafts every go command fails: /);
      assert.ok((await goError.innerText()).includes(GO_TILDE_MESSAGE), await goError.innerText());
      // Every go env value would read as unset, so the go error is shown in place of that list.
      assert.equal(await context.locator('[data-preview-go-env]').count(), 0);
    });

    test('unstorable draft is named beside the others', async () => {
      await chooseContext('dash-login');
      await openFromList('.profile');
      assert.equal(await editorText('.profile'), `${PROFILE}# café\n`);
      // Type over a selection that spans two lines: "# café" and the empty last line.
      await editorOf('.profile').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Shift+ArrowUp');
      await page.keyboard.type('# 10 €');
      assert.equal(await editorText('.profile'), `${PROFILE}# 10 €`);

      const preview = await waitForPreview();
      await page.screenshot({ path: artifact('edit-skipped') });
      const skipped = preview.locator(`[data-preview-skipped="${homeFile('.profile')}"]`);
      assert.equal(await skipped.locator('code').innerText(), '~/.profile');
      const reason = await skipped.locator('[data-preview-skipped-reason]').innerText();
      const unstorable = /^line 2 contains "€", which the file's encoding cannot store \(Latin-1, .*\)\.$/;
      assert.match(reason, unstorable);
      const title = preview.locator('[data-preview-skipped-list] h3');
      assert.equal(await title.innerText(), 'Not previewed: 1 draft');
      // The Go env file draft is still previewed next to it.
      const bashNonLogin = preview.locator('[data-preview-context-id="bash-non-login"]');
      assert.equal(await bashNonLogin.locator('[data-preview-go-error]').count(), 1);
      assert.equal(await preview.locator('[data-edit-preview-error]').count(), 0);
    });

    test('open error clears on the next success', async () => {
      // ~/.bash_login was missing at the scan; a NUL byte makes it a file the editor rejects.
      await writeHomeFile(home, '.bash_login', 'export A=1\0\n');
      try {
        await chooseContext('bash-login');
        await page.locator(`[data-edit-file="${homeFile('.bash_login')}"] button`).click();
        const banner = page.locator('[data-edit-open-error]');
        await banner.waitFor();
        assert.match(await banner.innerText(), /^Could not open .*\.bash_login: .*NUL byte.*\.$/);

        // Opening a file that is open already focuses its pane, and the old message goes.
        await page.locator(`[data-edit-file="${homeFile('.profile')}"] button`).click();
        await banner.waitFor({ state: 'detached' });
      } finally {
        await rm(homeFile('.bash_login'));
      }
    });

    test('no inline style is blocked', () => {
      assert.deepEqual(policyMessages, []);
    });
  });
}
