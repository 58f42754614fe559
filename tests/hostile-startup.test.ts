/**
 * Scans of throwaway homes whose startup files try to hang, flood, escape or break a probe: a
 * `read` from the terminal, `exec tmux`, `exec zsh`, detached sleepers, 50 MB of output, `exit 3`,
 * invalid UTF-8. Each scan must end soon after its deadline, report the affected context with a
 * precise error, leave the other contexts intact, and leave no process behind. Everything runs
 * through the real command line. The cases that start processes run as root and again as the
 * unprivileged test user, whose processes the supervisor kills without root's rights.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { MAX_OUTPUT_BYTES } from '../src-main/engine/probe/limits.ts';
import type { ScanContext, ScanReport } from '../src-main/shared/scan-report.ts';
import { CLI, runCli, scanJson } from './helpers/run-cli.ts';
import { asTestUser, type TestUser } from './helpers/test-user.ts';
import {
  cleanEnvironment,
  createHome,
  TEST_USER,
  type ThrowawayHome,
} from './helpers/throwaway-home.ts';

/** Deadline of every scan, in seconds. It is short because most cases end long before it. */
const DEADLINE_SECONDS = 3;

/**
 * Time a whole scan may take beyond the deadline, in milliseconds: starting Node and tsx,
 * finding the shells and asking their versions, and stopping the probes. It is a bound on
 * correctness, not a performance target: a probe that ignored its deadline, or whose cleanup
 * ran into the engine's 3 s grace, exceeds it. In one run of this file on a 2-core machine with
 * a load average of 2.5 to 4.5, timed-out scans ended at most 0.6 s after their deadline.
 */
const SCAN_OVERHEAD_MS = 3_000;

/**
 * Time the supervisor may take to kill everything after the engine is killed, in milliseconds.
 * Its kill loop gives up after 2 s, and SIGKILL normally ends a sleeper within milliseconds.
 */
const ORPHAN_CLEANUP_MS = 2_500;

/** Time allowed for the killed scan's sleepers to start, in milliseconds. */
const SLEEPER_START_MS = 15_000;

/** Bytes of `x` a startup file prints in the flood case. */
const FLOOD_BYTES = 10_000_000;

const TIMEOUT_MESSAGE = `the shell did not finish starting within ${DEADLINE_SECONDS} s`;

/** The message of a shell that exited early, whose trace ends with `lastCommand` at `where`. */
function exitedEarlyMessage(code: number, where: string, lastCommand: string): string {
  return (
    `the shell exited with code ${code} before its startup files finished, ` +
    `so its environment is unknown; the last command it ran was ${where} (\`${lastCommand}\`)`
  );
}

/** What one context of a scan must report. */
type Expectation =
  | { ok: true; env?: Record<string, string>; absent?: string[] }
  | { ok: false; code: 'timeout' | 'exited-early'; message: string };

interface HostileCase {
  name: string;
  shell: string;
  /** Startup files; `{TOKEN}` is replaced by a marker unique to the run of the case. */
  files: Record<string, string>;
  expected: Record<string, Expectation>;
  /** True when the startup files start processes that could outlive the probe. */
  startsProcesses: boolean;
  check?: (report: ScanReport) => void;
}

/** The contexts every scan has besides the shell's own, which no startup file may affect. */
const SESSION_CONTEXTS: Record<string, Expectation> = {
  desktop: { ok: true, absent: ['FROM_PROFILE', 'FROM_BASHRC', 'AFTER_HOSTILE'] },
  script: { ok: true, absent: ['FROM_PROFILE', 'FROM_BASHRC', 'AFTER_HOSTILE'] },
};

/**
 * Builds a bash case. The hostile lines go into ~/.bashrc, which only the non-login context
 * reads, between two exports that show how far the file got. ~/.bash_profile does not source it.
 */
