/**
 * Checks that every context of a full scan reports inherited values byte for byte, whatever the
 * shell and mode, and that the probe's own guard variables never show up as the user's. Each
 * scan starts every installed shell in both modes in real pseudo-terminals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { ScanContext, ScanReport } from '../src-main/shared/scan-report.ts';
import { scanJson } from './helpers/run-cli.ts';
import { USER_VARIANTS } from './helpers/test-user.ts';
import { cleanEnvironment, createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

/** Shells this machine is expected to have; a scan that misses one would test less silently. */
const INSTALLED_SHELLS = [
  'bash',
  'dash',
  'elvish',
  'fish',
  'ksh93',
  'mksh',
  'posh',
  'tcsh',
  'xonsh',
  'yash',
  'zsh',
];

/** A 100 KiB value whose every 16-character block is numbered, so a cut or a shift shows. */
const LARGE_VALUE = Array.from(
  { length: (100 * 1024) / 16 },
  (_, index) => `[${String(index).padStart(5, '0')}] 01234567`,
).join('');

/** Values the CLI starts with, which every context inherits unchanged. */
const SPECIAL_VALUES: Record<string, string> = {
  GEL_NEWLINES: 'first line\nsecond line\r\n\nfourth line\n',
  GEL_TABS: '\tleading\tinner\t\ttrailing\t',
  GEL_METACHARACTERS: 'a=b c;$(x) `id` $HOME ${PATH} \'single\' "double" \\ | & > < * ? ~ # ! %',
  GEL_NON_ASCII: 'héllo wörld ✓ 日本',
  GEL_EMPTY: '',
  GEL_SPACES: '  padded on both sides  ',
  GEL_LARGE: LARGE_VALUE,
};

/** The names the probe sets in every shell's environment to keep the shell from side effects. */
const GUARD_NAMES = ['HISTFILE', 'DISABLE_AUTO_UPDATE', 'XONSH_HISTORY_BACKEND', 'fish_history'];

/**
 * Startup files that assign guard names without exporting them, the common form. A real terminal
 * exports none of these. yash gets no ~/.yashrc, so its default setup assigns HISTFILE.
 */
const PLAIN_GUARD_ASSIGNMENTS = {
  '.profile': 'HISTFILE="$HOME/.sh_history"\n',
  '.bashrc': 'HISTFILE="$HOME/.bash_history_custom"\n',
  '.zshrc': 'HISTFILE="$HOME/.zsh_history"\nDISABLE_AUTO_UPDATE="true"\n',
  '.kshrc': 'HISTFILE="$HOME/.ksh_history"\n',
  '.mkshrc': 'HISTFILE="$HOME/.mksh_history"\n',
  '.config/fish/config.fish': 'set -g fish_history gel_custom\n',
};

/** Describes where two strings first differ, so a failure on a 100 KiB value stays readable. */
function firstDifference(actual: string | undefined, expected: string): string {
  if (actual === undefined) return 'missing';
  let index = 0;
  while (index < actual.length && actual[index] === expected[index]) index += 1;
  const show = (text: string) => JSON.stringify(text.slice(index, index + 40));
  return (
    `length ${actual.length} instead of ${expected.length}, first difference at ${index}: ` +
    `${show(actual)} instead of ${show(expected)}`
  );
}

function probedContexts(report: ScanReport): ScanContext[] {
  return report.contexts.filter((context) => context.error?.code !== 'not-applicable');
}

for (const variant of USER_VARIANTS) {
  describe(`capture fidelity ${variant.name}`, { skip: variant.skip }, () => {
    let home: ThrowawayHome;
    let report: ScanReport;

    before(async () => {
      home = await createHome(PLAIN_GUARD_ASSIGNMENTS, { owner: variant.user });
      const environment = cleanEnvironment(home.path, SPECIAL_VALUES);
      report = await scanJson([], environment, { user: variant.user });
    });
    after(() => home?.remove());

    test('full scan probes both modes of every shell', () => {
      const supported = report.shells.filter((shell) => shell.supported).map((shell) => shell.name);
      for (const name of INSTALLED_SHELLS) {
        assert.ok(supported.includes(name), `${name} is not among the scanned shells`);
      }
      const expectedIds = [
        ...supported.flatMap((name) => [`${name}-login`, `${name}-non-login`]),
        'desktop',
        'script',
      ].sort();
      assert.deepEqual(report.contexts.map((context) => context.id).sort(), expectedIds);

      const notApplicable = report.contexts
        .filter((context) => context.error?.code === 'not-applicable')
        .map((context) => context.id);
      assert.deepEqual(notApplicable, ['elvish-login']);
      for (const context of probedContexts(report)) {
        assert.equal(context.ok, true, `${context.id} failed: ${context.error?.message}`);
      }
    });

    test('inherited values survive byte for byte', async (t) => {
      for (const context of probedContexts(report)) {
        await t.test(context.id, () => {
          for (const [name, expected] of Object.entries(SPECIAL_VALUES)) {
            const actual = context.env[name];
            assert.ok(
              actual === expected,
              `${context.id}: ${name} changed: ${firstDifference(actual, expected)}`,
            );
          }
          assert.deepEqual(context.envRaw, {}, `${context.id}: envRaw lists valid UTF-8 values`);
        });
      }
    });

    test('unset guard variables stay out of env', () => {
      const leaks: Record<string, string[]> = {};
      for (const context of probedContexts(report)) {
        const leaked = GUARD_NAMES.filter((name) => name in context.env);
        if (leaked.length > 0) {
          leaks[context.id] = leaked.map((name) => `${name}=${JSON.stringify(context.env[name])}`);
        }
      }
      assert.deepEqual(leaks, {}, 'contexts report probe guard variables the user never exported');
    });
  });

  describe(`inherited guard variables ${variant.name}`, { skip: variant.skip }, () => {
    let home: ThrowawayHome;
    let report: ScanReport;
    let inherited: Record<string, string>;

    before(async () => {
      home = await createHome({}, { owner: variant.user });
      inherited = {
        HISTFILE: `${home.path}/.inherited_history`,
        DISABLE_AUTO_UPDATE: 'false',
        XONSH_HISTORY_BACKEND: 'json',
        fish_history: 'gel_inherited',
      };
      report = await scanJson([], cleanEnvironment(home.path, inherited), { user: variant.user });
    });
    after(() => home?.remove());

    test('inherited guard values are reported', () => {
      for (const context of probedContexts(report)) {
        assert.equal(context.ok, true, `${context.id} failed: ${context.error?.message}`);
        // Without ~/.yashrc, yash's default setup assigns HISTFILE, and the inherited variable is
        // exported, so a real yash terminal exports the new value.
        const expected = context.shell?.startsWith('yash')
          ? { ...inherited, HISTFILE: `${home.path}/.yash_history` }
          : inherited;
        for (const name of GUARD_NAMES) {
          assert.equal(context.env[name], expected[name], `${context.id}: ${name}`);
        }
      }
    });
  });
}
