/**
 * The editor's preview shows exactly what saving shows: for each case with the edit that fixes it,
 * the drafts are previewed with the real shells and go, then saved, then the home is scanned again.
 * In every context, the change the preview showed equals the change the scan after saving shows,
 * and the preview leaves the files untouched. Runs as root and as the unprivileged user.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { EDIT_CASES, type EditCase } from './fixtures/edit-cases.ts';
import { runEditFlow, type EditFlowInput, type EditFlowResult } from './helpers/edit-flow.ts';
import { runNodeJson } from './helpers/run-as-test-user.ts';
import { USER_VARIANTS, type UserVariant } from './helpers/test-user.ts';
import { createHome } from './helpers/throwaway-home.ts';

const FLOW = fileURLToPath(new URL('./helpers/edit-flow.ts', import.meta.url));

/** Cases also run as the unprivileged user: a startup file pair and a Go env file. */
const NON_ROOT_CASES = new Set(['C01', 'C22', 'C06']);

const NO_CHANGE = { error: null, environment: [], goEnv: [], path: [] };

for (const variant of USER_VARIANTS) {
  describe(`editor preview equals the scan after saving, ${variant.name}`, { skip: variant.skip }, () => {
    for (const editCase of EDIT_CASES) {
      if (variant.user && !NON_ROOT_CASES.has(editCase.id)) continue;
      test(`${editCase.id}: ${Object.keys(editCase.edits).join(', ')}`, async () => {
        const result = await runCase(editCase, variant);
        assert.deepEqual(result.touchedByPreview, [], 'the preview changed a real file');
        assert.deepEqual(result.skipped, []);
        let changed = 0;
        for (const context of result.contexts) {
          assert.deepEqual(context.preview ?? NO_CHANGE, context.actual, `${editCase.id} ${context.id}`);
          const { environment, goEnv, path: pathChanges } = context.actual;
          if (environment.length + goEnv.length + pathChanges.length > 0) changed += 1;
        }
        if (editCase.changesNothing) assert.equal(changed, 0, `${editCase.id}: the edit changed a context`);
        else assert.ok(changed > 0, `${editCase.id}: the edit changed nothing in any context`);
      });
    }
  });
}

test('C07: a CRLF file is previewed and saved with its CRLF line endings', async () => {
  const editCase = EDIT_CASES.find((candidate) => candidate.id === 'C07')!;
  const result = await runCase(editCase, USER_VARIANTS[0]!);
  const saved = Buffer.from(result.saved['.bashrc']!, 'base64').toString('latin1');
  assert.equal(saved, editCase.edits['.bashrc']!.replaceAll('\n', '\r\n'));
  // The carriage return ends up in the values in the preview as after saving.
  const bash = result.contexts.find((context) => context.id === 'bash-non-login')!;
  const gopath = bash.preview?.environment.find((change) => change.name === 'GOPATH');
  assert.ok(gopath?.after?.endsWith('/go\r'), JSON.stringify(gopath));
});

async function runCase(editCase: EditCase, variant: UserVariant): Promise<EditFlowResult> {
  const home = await createHome(editCase.setup, { owner: variant.user });
  const dataDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-data-'));
  try {
    await editCase.prepare?.(home.path);
    if (variant.user) {
      await fs.chown(dataDirectory, variant.user.uid, variant.user.gid);
      await chownTree(home.path, variant.user.uid, variant.user.gid);
    }
    const input: EditFlowInput = {
      home: home.path,
      edits: Object.fromEntries(
        Object.entries(editCase.edits).map(([file, text]) => [file, text.replaceAll('{HOME}', home.path)]),
      ),
      shells: editCase.shells,
      dataDirectory,
    };
    return variant.user ? await runAsUser(input, variant) : await runEditFlow(input);
  } finally {
    await home.remove();
    await fs.rm(dataDirectory, { recursive: true, force: true });
  }
}

async function chownTree(root: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(root, uid, gid);
  for (const entry of await fs.readdir(root, { withFileTypes: true, recursive: true })) {
    await fs.lchown(path.join(entry.parentPath, entry.name), uid, gid);
  }
}

function runAsUser(input: EditFlowInput, variant: UserVariant): Promise<EditFlowResult> {
  return runNodeJson<EditFlowResult>({
    user: variant.user,
    args: [FLOW, JSON.stringify(input)],
    environment: { PATH: '/usr/bin:/bin', HOME: input.home, LANG: 'C.UTF-8' },
    label: 'the edit flow',
  });
}