function bashCase(
  name: string,
  hostile: string,
  nonLogin: Expectation,
  options: { startsProcesses: boolean; check?: HostileCase['check'] },
): HostileCase {
  return {
    name,
    shell: 'bash',
    files: {
      '.bash_profile': 'export FROM_PROFILE=yes\n',
      '.bashrc': `export FROM_BASHRC=yes\n${hostile}\nexport AFTER_HOSTILE=yes\n`,
    },
    expected: {
      'bash-login': {
        ok: true,
        env: { FROM_PROFILE: 'yes' },
        absent: ['FROM_BASHRC', 'AFTER_HOSTILE'],
      },
      'bash-non-login': nonLogin,
      ...SESSION_CONTEXTS,
    },
    ...options,
  };
}

/**
 * Adds a wait until the sleeper runs as `sleep 300.TOKEN`, that is after nohup, setsid or the
 * subshell has detached it, so the probe ends while the sleeper is already out of reach.
 */
function detached(start: string): string {
  return `${start}\nuntil pgrep -fx "sleep 300.{TOKEN}" >/dev/null; do sleep 0.05; done`;
}

const bashrcFinished: Expectation = {
  ok: true,
  env: { FROM_BASHRC: 'yes', AFTER_HOSTILE: 'yes' },
  absent: ['FROM_PROFILE'],
};

const CASES: HostileCase[] = [
  bashCase('bash read -p gets end-of-file', 'read -p "Continue? " answer', bashrcFinished, {
    startsProcesses: false,
  }),
  {
    name: 'zsh read -q times out',
    shell: 'zsh',
    files: {
      '.zprofile': 'export FROM_PROFILE=yes\nread -q "?Update? [Y/n] "\n',
      '.zshrc': 'export FROM_ZSHRC=yes\n',
    },
    expected: {
      'zsh-login': {
        ok: false,
        code: 'timeout',
        message:
          `${TIMEOUT_MESSAGE}: ~/.zprofile:2 is waiting for input (\`read -q '?Update? [Y/n] '\`). ` +
          'Its last output was "Update? [Y/n]"',
      },
      'zsh-non-login': { ok: true, env: { FROM_ZSHRC: 'yes' }, absent: ['FROM_PROFILE'] },
      ...SESSION_CONTEXTS,
    },
    startsProcesses: false,
  },
  {
    name: 'fish read -P gets end-of-file',
    shell: 'fish',
    files: {
      '.config/fish/config.fish': [
        'set -gx FROM_CONFIG yes',
        'if status is-login',
        '  read -P "Name? " name',
        '  set -gx AFTER_HOSTILE yes',
        'end',
        '',
      ].join('\n'),
    },
    expected: {
      'fish-login': { ok: true, env: { FROM_CONFIG: 'yes', AFTER_HOSTILE: 'yes' } },
      'fish-non-login': { ok: true, env: { FROM_CONFIG: 'yes' }, absent: ['AFTER_HOSTILE'] },
      ...SESSION_CONTEXTS,
    },
    startsProcesses: false,
  },
  bashCase(
    'exec tmux exits early',
    'exec tmux',
    { ok: false, code: 'exited-early', message: exitedEarlyMessage(1, '~/.bashrc:2', 'exec tmux') },
    { startsProcesses: true },
  ),
  bashCase(
    'exec zsh exits early',
    'exec zsh',
    { ok: false, code: 'exited-early', message: exitedEarlyMessage(0, '~/.bashrc:2', 'exec zsh') },
    { startsProcesses: false },
  ),
  bashCase('background sleeper', detached('sleep 300.{TOKEN} &'), bashrcFinished, {
    startsProcesses: true,
  }),
  bashCase('nohup sleeper', detached('nohup sleep 300.{TOKEN} >/dev/null 2>&1 &'), bashrcFinished, {
    startsProcesses: true,
  }),
  bashCase('setsid sleeper', detached('setsid sleep 300.{TOKEN} &'), bashrcFinished, {
    startsProcesses: true,
  }),
  bashCase('double-forked sleeper', detached('(sleep 300.{TOKEN} &)'), bashrcFinished, {
    startsProcesses: true,
  }),
  bashCase(
    'sleeper ignoring SIGTERM and SIGHUP',
    detached("(trap '' TERM HUP; exec setsid sleep 300.{TOKEN}) &"),
    bashrcFinished,
    { startsProcesses: true },
  ),
  bashCase(
    'foreground sleep times out',
    'echo "waiting for the license server"\nsleep 300.{TOKEN}',
    {
      ok: false,
      code: 'timeout',
      message:
        `${TIMEOUT_MESSAGE}: ~/.bashrc:3 was still running \`sleep 300.{TOKEN}\`. ` +
        'Its last output was "waiting for the license server"',
    },
    { startsProcesses: true },
  ),
  bashCase(
    'terminal kept busy after the capture',
    "yes flood-{TOKEN} &\ntrap 'yes exit-flood-{TOKEN}' EXIT",
    bashrcFinished,
    { startsProcesses: true },
  ),
  bashCase('10 MB of output', `head -c ${FLOOD_BYTES} /dev/zero | tr '\\0' x`, bashrcFinished, {
    startsProcesses: false,
    check: (report) => {
      const context = findContext(report, 'bash-non-login');
      assert.equal(context.outputTruncated, true);
      assert.ok(
        context.output.length <= MAX_OUTPUT_BYTES,
        `output kept ${context.output.length} characters`,
      );
      assert.match(context.output, /x{1000}$/);
    },
  }),
  bashCase(
    'exit 3 exits early',
    'exit 3',
    { ok: false, code: 'exited-early', message: exitedEarlyMessage(3, '~/.bashrc:2', 'exit 3') },
    { startsProcesses: false },
  ),
  bashCase(
    'invalid UTF-8 printed and exported',
    "printf '\\377\\376\\n'\nexport BAD=$(printf '\\377\\376')",
    { ok: true, env: { FROM_BASHRC: 'yes', AFTER_HOSTILE: 'yes', BAD: '\ufffd\ufffd' } },
    {
      startsProcesses: false,
      check: (report) => {
        const context = findContext(report, 'bash-non-login');
        assert.deepEqual(context.envRaw, { BAD: Buffer.from([0xff, 0xfe]).toString('base64') });
        assert.deepEqual(findContext(report, 'bash-login').envRaw, {});
      },
    },
  ),
];

