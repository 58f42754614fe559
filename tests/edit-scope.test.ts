/**
 * The paths the editor API may open: only startup files and Go env files of the latest scan,
 * given as normalized absolute paths. Through symbolic links it may open only files inside the
 * home folder, under /nix/store, or in that set. The tests use a hand-built scan report and real
 * links in a throwaway home, and run no shell.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { resolveEditTarget } from '../src-main/engine/files/edit-scope.ts';
import { ApiRequestError } from '../src-main/shared/contract.ts';
import type { StartupFile } from '../src-main/shared/provenance.ts';
import { SCAN_SCHEMA_ID, SCAN_SCHEMA_VERSION, type ScanContext, type ScanReport } from '../src-main/shared/scan-report.ts';
import { asTestUser, TEST_USER } from './helpers/test-user.ts';
import { createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

function startupFile(file: string, status: StartupFile['status'] = 'read'): StartupFile {
  return { path: file, status, note: null, sourcedFrom: null };
}

function context(id: string, startupFiles: StartupFile[], goEnvFile: string | null = null): ScanContext {
  return {
    id,
    label: id,
    shell: id.split('-')[0]!,
    shellPath: `/usr/bin/${id.split('-')[0]}`,
    mode: 'login',
    method: 'command',
    argv: null,
    ok: true,
    error: null,
    durationMs: 0,
    env: {},
    envRaw: {},
    output: '',
    outputTruncated: false,
    go:
      goEnvFile === null
        ? null
        : {
            path: '/usr/local/go/bin/go',
            candidates: [],
            version: 'go1.23.0',
            env: { GOENV: goEnvFile },
            configured: { GOTOOLCHAIN: '', GOFLAGS: '' },
            error: null,
            durationMs: 0,
          },
    startupFiles,
    provenance: null,
    provenanceError: null,
    probeNote: null,
  };
}

function scanReport(home: string, contexts: ScanContext[]): ScanReport {
  return {
    schema: SCAN_SCHEMA_ID,
    schemaVersion: SCAN_SCHEMA_VERSION,
    createdAt: '2026-01-01T00:00:00.000Z',
    durationMs: 0,
    host: { platform: 'linux', arch: 'x64', user: 'dev', uid: 1000, home, loginShell: '/bin/bash' },
    deadlineMs: 10_000,
    baseEnvironment: { source: 'self', note: '' },
    shells: [],
    contexts,
  };
}

/** Every startup file the fixture names, relative to the home folder. */
const STARTUP_NAMES = [
  '.bashrc',
  '.config/fish/config.fish',
  '.kshrc',
  '.mkshrc',
  '.yashrc',
  '.tcshrc',
  '.loop1',
  '.elvish/rc.elv',
];

let home: ThrowawayHome;
let report: ScanReport;
/** The folder next to the home folder, outside it but inside the throwaway directory. */
let outside = '';

before(async () => {
  home = await createHome({
    '.profile': 'export A=1\n',
    '.bash_profile': '. ~/.profile\n',
    '.bashrc': { symlink: '/etc/shadow' },
    'dotfiles/zsh/.zshrc': 'export B=2\n',
    '.zshrc': { symlink: 'dotfiles/zsh/.zshrc' },
    '.zprofile': { symlink: '../../../../../../../../etc/passwd' },
    '.config': { symlink: '../outside/config' },
    '.kshrc': { symlink: '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-home-manager-files/.kshrc' },
    'dotfiles/yashrc': 'export C=3\n',
    '.yashrc': { symlink: '../outside/yashrc-link' },
    '.tcshrc': { symlink: '/etc/profile' },
    '.loop1': { symlink: '.loop2' },
    '.loop2': { symlink: '.loop1' },
    '.elvish': { symlink: 'dotfiles/elvish' },
    'dotfiles/elvish/rc.elv': 'set-env D 4\n',
    'goenv/env': 'GOPROXY=off\n',
    '.ssh/id_rsa': 'not a key\n',
  });
  outside = path.join(path.dirname(home.path), 'outside');
  await fs.mkdir(path.join(outside, 'config', 'fish'), { recursive: true });
  await fs.writeFile(path.join(outside, 'config', 'fish', 'config.fish'), 'set -gx E 5\n');
  await fs.symlink(path.join(home.path, 'dotfiles', 'yashrc'), path.join(outside, 'yashrc-link'));

  const inHome = (name: string) => path.join(home.path, name);
  const goEnvFile = inHome('goenv/env');
  report = scanReport(home.path, [
    context('bash-login', [startupFile('/etc/profile'), startupFile(inHome('.bash_profile')), startupFile(inHome('.profile'), 'skipped')], goEnvFile),
    context('dash-login', [startupFile('/etc/profile'), startupFile(inHome('.profile'))], goEnvFile),
    context('zsh-login', [startupFile(inHome('.zshrc')), startupFile(inHome('.zprofile'))], 'off'),
    context('mksh-login', [startupFile(inHome('.mkshrc'), 'missing')], 'relative/env'),
    context('misc-login', STARTUP_NAMES.map((name) => startupFile(inHome(name)))),
  ]);
});

