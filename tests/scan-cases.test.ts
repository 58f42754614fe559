/**
 * Cases where Go is visible in some sessions and missing in others, checked through the real
 * `scan --json`: real bash, zsh, fish and dash in pseudo-terminals, real startup files in a
 * throwaway HOME, and real Go installations. Every case runs as root and as an unprivileged user.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';

import type { GoCandidate, ScanContext, ScanReport } from '../src-main/shared/scan-report.ts';
import {
  C01,
  C03,
  C09,
  C09_MIRROR,
  C10,
  DEFAULT_GOPROXY,
  GO_INSTALLS,
  type StartupCase,
} from './fixtures/cases.ts';
import { scanJson } from './helpers/run-cli.ts';
import { goVersionOf, systemLoginPath } from './helpers/system-facts.ts';
import { USER_VARIANTS, type UserVariant } from './helpers/test-user.ts';
import { cleanEnvironment, createHome } from './helpers/throwaway-home.ts';

/** The shells probed here; the others would only make each scan slower. */
const SHELLS = ['bash', 'zsh', 'fish', 'dash'];

/** Every context a scan of SHELLS reports, sorted. */
const EXPECTED_CONTEXT_IDS = [
  'bash-login',
  'bash-non-login',
  'dash-login',
  'dash-non-login',
  'desktop',
  'fish-login',
  'fish-non-login',
  'script',
  'zsh-login',
  'zsh-non-login',
];

const GO122_VERSION = goVersionOf(GO_INSTALLS.go122.binary);
const GO123_VERSION = goVersionOf(GO_INSTALLS.go123.binary);
const TARBALL_VERSION = goVersionOf(GO_INSTALLS.tarball.binary);

interface CaseScan {
  home: string;
  report: ScanReport;
  /** PATH that /etc/profile gives a login shell of this user. */
  loginPath: string;
  context(id: string): ScanContext;
}

/** Builds the case's home for the variant's user, scans it and checks every context started. */
async function scanCase(
  t: TestContext,
  setup: StartupCase,
  variant: UserVariant,
): Promise<CaseScan> {
  const home = await createHome(setup.files, { owner: variant.user });
  t.after(() => home.remove());
  const shellArgs = SHELLS.flatMap((name) => ['--shell', name]);
  const report = await scanJson(shellArgs, cleanEnvironment(home.path), { user: variant.user });

  assert.equal(report.host.uid, variant.uid, `${setup.id}: the scan ran as the wrong user`);
  const ids = report.contexts.map((context) => context.id).sort();
  assert.deepEqual(ids, EXPECTED_CONTEXT_IDS, `${setup.id}: unexpected set of contexts`);
  for (const context of report.contexts) {
    assert.equal(context.ok, true, `${setup.id}: ${context.id} failed: ${context.error?.message}`);
  }
  return {
    home: home.path,
    report,
    loginPath: systemLoginPath(variant.user),
    context: (id) => report.contexts.find((context) => context.id === id)!,
  };
}

/** Asserts that a context has no `go` on PATH at all. */
function assertNoGo(context: ScanContext): void {
  assert.equal(context.go?.path, null, `${context.id}: go.path`);
  assert.deepEqual(context.go?.candidates, [], `${context.id}: go.candidates`);
  assert.equal(context.go?.version, null, `${context.id}: go.version`);
  assert.equal(context.go?.env, null, `${context.id}: go.env`);
}

/** Asserts which go a context runs and the version and root that go reports. */
function assertGo(
  context: ScanContext,
  expected: { path: string; version: string; goroot: string },
): void {
  assert.equal(context.go?.path, expected.path, `${context.id}: go.path`);
  assert.equal(context.go?.version, expected.version, `${context.id}: go.version`);
  assert.equal(context.go?.error, null, `${context.id}: go.error`);
  assert.equal(context.go?.env?.GOROOT, expected.goroot, `${context.id}: go.env.GOROOT`);
}

test('fixture Go installations have the expected release lines', () => {
  assert.match(GO122_VERSION, /^go1\.22\.\d+$/);
  assert.match(GO123_VERSION, /^go1\.23\.\d+$/);
  assert.match(TARBALL_VERSION, /^go1\.(2[4-9]|[3-9]\d)\.\d+$/);
});