const USERS: { label: string; user: TestUser | null }[] = [
  { label: process.getuid?.() === 0 ? 'root' : 'current user', user: null },
  ...(TEST_USER ? [{ label: 'test user', user: TEST_USER }] : []),
];

const homes: ThrowawayHome[] = [];
after(async () => {
  await Promise.all(homes.map((home) => home.remove()));
});

async function newHome(
  files: Record<string, string>,
  user: TestUser | null,
): Promise<ThrowawayHome> {
  const home = await createHome(files, { owner: user });
  homes.push(home);
  return home;
}

/** Returns a marker made of digits, so it can be the fraction of a `sleep` duration. */
function newToken(): string {
  return `${randomInt(1e8, 1e9)}${randomInt(1e8, 1e9)}`;
}

function findContext(report: ScanReport, id: string): ScanContext {
  const context = report.contexts.find((candidate) => candidate.id === id);
  const ids = report.contexts.map((candidate) => candidate.id);
  assert.ok(context, `no context ${id} in ${ids.join(', ')}`);
  return context;
}

/** Puts the run's token into an expected error message. */
function withToken(expected: Expectation, token: string): Expectation {
  return expected.ok ? expected : { ...expected, message: expected.message.replaceAll('{TOKEN}', token) };
}

function assertContext(report: ScanReport, id: string, expected: Expectation): void {
  const context = findContext(report, id);
  if (expected.ok) {
    assert.equal(context.error, null, `${id} failed: ${context.error?.message}`);
    assert.equal(context.ok, true, `${id} is not ok`);
    for (const [name, value] of Object.entries(expected.env ?? {})) {
      assert.equal(context.env[name], value, `${id}: ${name}`);
    }
    for (const name of expected.absent ?? []) {
      assert.equal(context.env[name], undefined, `${id}: ${name} should be absent`);
    }
    assert.ok(context.env.PATH, `${id} has no PATH`);
  } else {
    assert.equal(context.ok, false, `${id} is ok`);
    assert.equal(context.error?.code, expected.code, `${id}: error code`);
    assert.equal(context.error?.message, expected.message, `${id}: error message`);
  }
}

