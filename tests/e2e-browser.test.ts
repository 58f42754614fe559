/**
 * End-to-end test of the browser UI: the real `go-env-lens serve` scans a throwaway HOME with
 * real shells, and Debian's Chromium, driven by playwright-core, reads the overview it shows.
 * The same serve process is then checked for the requests it must reject.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import type { ScanReport } from '../src-main/shared/scan-report.ts';
import { launchChromium, startServe, stopServe, type ServeProcess } from './helpers/serve-process.ts';
import { createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

const projectRoot = path.resolve(import.meta.dirname, '..');
const ARTIFACTS_DIR = path.join(projectRoot, 'test-artifacts');

/**
 * Time for the page to show the overview, in milliseconds: loading plus a scan of six contexts,
 * which takes about a second, with room for a loaded test machine.
 */
const OVERVIEW_TIMEOUT_MS = 60_000;

/**
 * Shells the scan covers. Bash reads the fixture's files and dash does not, so together with the
 * desktop and script contexts two contexts have GOPATH and four lack it, a clear majority.
 */
const SHELLS = ['bash', 'dash'];

/**
 * Case C01: the Go variables live only in ~/.bashrc, behind its interactive guard, and
 * ~/.profile sources ~/.bashrc for bash alone. Only interactive bash gets GOPATH.
 */
const C01_FILES = {
  '.bashrc': [
    'case $- in *i*) ;; *) return;; esac',
    'export GOPATH="$HOME/work/go"',
    'export PATH="/usr/lib/go-1.23/bin:$GOPATH/bin:$PATH"',
    '',
  ].join('\n'),
  '.profile': 'if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\n',
};

const CONTEXTS_WITH_GOPATH = ['bash-login', 'bash-non-login'];
const CONTEXTS_WITHOUT_GOPATH = ['dash-login', 'dash-non-login', 'desktop', 'script'];

let home: ThrowawayHome;
let serve: ServeProcess;
let browser: Browser;
let page: Page;

before(async () => {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  home = await createHome(C01_FILES);
  serve = await startServe({ homePath: home.path, shells: SHELLS });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 640 } });
});

after(async () => {
  await browser?.close();
  await stopServe(serve);
  await home?.remove();
});

/** Returns the overview cell of a context and column. */
function cell(contextId: string, columnId: string) {
  return page.locator(`td[data-context-id="${contextId}"][data-column-id="${columnId}"]`);
}

/**
 * Calls an API method the way the page does, with the session token and the page's Origin. A
 * null token or Origin leaves that header out.
 */
async function callApi(
  method: string,
  options: { token?: string | null; origin?: string | null } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const token = options.token === undefined ? serve.token : options.token;
  const origin = options.origin === undefined ? serve.origin : options.origin;
  if (token !== null) headers['X-Go-Env-Lens-Token'] = token;
  if (origin !== null) headers.Origin = origin;
  return fetch(`${serve.origin}/api/${method}`, { method: 'POST', headers, body: '{}' });
}