after(async () => {
  await home.remove();
});

/** Asserts that the request is rejected with exactly this message. */
async function assertRejected(requested: string, message: string, scan: ScanReport | null = report): Promise<void> {
  await assert.rejects(resolveEditTarget(requested, scan, home.path), (error: unknown) => {
    assert.ok(error instanceof ApiRequestError, `expected an ApiRequestError, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  });
}

const LINK_RULE = () =>
  `A link may only lead to a file inside the home folder ${home.path}, under /nix/store, or to another ` +
  'startup file or Go env file of the latest scan';

const NOT_IN_SET = (file: string) =>
  `cannot edit ${file}: it is not a startup file or Go env file of the latest scan. Only the files the ` +
  'scanned shells read at startup (such as ~/.profile or ~/.bashrc) and Go env files can be edited; scan ' +
  'again if the file was added since';

describe('edit scope: malformed paths', () => {
  test('relative paths are rejected', async () => {
    for (const requested of ['.bashrc', '../.bashrc', '~/.bashrc', './x']) {
      await assertRejected(
        requested,
        `cannot edit ${JSON.stringify(requested)}: the path is relative; give the absolute path as the scan lists it`,
      );
    }
  });

  test('dot parts are rejected', async () => {
    const requests = [
      `${home.path}/../../etc/passwd`,
      `${home.path}/./.profile`,
      `${home.path}//.profile`,
      `${home.path}/dotfiles/../.profile`,
      `${home.path}/.profile/..`,
    ];
    for (const requested of requests) {
      await assertRejected(
        requested,
        `cannot edit ${JSON.stringify(requested)}: the path contains . or .. parts or repeated slashes; ` +
          'give the absolute path as the scan lists it',
      );
    }
  });

  test('NUL byte is rejected', async () => {
    const requested = `${home.path}/.profile\0/etc/shadow`;
    await assertRejected(requested, `cannot edit ${JSON.stringify(requested)}: the path contains a NUL byte`);
  });

  test('request before any scan', async () => {
    await assertRejected(
      `${home.path}/.profile`,
      `cannot edit ${home.path}/.profile: no scan has run yet; scan first, then open a file to edit`,
      null,
    );
  });
});

describe('edit scope: the allowed set', () => {
  test('paths outside the set are rejected', async () => {
    const requests = ['/etc/shadow', '/etc/passwd', `${home.path}/.ssh/id_rsa`, `${home.path}/.profile/`, '/'];
    for (const requested of requests) await assertRejected(requested, NOT_IN_SET(requested));
  });

  test('regular startup file is allowed', async () => {
    const target = await resolveEditTarget(`${home.path}/.profile`, report, home.path);
    // bash-login skips ~/.profile because ~/.bash_profile exists, so editing it does not change bash.
    assert.deepEqual(target, { path: `${home.path}/.profile`, kind: 'startup', contextIds: ['dash-login'] });
  });

  test('system startup file is allowed', async () => {
    const target = await resolveEditTarget('/etc/profile', report, home.path);
    assert.deepEqual(target.contextIds, ['bash-login', 'dash-login']);
    assert.equal(target.kind, 'startup');
  });

  test('missing startup file is allowed', async () => {
    const target = await resolveEditTarget(`${home.path}/.mkshrc`, report, home.path);
    assert.deepEqual(target, { path: `${home.path}/.mkshrc`, kind: 'startup', contextIds: ['mksh-login', 'misc-login'] });
  });

  test('Go env file is allowed', async () => {
    const target = await resolveEditTarget(`${home.path}/goenv/env`, report, home.path);
    assert.deepEqual(target, { path: `${home.path}/goenv/env`, kind: 'go-env', contextIds: ['bash-login', 'dash-login'] });
  });

  test('relative GOENV is not resolved', async () => {
    // mksh-login's GOENV is "relative/env", which the editor does not resolve against any folder.
    const resolved = path.resolve('relative/env');
    await assertRejected(resolved, NOT_IN_SET(resolved));
  });
});