/**
 * Lists live processes that a probe of this home left behind: those whose command line contains
 * the token, and those whose environment has the home as HOME, which every process a probe
 * starts inherits unless it clears its environment.
 */
async function processesLeftBehind(token: string, home: string): Promise<string[]> {
  const homeEntry = Buffer.from(`\0HOME=${home}\0`);
  const found: string[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const commandLine = await fs.readFile(`/proc/${entry}/cmdline`).catch(() => null);
    // Zombies and kernel threads have an empty command line.
    if (!commandLine || commandLine.length === 0) continue;
    const environment = await fs.readFile(`/proc/${entry}/environ`).catch(() => Buffer.alloc(0));
    const command = commandLine.toString('latin1').replaceAll('\0', ' ').trim();
    const hasHome = Buffer.concat([Buffer.from('\0'), environment]).includes(homeEntry);
    if (command.includes(token) || hasHome) {
      found.push(`${entry}: ${command}`);
    }
  }
  return found;
}

async function timedScan(
  args: string[],
  environment: Record<string, string>,
  user: TestUser | null,
) {
  const started = performance.now();
  // A scan that hangs is killed at twice its bound, so the test fails instead of waiting.
  const timeoutMs = 2 * (DEADLINE_SECONDS * 1000 + SCAN_OVERHEAD_MS);
  const report = await scanJson(['--deadline', String(DEADLINE_SECONDS), ...args], environment, {
    user,
    timeoutMs,
  });
  return { report, wallMs: performance.now() - started };
}