/** Sends a GET with node:http, which, unlike fetch, sends the Host header as given. */
function getWithHost(host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: serve.url.port,
        path: '/',
        headers: { Host: host, 'X-Go-Env-Lens-Token': serve.token },
        agent: false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

describe('browser UI over go-env-lens serve', () => {
  let report: ScanReport;

  test('C01: shows one row per context', async () => {
    await page.goto(serve.url.href);
    const rows = page.locator('tr[data-context-id]');
    await rows.last().waitFor({ timeout: OVERVIEW_TIMEOUT_MS });

    const ids = await rows.evaluateAll((elements) =>
      elements.map((element) => element.getAttribute('data-context-id')),
    );
    const expected = [...CONTEXTS_WITH_GOPATH, ...CONTEXTS_WITHOUT_GOPATH];
    assert.deepEqual([...ids].sort(), [...expected].sort(), serve.stderr());
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'overview-C01.png') });
  });

  test('C01: scan reports GOPATH only where bash is interactive', async () => {
    const response = await callApi('scan.latest');
    assert.equal(response.status, 200);
    report = ((await response.json()) as { result: ScanReport }).result;

    const gopath = `${home.path}/work/go`;
    for (const id of CONTEXTS_WITH_GOPATH) {
      const context = report.contexts.find((candidate) => candidate.id === id);
      assert.equal(context?.ok, true, `${id} failed: ${context?.error?.message}`);
      assert.equal(context.env.GOPATH, gopath, `${id} GOPATH`);
    }
    for (const id of CONTEXTS_WITHOUT_GOPATH) {
      const context = report.contexts.find((candidate) => candidate.id === id);
      assert.equal(context?.ok, true, `${id} failed: ${context?.error?.message}`);
      assert.equal(context.env.GOPATH, undefined, `${id} GOPATH`);
    }
  });

  test('C01: shows the bash GOPATH value', async () => {
    const gopath = cell('bash-non-login', 'GOPATH');
    assert.equal(await gopath.locator('button').getAttribute('title'), `${home.path}/work/go`);
    assert.match(await gopath.innerText(), /^~\/work\/go\b/);
  });

  test('C01: marks only the minority GOPATH cells', async () => {
    // Four contexts lack GOPATH and two have it, so the two bash cells are the ones that differ.
    const marked = await page
      .locator('td[data-column-id="GOPATH"][data-differs="true"]')
      .evaluateAll((elements) => elements.map((element) => element.getAttribute('data-context-id')));
    assert.deepEqual([...marked].sort(), [...CONTEXTS_WITH_GOPATH].sort());

    for (const id of CONTEXTS_WITHOUT_GOPATH) {
      assert.equal(await cell(id, 'GOPATH').getAttribute('data-differs'), null, id);
      assert.doesNotMatch(await cell(id, 'GOPATH').innerText(), /work\/go/, id);
    }
    for (const id of CONTEXTS_WITH_GOPATH) {
      assert.match(await cell(id, 'GOPATH').innerText(), /≠/, id);
    }
  });

  test('C01: detail panel shows the full GOPATH', async () => {
    await cell('bash-non-login', 'GOPATH').locator('button').click();
    const detail = page.locator('aside[data-detail-context-id="bash-non-login"]');
    await detail.waitFor();

    assert.match(await detail.locator('h2').innerText(), /GOPATH$/);
    const entries = await detail.locator('.path-entries').first().locator('code').allInnerTexts();
    assert.deepEqual(entries, [`${home.path}/work/go`]);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'detail-C01.png') });
  });

  test('C01: explains GOPATH with file and line', async () => {
    await page.locator('[data-explain-variable="GOPATH"]').click();
    await page.locator('[data-view="variables"][data-variable="GOPATH"]').waitFor();

    const bash = page.locator('[data-provenance-context-id="bash-non-login"]');
    assert.equal(await bash.locator('[data-provenance-method]').getAttribute('data-provenance-method'), 'traced');
    assert.match(await bash.locator('[data-probe-method]').innerText(), /passed as a command/);
    const winner = bash.locator('[data-chain-winner="true"]');
    assert.equal(await winner.getAttribute('data-chain-file'), `${home.path}/.bashrc`);
    assert.equal(await winner.getAttribute('data-chain-line'), '2');
    assert.match(await winner.innerText(), /~\/\.bashrc:2/);

    const desktop = page.locator('[data-provenance-context-id="desktop"]');
    assert.equal(await desktop.locator('[data-chain-file]').count(), 0);

    await winner.locator('.source-link').click();
    const viewer = page.locator(`[data-file-viewer="${home.path}/.bashrc"]`);
    await viewer.waitFor();
    const highlighted = viewer.locator('[data-highlighted-line]');
    assert.equal(await highlighted.getAttribute('data-highlighted-line'), '2');
    assert.match(await highlighted.innerText(), /export GOPATH="\$HOME\/work\/go"/);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'variables-C01.png') });
  });

  test('C01: explains each PATH entry', async () => {
    await page.locator('[data-view-tab="overview"]').click();
    await cell('bash-non-login', 'go').locator('button').click();
    const detail = page.locator('aside[data-detail-context-id="bash-non-login"]');
    await detail.getByRole('button', { name: 'Where does each entry come from?' }).click();
    await page.locator('[data-view="variables"][data-variable="PATH"]').waitFor();

    const bash = page.locator('[data-provenance-context-id="bash-non-login"]');
    const entries = bash.locator('[data-path-entry-index]');
    const texts = await entries.allInnerTexts();
    const goEntry = texts.find((text) => text.includes('/usr/lib/go-1.23/bin'));
    assert.ok(goEntry, `no /usr/lib/go-1.23/bin entry in ${JSON.stringify(texts)}`);
    assert.match(goEntry, /~\/\.bashrc:3/);
    const binEntry = bash.locator('[data-path-entry-index]', { hasText: '~/work/go/bin' });
    assert.equal(await binEntry.getAttribute('data-path-problem'), 'missing');
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'path-origins-C01.png') });
  });
});