for (const variant of USER_VARIANTS) {
  describe(`startup-file cases ${variant.name}`, { skip: variant.skip }, () => {
    test('C01: GOPATH and go reach bash terminals only', async (t) => {
      const scan = await scanCase(t, C01, variant);
      const gopath = `${scan.home}/work/go`;
      const goFirst = `${GO_INSTALLS.go123.goroot}/bin:${gopath}/bin`;
      const go123 = {
        path: GO_INSTALLS.go123.binary,
        version: GO123_VERSION,
        goroot: GO_INSTALLS.go123.goroot,
      };

      const bashLogin = scan.context('bash-login');
      assert.equal(bashLogin.env.GOPATH, gopath);
      assert.equal(bashLogin.env.PATH, `${goFirst}:${scan.loginPath}`);
      assertGo(bashLogin, go123);
      assert.equal(bashLogin.go?.env?.GOPATH, gopath);

      const bashTab = scan.context('bash-non-login');
      assert.equal(bashTab.env.GOPATH, gopath);
      assert.equal(bashTab.env.PATH, `${goFirst}:/usr/bin:/bin`);
      assertGo(bashTab, go123);
      assert.equal(bashTab.go?.env?.GOPATH, gopath);

      // dash reads ~/.profile at login, but BASH_VERSION is unset there, so ~/.bashrc is skipped.
      assert.equal(scan.context('dash-login').env.PATH, scan.loginPath);
      for (const context of scan.report.contexts) {
        if (context.shell === 'bash') continue;
        assert.equal(context.env.GOPATH, undefined, `${context.id}: env.GOPATH`);
        assertNoGo(context);
      }
    });

    test('C03: bash login misses go that dash login finds', async (t) => {
      const scan = await scanCase(t, C03, variant);
      const gopath = `${scan.home}/work/go`;

      const bashLogin = scan.context('bash-login');
      assert.equal(bashLogin.env.PATH, `${scan.home}/.local/bin:${scan.loginPath}`);
      assert.equal(bashLogin.env.GOPATH, undefined);
      assertNoGo(bashLogin);

      const dashLogin = scan.context('dash-login');
      assert.equal(dashLogin.env.GOPATH, gopath);
      assert.equal(
        dashLogin.env.PATH,
        `${scan.loginPath}:${GO_INSTALLS.tarball.goroot}/bin:${gopath}/bin`,
      );
      assertGo(dashLogin, {
        path: GO_INSTALLS.tarball.binary,
        version: TARBALL_VERSION,
        goroot: GO_INSTALLS.tarball.goroot,
      });
      assert.equal(dashLogin.go?.env?.GOPATH, gopath);

      for (const context of scan.report.contexts) {
        if (context.id === 'dash-login') continue;
        assert.equal(context.env.GOPATH, undefined, `${context.id}: env.GOPATH`);
        assertNoGo(context);
      }
    });

    test('C09: unexported GOPROXY never reaches go', async (t) => {
      const scan = await scanCase(t, C09, variant);
      const go122 = {
        path: GO_INSTALLS.go122.binary,
        version: GO122_VERSION,
        goroot: GO_INSTALLS.go122.goroot,
      };

      const bashTab = scan.context('bash-non-login');
      assertGo(bashTab, go122);
      assert.equal('GOPROXY' in bashTab.env, false, 'bash-non-login: GOPROXY is in env');
      assert.equal(bashTab.go?.env?.GOPROXY, DEFAULT_GOPROXY);

      // The contrast: ~/.zshrc exports the same value, and zsh -l -i reads ~/.zshrc too.
      for (const id of ['zsh-login', 'zsh-non-login']) {
        const zsh = scan.context(id);
        assertGo(zsh, go122);
        assert.equal(zsh.env.GOPROXY, C09_MIRROR, `${id}: env.GOPROXY`);
        assert.equal(zsh.go?.env?.GOPROXY, C09_MIRROR, `${id}: go.env.GOPROXY`);
      }

      for (const context of scan.report.contexts) {
        if (context.shell === 'zsh') continue;
        assert.equal(context.env.GOPROXY, undefined, `${context.id}: env.GOPROXY`);
      }
    });

    test('C10: packaged go shadows the appended tarball', async (t) => {
      const scan = await scanCase(t, C10, variant);
      const packagedPath = `${scan.home}/sysbin/go`;
      const expectedCandidates: GoCandidate[] = [
        {
          path: packagedPath,
          realPath: GO_INSTALLS.go122.binary,
          goroot: GO_INSTALLS.go122.goroot,
          version: GO122_VERSION,
        },
        {
          path: GO_INSTALLS.tarball.binary,
          realPath: GO_INSTALLS.tarball.binary,
          goroot: GO_INSTALLS.tarball.goroot,
          version: TARBALL_VERSION,
        },
      ];

      for (const id of ['bash-login', 'dash-login']) {
        const context = scan.context(id);
        assert.equal(
          context.env.PATH,
          `${scan.home}/sysbin:${scan.loginPath}:${GO_INSTALLS.tarball.goroot}/bin`,
          `${id}: env.PATH`,
        );
        assertGo(context, {
          path: packagedPath,
          version: GO122_VERSION,
          goroot: GO_INSTALLS.go122.goroot,
        });
        assert.deepEqual(context.go?.candidates, expectedCandidates, `${id}: go.candidates`);
      }

      for (const context of scan.report.contexts) {
        if (context.id === 'bash-login' || context.id === 'dash-login') continue;
        assertNoGo(context);
      }
    });
  });
}