for (const { label, user } of USERS) {
  describe(`hostile startup files, as ${label}`, () => {
    const cases = CASES.filter((candidate) => user === null || candidate.startsProcesses);
    for (const hostile of cases) {
      test(hostile.name, async (t) => {
        const token = newToken();
        const files = Object.fromEntries(
          Object.entries(hostile.files).map(([name, text]) => [
            name,
            text.replaceAll('{TOKEN}', token),
          ]),
        );
        const home = await newHome(files, user);

        const { report, wallMs } = await timedScan(
          ['--shell', hostile.shell],
          cleanEnvironment(home.path),
          user,
        );

        t.diagnostic(`scan took ${Math.round(wallMs)} ms`);
        assert.ok(
          wallMs < DEADLINE_SECONDS * 1000 + SCAN_OVERHEAD_MS,
          `the scan took ${Math.round(wallMs)} ms with a ${DEADLINE_SECONDS} s deadline`,
        );
        assert.deepEqual(
          report.contexts.map((context) => context.id).sort(),
          Object.keys(hostile.expected).sort(),
        );
        for (const [id, expected] of Object.entries(hostile.expected)) {
          assertContext(report, id, withToken(expected, token));
        }
        hostile.check?.(report);
        assert.deepEqual(await processesLeftBehind(token, home.path), []);
      });
    }

    test('named pipe as ~/.zlogin times out', async (t) => {
      const home = await newHome({ '.zshrc': 'export FROM_ZSHRC=yes\n' }, user);
      // Nothing ever writes to these pipes: opening one for reading waits for good.
      for (const name of ['.zlogin', '.zsh_history', '.bash_history']) {
        execFileSync('mkfifo', [path.join(home.path, name)]);
        if (user) await fs.lchown(path.join(home.path, name), user.uid, user.gid);
      }

      const { report, wallMs } = await timedScan(['--shell', 'zsh'], cleanEnvironment(home.path), user);

      t.diagnostic(`scan took ${Math.round(wallMs)} ms`);
      assert.ok(
        wallMs < DEADLINE_SECONDS * 1000 + SCAN_OVERHEAD_MS,
        `the scan took ${Math.round(wallMs)} ms with a ${DEADLINE_SECONDS} s deadline`,
      );
      assertContext(report, 'zsh-login', {
        ok: false,
        code: 'timeout',
        message:
          `${TIMEOUT_MESSAGE}: ~/.zlogin is a named pipe, not a regular file, and the shell waits at it ` +
          'until another program writes to it (the last command it ran was ~/.zshrc:1, ' +
          '`export FROM_ZSHRC=yes`); replace it with a regular file',
      });
      assertContext(report, 'zsh-non-login', { ok: true, env: { FROM_ZSHRC: 'yes' } });
      // The history guard neither waits at the pipes nor removes them.
      for (const name of ['.zlogin', '.zsh_history', '.bash_history']) {
        const stat = await fs.lstat(path.join(home.path, name));
        assert.equal(stat.isFIFO(), true, `${name} is no longer a named pipe`);
      }
    });

    test('named pipe as ~/.zlogin ends doctor', async () => {
      const home = await newHome({ '.zshrc': 'export FROM_ZSHRC=yes\n' }, user);
      execFileSync('mkfifo', [path.join(home.path, '.zlogin')]);
      if (user) await fs.lchown(path.join(home.path, '.zlogin'), user.uid, user.gid);
      const timeoutMs = 2 * (DEADLINE_SECONDS * 1000 + SCAN_OVERHEAD_MS);

      const result = await runCli(
        ['doctor', '--shell', 'zsh', '--deadline', String(DEADLINE_SECONDS)],
        cleanEnvironment(home.path),
        { user, timeoutMs },
      );

      assert.notEqual(result.code, null, `doctor was killed after ${timeoutMs} ms`);
      assert.match(result.stdout, /zsh, login terminal: the shell did not finish starting within 3 s: ~\/\.zlogin is a named pipe/);
    });

    test('exit in ~/.bashrc not blamed on ~/.bash_logout', async () => {
      // Debian's skeleton files, shortened: ~/.profile sources ~/.bashrc, and a login shell runs
      // ~/.bash_logout when it exits.
      const home = await newHome(
        {
          '.profile': 'if [ -n "$BASH_VERSION" ]; then\n  if [ -f "$HOME/.bashrc" ]; then\n    . "$HOME/.bashrc"\n  fi\nfi\n',
          '.bashrc': 'export FROM_BASHRC=yes\nexit 3\n',
          '.bash_logout': 'if [ "$SHLVL" = 1 ]; then\n    logout_ran=yes\nfi\n',
        },
        user,
      );

      const { report } = await timedScan(['--shell', 'bash'], cleanEnvironment(home.path), user);

      for (const id of ['bash-login', 'bash-non-login']) {
        assertContext(report, id, {
          ok: false,
          code: 'exited-early',
          message: exitedEarlyMessage(3, '~/.bashrc:2', 'exit 3'),
        });
      }
    });

    test('tmux never reaches the user server', async (t) => {
      const token = newToken();
      const home = await newHome(
        {
          '.bashrc':
            `tmux new-session -d -s from-probe "sleep 300.${token}"\n` +
            'export AFTER_HOSTILE=yes\n',
          // A typed probe keeps the terminal as stdin, so here tmux really starts and attaches.
          '.tcshrc': 'exec tmux\n',
        },
        user,
      );
      const userTmux = await startUserTmuxServer(home, user);
      t.after(() => userTmux.stop());

      // Outside tmux, and inside it: there $TMUX names the server's socket directly.
      const outside = { TMUX_TMPDIR: userTmux.directory };
      const inside = { ...outside, TMUX: `${userTmux.socket},${userTmux.pid},0` };
      for (const extra of [outside, inside]) {
        const { report, wallMs } = await timedScan(
          ['--shell', 'bash', '--shell', 'tcsh'],
          cleanEnvironment(home.path, extra),
          user,
        );

        t.diagnostic(`scan took ${Math.round(wallMs)} ms`);
        assert.deepEqual(userTmux.sessions(), ['user-session']);
        assert.deepEqual(await processesLeftBehind(token, home.path), []);
        assert.ok(
          wallMs < DEADLINE_SECONDS * 1000 + SCAN_OVERHEAD_MS,
          `the scan took ${Math.round(wallMs)} ms`,
        );
        // The variables the probe redirected come back as the user had them.
        assertContext(report, 'bash-non-login', {
          ok: true,
          env: { ...extra, AFTER_HOSTILE: 'yes' },
        });
        for (const id of ['tcsh-login', 'tcsh-non-login']) {
          assertContext(report, id, { ok: true, env: { TMUX_TMPDIR: userTmux.directory } });
        }
      }
    });

    test('killed engine leaves no sleeper', async () => {
      const token = newToken();
      // Both bash contexts hang, so no other probe is starting or stopping when the engine dies.
      const home = await newHome(
        {
          '.bash_profile': '. ~/.bashrc\n',
          '.bashrc':
            `setsid sleep 300.${token} &\nnohup sleep 300.${token} >/dev/null 2>&1 &\n` +
            `(sleep 300.${token} &)\nsleep 300.${token}\n`,
        },
        user,
      );
      // Probe directories go here, so the test can see that none is left.
      const temporary = path.join(home.path, 'tmp');
      await fs.mkdir(temporary);
      if (user) await fs.chown(temporary, user.uid, user.gid);

      const command = [...(user ? asTestUser(user) : []), process.execPath, CLI];
      const engine = spawn(
        command[0]!,
        [...command.slice(1), 'scan', '--json', '--deadline', '60', '--shell', 'bash'],
        {
          env: {
            GO_ENV_LENS_BASE_ENV: 'self',
            ...cleanEnvironment(home.path, { TMPDIR: temporary }),
          },
          cwd: home.path,
          stdio: 'ignore',
        },
      );
      const engineExit = new Promise((resolve) => engine.on('exit', resolve));
      try {
        await waitFor(async () => (await sleepersOf(token)).length === 8, SLEEPER_START_MS);
        assert.equal((await sleepersOf(token)).length, 8, 'the sleepers did not all start');
      } finally {
        engine.kill('SIGKILL');
      }
      await engineExit;

      const leftBehind = () => processesLeftBehind(token, home.path);
      await waitFor(async () => (await leftBehind()).length === 0, ORPHAN_CLEANUP_MS);
      assert.deepEqual(await leftBehind(), []);

      const probeDirectories = (await fs.readdir(temporary)).filter((name) =>
        name.startsWith('go-env-lens-probe-'),
      );
      const listings = await Promise.all(
        probeDirectories.map(async (name) => {
          const files = await fs.readdir(path.join(temporary, name));
          return `${name}: ${files.join(', ')}`;
        }),
      );
      assert.deepEqual(listings, []);
    });
  });
}