describe('Go view', () => {
  test('C01: names the go that runs', async () => {
    await page.locator('[data-view-tab="go"]').click();
    const bash = page.locator('[data-go-context-id="bash-non-login"]');
    await bash.locator('[data-go-binary]').waitFor({ timeout: OVERVIEW_TIMEOUT_MS });
    assert.equal(await bash.locator('[data-go-binary]').getAttribute('data-go-binary'), '/usr/lib/go-1.23/bin/go');
    assert.equal(await bash.locator('[data-go-goroot]').getAttribute('data-go-goroot'), '/usr/lib/go-1.23');
    const dash = page.locator('[data-go-context-id="dash-non-login"]');
    assert.equal(await dash.locator('[data-go-binary]').getAttribute('data-go-binary'), 'none');

    // GOPATH comes from the environment, and the shell line behind it is named.
    const gopath = bash.locator('[data-go-setting="GOPATH"]');
    assert.equal(await gopath.getAttribute('data-go-layer'), 'environment');
    assert.match(await gopath.locator('[data-go-shell-origin]').innerText(), /set by ~\/\.bashrc:2/);

    // Debian's go.env is a layer of its own: GOTOOLCHAIN comes from there.
    const gotoolchain = bash.locator('[data-go-setting="GOTOOLCHAIN"]');
    assert.equal(await gotoolchain.getAttribute('data-go-layer'), 'goroot-go.env');
    assert.match(await gotoolchain.innerText(), /\/usr\/lib\/go-1\.23\/go\.env:\d+/);
    await gotoolchain.locator('.source-link').click();
    const viewer = page.locator('[data-file-viewer="/usr/lib/go-1.23/go.env"]');
    await viewer.waitFor();
    assert.match(await viewer.locator('[data-highlighted-line]').innerText(), /^GOTOOLCHAIN=/);

    const row = page.locator('tr[data-toolchain-root="/usr/lib/go-1.23"]');
    await row.waitFor();
    assert.match(await row.locator('[data-toolchain-used-by]').innerText(), /bash-login, bash-non-login/);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'go-view-C01.png'), fullPage: true });
  });

  test('previews a Go env file draft', async () => {
    const editor = page.locator('[data-go-env-editor]');
    await editor.locator('[data-go-env-text]').fill('GOPROXY=off\nGOPATH=~/go\n');
    // bash-login exports its own GOPATH, so line 2 is also reported as overridden.
    const problem = editor.locator('[data-go-env-problem-line="2"]', { hasText: 'starts with ~' });
    await problem.waitFor();
    assert.match(await problem.innerText(), /which go does not expand/);
    await editor.locator('[data-go-env-change="GOPROXY"]').waitFor();
    assert.match(await editor.locator('[data-go-env-change="GOPROXY"]').innerText(), /→ off/);
    // A preview never writes the file.
    assert.equal(existsSync(path.join(home.path, '.config/go/env')), false);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'go-env-editor-C01.png'), fullPage: true });

    await editor.locator('[data-go-env-text]').fill('GOPROXY=off\n');
    await editor.locator('[data-go-env-save]').click();
    await editor.locator('[data-go-env-saved]').waitFor();
    assert.equal(readFileSync(path.join(home.path, '.config/go/env'), 'utf8'), 'GOPROXY=off\n');
  });

  test('rejects a project folder that is not one', async () => {
    await page.locator('[data-go-project]').fill('/nonexistent/project');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    const error = page.locator('[data-go-error]');
    await error.waitFor();
    assert.match(await error.innerText(), /the project folder "\/nonexistent\/project" is not a directory/);
  });
});

describe('serve request checks', () => {
  test('rejects a page request without the token', async () => {
    const response = await fetch(`${serve.origin}/`);
    assert.equal(response.status, 401);
    assert.match(await response.text(), /needs its session token/);
  });

  test('rejects an API call without the token', async () => {
    const response = await callApi('scan.latest', { token: null });
    assert.equal(response.status, 401);
  });

  test('rejects an API call from a foreign Origin', async () => {
    const response = await callApi('scan.latest', { origin: 'http://attacker.invalid' });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /rejected the Origin "http:\/\/attacker\.invalid"/);
  });

  test('rejects a foreign Host header', async () => {
    const response = await getWithHost(`attacker.invalid:${serve.url.port}`);
    assert.equal(response.status, 421);
    assert.match(response.body, /rejected the Host header "attacker\.invalid:\d+"/);
  });

  test('accepts the same call with token and Origin', async () => {
    // The control for the rejections above: only the header under test differs.
    const response = await callApi('scan.latest');
    assert.equal(response.status, 200);
  });
});