describe('edit scope: symbolic links', () => {
  test('link to a system file is rejected', async () => {
    await assertRejected(
      `${home.path}/.bashrc`,
      `cannot edit ${home.path}/.bashrc: it is a symbolic link to /etc/shadow, which is outside the home folder. ` +
        LINK_RULE(),
    );
  });

  test('relative link climbing out is rejected', async () => {
    await assertRejected(
      `${home.path}/.zprofile`,
      `cannot edit ${home.path}/.zprofile: it is a symbolic link to /etc/passwd, which is outside the home folder. ` +
        LINK_RULE(),
    );
  });

  test('linked parent folder outside is rejected', async () => {
    await assertRejected(
      `${home.path}/.config/fish/config.fish`,
      `cannot edit ${home.path}/.config/fish/config.fish: the folder ${home.path}/.config is a symbolic link to ` +
        `${outside}/config, which is outside the home folder. ${LINK_RULE()}`,
    );
  });

  test('link passing through outside is rejected', async () => {
    // The link's final target is inside the home, but a link outside it could be changed later.
    await assertRejected(
      `${home.path}/.yashrc`,
      `cannot edit ${home.path}/.yashrc: it is a symbolic link to ${outside}/yashrc-link, which is outside ` +
        `the home folder. ${LINK_RULE()}`,
    );
  });

  test('link loop is rejected', async () => {
    await assertRejected(
      `${home.path}/.loop1`,
      `cannot edit ${home.path}/.loop1: following its symbolic links takes more than 40 steps, which usually ` +
        `means two links point at each other (ls -l ${home.path}/.loop1 shows the first)`,
    );
  });

  test('name starting with two dots stays inside', async () => {
    const dotted = await createHome({ '..hidden/rc': 'export A=1\n', '.rc': { symlink: '..hidden/rc' } });
    try {
      const dottedReport = scanReport(dotted.path, [context('bash-login', [startupFile(`${dotted.path}/.rc`)])]);
      const target = await resolveEditTarget(`${dotted.path}/.rc`, dottedReport, dotted.path);
      assert.deepEqual(target.contextIds, ['bash-login']);
    } finally {
      await dotted.remove();
    }
  });

  test('stow link inside home is allowed', async () => {
    const target = await resolveEditTarget(`${home.path}/.zshrc`, report, home.path);
    assert.deepEqual(target, { path: `${home.path}/.zshrc`, kind: 'startup', contextIds: ['zsh-login'] });
  });

  test('linked parent folder inside home is allowed', async () => {
    const target = await resolveEditTarget(`${home.path}/.elvish/rc.elv`, report, home.path);
    assert.deepEqual(target.contextIds, ['misc-login']);
  });

  test('home-manager link to /nix/store is allowed', async () => {
    const target = await resolveEditTarget(`${home.path}/.kshrc`, report, home.path);
    assert.equal(target.kind, 'startup');
  });

  test('link to another allowed file is allowed', async () => {
    const target = await resolveEditTarget(`${home.path}/.tcshrc`, report, home.path);
    assert.deepEqual(target.contextIds, ['misc-login']);
  });

  test('home folder reached through a link', async () => {
    // Like /home being a link to another disk: the link sits above the home folder.
    const parent = path.dirname(home.path);
    await fs.symlink(parent, path.join(parent, 'disk-link'));
    const linkedHome = path.join(parent, 'disk-link', path.basename(home.path));
    const linkedReport = scanReport(linkedHome, [
      context('bash-login', [startupFile(`${linkedHome}/.zshrc`), startupFile(`${linkedHome}/.bashrc`)]),
    ]);
    const target = await resolveEditTarget(`${linkedHome}/.zshrc`, linkedReport, linkedHome);
    assert.equal(target.path, `${linkedHome}/.zshrc`);
    await assert.rejects(
      resolveEditTarget(`${linkedHome}/.bashrc`, linkedReport, linkedHome),
      /it is a symbolic link to \/etc\/shadow, which is outside the home folder/,
    );
  });
});

describe('edit scope: as a normal user', { skip: TEST_USER ? false : 'needs root to switch to the test user' }, () => {
  test('unreadable folder is rejected', async () => {
    const user = TEST_USER!;
    const userHome = await createHome({ 'locked/rc': 'export A=1\n' }, { owner: user });
    try {
      await fs.chmod(path.join(userHome.path, 'locked'), 0o000);
      const userReport = scanReport(userHome.path, [context('bash-login', [startupFile(`${userHome.path}/locked/rc`)])]);
      const script = path.join(path.dirname(userHome.path), 'resolve.ts');
      await fs.writeFile(
        script,
        `import { resolveEditTarget } from ${JSON.stringify(path.resolve('src-main/engine/files/edit-scope.ts'))};\n` +
          `const [file, report, home] = JSON.parse(process.argv[2]);\n` +
          'resolveEditTarget(file, report, home).then((target) => console.log(JSON.stringify(target)), ' +
          '(error) => console.log(JSON.stringify({ error: error.message })));\n',
      );
      await fs.chmod(path.dirname(userHome.path), 0o755);
      await fs.chmod(script, 0o644);
      const run = () =>
        JSON.parse(
          execFileSync(
            asTestUser(user)[0]!,
            [
              ...asTestUser(user).slice(1),
              process.execPath,
              '--import',
              'tsx',
              script,
              JSON.stringify([`${userHome.path}/locked/rc`, userReport, userHome.path]),
            ],
            { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: userHome.path } },
          ),
        ) as { error?: string };
      assert.deepEqual(run(), {
        error:
          `cannot edit ${userHome.path}/locked/rc: permission denied while looking up ${userHome.path}/locked/rc; ` +
          'open it as a user who can read that folder',
      });
      // Root reads any folder, so the same request succeeds for root.
      const asRoot = await resolveEditTarget(`${userHome.path}/locked/rc`, userReport, userHome.path);
      assert.deepEqual(asRoot.contextIds, ['bash-login']);
    } finally {
      await userHome.remove();
    }
  });
});