async function sleepersOf(token: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await fs.readFile(`/proc/${entry}/cmdline`, 'latin1').catch(() => '');
    if (commandLine === `sleep\x00300.${token}\x00`) found.push(entry);
  }
  return found;
}

/** Polls until the condition is true or the time is up. The caller asserts the final state. */
async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const giveUpAt = performance.now() + timeoutMs;
  while (!(await condition()) && performance.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface UserTmuxServer {
  directory: string;
  socket: string;
  pid: number;
  sessions(): string[];
  stop(): void;
}

/**
 * Starts a tmux server that stands for the user's own, with one session, in a directory beside
 * the throwaway home. It runs as the same user as the scan, because tmux rejects clients of
 * other users.
 */
async function startUserTmuxServer(
  home: ThrowawayHome,
  user: TestUser | null,
): Promise<UserTmuxServer> {
  const directory = path.join(path.dirname(home.path), 'user-tmux');
  await fs.mkdir(directory);
  if (user) await fs.chown(directory, user.uid, user.gid);
  const uid = user?.uid ?? process.getuid!();
  const socket = path.join(directory, `tmux-${uid}`, 'default');
  const tmux = (...args: string[]) => {
    const command = [...(user ? asTestUser(user) : []), 'tmux', '-S', socket, ...args];
    return execFileSync(command[0]!, command.slice(1), {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', HOME: directory, TERM: 'xterm' },
    });
  };
  await fs.mkdir(path.dirname(socket), { mode: 0o700 });
  if (user) await fs.chown(path.dirname(socket), user.uid, user.gid);
  tmux('new-session', '-d', '-s', 'user-session', 'sleep 600');
  const pid = Number(tmux('display-message', '-p', '#{pid}').trim());
  return {
    directory,
    socket,
    pid,
    sessions: () => tmux('list-sessions', '-F', '#{session_name}').trim().split('\n').sort(),
    stop: () => void tmux('kill-server'),
  };
}
