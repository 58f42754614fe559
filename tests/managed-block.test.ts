/**
 * The Go Env Lens block in startup files. Insert, update and remove keep every user line byte for
 * byte, and broken markers are rejected with exact messages. Each real shell sources the rendered
 * lines and must export the values byte for byte.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  findManagedBlock,
  ManagedBlockError,
  removeManagedBlock,
  renderAssignment,
  renderPathAppend,
  renderPathPrepend,
  type ShellName,
  upsertManagedBlock,
} from '../src-main/engine/files/managed-block.ts';

const BASE_PATH = '/usr/bin:/bin';

/** Values with every character class that needs quoting somewhere. */
const TRICKY_VALUES: Record<string, string> = {
  GEL_MIXED: `it's "quoted" $HOME \${HOME} \\n \\ ! !! !$ é 日本 \`date\` $(id) ; & | * ? [a] ~ # tab\tend`,
  GEL_EMPTY: '',
  GEL_TRAILING_BACKSLASH: 'C:\\dir\\',
  GEL_QUOTES_ONLY: `'"'"''`,
  GEL_LEADING_TILDE: '~/go',
  GEL_HISTORY: '!-1 !# ^a^b',
  GEL_SPACES: '  two  spaces  ',
};

/** Directories put on PATH: a space, a quote and `!` in the first. */
const FIRST_DIRECTORY = "/opt/first dir/it's!";
const LAST_DIRECTORY = '/opt/last';

interface ShellCase {
  shell: ShellName;
  /** The startup file's name; xonsh sources only files ending in .xsh. */
  fileName: string;
  /** Runs the shell so it sources the file and prints its environment with `env -0`. */
  command: (file: string) => [string, string[]];
  /** Lines of the user's own, in the shell's syntax, before and after the block. */
  userBefore: string;
  userAfter: string;
  /** True when a value with a line break can be written for this shell. */
  lineBreaks: boolean;
}

const posixCommand =
  (shell: string, ...flags: string[]) =>
  (file: string): [string, string[]] => [shell, [...flags, '-c', '. "$1"; /usr/bin/env -0', shell, file]];

const posixCase = (shell: ShellName, lineBreaks: boolean, ...flags: string[]): ShellCase => ({
  shell,
  fileName: 'startup.sh',
  command: posixCommand(shell, ...flags),
  userBefore: `# my settings\nexport GEL_BEFORE='before'\n\n  # indented comment \nalias ll='ls -l'\n`,
  userAfter: `export GEL_AFTER="after:$GEL_MIXED"\n`,
  lineBreaks,
});

const SHELL_CASES: ShellCase[] = [
  posixCase('bash', true, '--noprofile', '--norc'),
  posixCase('zsh', true, '-f'),
  posixCase('dash', false),
  posixCase('posh', false),
  posixCase('ksh93', true),
  posixCase('mksh', true),
  posixCase('yash', false),
  {
    shell: 'fish',
    fileName: 'config.fish',
    command: (file) => ['fish', ['--no-config', '-c', 'source $argv[1]; /usr/bin/env -0', file]],
    userBefore: "# fish settings\nset -gx GEL_BEFORE 'before'\n\nfunction ll; ls -l $argv; end\n",
    userAfter: 'set -gx GEL_AFTER "after:$GEL_MIXED"\n',
    lineBreaks: true,
  },
  {
    shell: 'tcsh',
    fileName: 'cshrc',
    command: (file) => ['tcsh', ['-f', '-c', 'source $argv[1]; /usr/bin/env -0', file]],
    userBefore: "# tcsh settings\nsetenv GEL_BEFORE 'before'\n\nalias ll 'ls -l'\n",
    userAfter: "setenv GEL_AFTER 'after'\n",
    lineBreaks: false,
  },
  {
    shell: 'elvish',
    fileName: 'rc.elv',
    command: (file) => ['elvish', ['-norc', '-c', 'eval (slurp < $args[0]); /usr/bin/env -0', file]],
    userBefore: "# elvish settings\nset-env GEL_BEFORE 'before'\n\nfn ll {|@a| ls -l $@a }\n",
    userAfter: "set-env GEL_AFTER 'after:'$E:GEL_MIXED\n",
    lineBreaks: true,
  },
  {
    shell: 'xonsh',
    fileName: 'rc.xsh',
    command: (file) => ['xonsh', ['--no-rc', '-c', `source ${file}; /usr/bin/env -0`]],
    userBefore: "# xonsh settings\n$GEL_BEFORE = 'before'\n\naliases['ll'] = 'ls -l'\n",
    userAfter: "$GEL_AFTER = 'after:' + __xonsh__.env.get('GEL_MIXED', '')\n",
    lineBreaks: true,
  },
];

let workDirectory = '';

before(async () => {
  workDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'gel-managed-block-'));
});

after(async () => {
  await fs.rm(workDirectory, { recursive: true, force: true });
});

/** Sources `text` in the real shell and returns the exported environment as raw bytes. */
async function sourceInShell(
  shellCase: ShellCase,
  text: string,
  basePath = BASE_PATH,
): Promise<Map<string, Buffer>> {
  const directory = await fs.mkdtemp(path.join(workDirectory, `${shellCase.shell}-`));
  const file = path.join(directory, shellCase.fileName);
  await fs.writeFile(file, text);
  const [program, args] = shellCase.command(file);
  const output = execFileSync(path.join('/usr/bin', program), args, {
    env: {
      HOME: directory,
      PATH: basePath,
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      XONSH_HISTORY_BACKEND: 'dummy',
      XDG_DATA_HOME: directory,
      XDG_CONFIG_HOME: directory,
    },
    cwd: directory,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return parseEnvironment(output);
}

/** Parses the output of `env -0` into names and raw values. */
function parseEnvironment(output: Buffer): Map<string, Buffer> {
  const environment = new Map<string, Buffer>();
  let start = 0;
  for (let index = 0; index < output.length; index++) {
    if (output[index] !== 0) continue;
    const entry = output.subarray(start, index);
    const equals = entry.indexOf(0x3d);
    environment.set(entry.subarray(0, equals).toString('utf8'), Buffer.from(entry.subarray(equals + 1)));
    start = index + 1;
  }
  return environment;
}

function assertExported(environment: Map<string, Buffer>, name: string, expected: string | undefined): void {
  const actual = environment.get(name);
  if (expected === undefined) {
    assert.equal(actual, undefined, `${name} must not be exported`);
    return;
  }
  assert.ok(actual, `${name} is not exported`);
  assert.deepEqual(actual, Buffer.from(expected, 'utf8'), `${name}: got ${JSON.stringify(actual.toString('utf8'))}`);
}

function blockLines(shell: ShellName, values: Record<string, string>): string[] {
  return [
    ...Object.entries(values).map(([name, value]) => renderAssignment(shell, name, value)),
    renderPathPrepend(shell, FIRST_DIRECTORY),
    renderPathAppend(shell, LAST_DIRECTORY),
  ];
}

describe('managed block sourced by real shells', () => {
  for (const shellCase of SHELL_CASES) {
    const { shell } = shellCase;

    test(`${shell}: insert, update and remove round trip`, async () => {
      const original = shellCase.userBefore;

      const inserted = upsertManagedBlock(original, shell, blockLines(shell, TRICKY_VALUES));
      assert.ok(inserted.startsWith(`${original}\n# >>> go-env-lens >>>\n`), 'user lines and one blank line come first');
      assert.ok(inserted.endsWith('# <<< go-env-lens <<<\n'));
      let environment = await sourceInShell(shellCase, inserted);
      for (const [name, value] of Object.entries(TRICKY_VALUES)) assertExported(environment, name, value);
      assertExported(environment, 'PATH', `${FIRST_DIRECTORY}:${BASE_PATH}:${LAST_DIRECTORY}`);
      assertExported(environment, 'GEL_BEFORE', 'before');

      // The user adds lines after the block; an update must keep them and the lines before.
      const withUserAfter = inserted + shellCase.userAfter;
      const updatedValues = { GEL_MIXED: 'second "value" with $ and \\', GEL_ONLY_IN_UPDATE: 'new' };
      const updated = upsertManagedBlock(withUserAfter, shell, blockLines(shell, updatedValues));
      assert.ok(updated.startsWith(`${original}\n# >>> go-env-lens >>>\n`), 'lines before the block changed');
      assert.ok(updated.endsWith(`# <<< go-env-lens <<<\n${shellCase.userAfter}`), 'lines after the block changed');
      assert.deepEqual(findManagedBlock(updated)?.lines, blockLines(shell, updatedValues));
      environment = await sourceInShell(shellCase, updated);
      assertExported(environment, 'GEL_MIXED', updatedValues.GEL_MIXED);
      assertExported(environment, 'GEL_ONLY_IN_UPDATE', 'new');
      assertExported(environment, 'GEL_EMPTY', undefined);
      assertExported(environment, 'PATH', `${FIRST_DIRECTORY}:${BASE_PATH}:${LAST_DIRECTORY}`);
      assertExported(environment, 'GEL_BEFORE', 'before');
      assert.ok(environment.has('GEL_AFTER'), 'the user line after the block did not run');

      const removed = removeManagedBlock(updated);
      assert.equal(removed, original + shellCase.userAfter);
      assert.equal(removeManagedBlock(inserted), original);
      environment = await sourceInShell(shellCase, removed);
      assertExported(environment, 'GEL_MIXED', undefined);
      assertExported(environment, 'PATH', BASE_PATH);
      assertExported(environment, 'GEL_BEFORE', 'before');
    });

    test(`${shell}: PATH changes with empty PATH`, async () => {
      const lines = [renderPathPrepend(shell, FIRST_DIRECTORY), renderPathAppend(shell, LAST_DIRECTORY)];
      // zsh replaces an empty PATH with its default and fish with ".", before any startup file.
      const shellDefault = (await sourceInShell(shellCase, '', '')).get('PATH')?.toString('utf8') ?? '';
      const environment = await sourceInShell(shellCase, upsertManagedBlock('', shell, lines), '');
      const entries = [FIRST_DIRECTORY, ...(shellDefault === '' ? [] : [shellDefault]), LAST_DIRECTORY];
      assertExported(environment, 'PATH', entries.join(':'));
    });

    test(`${shell}: value with line breaks`, async () => {
      const value = 'first line\nsecond\r\nthird \\n literal';
      if (!shellCase.lineBreaks) {
        assert.throws(() => renderAssignment(shell, 'GEL_LINES', value), {
          name: 'ShellValueError',
          message:
            shell === 'tcsh'
              ? 'cannot write GEL_LINES="first line\\nsecond\\r\\nthird \\\\n literal" for tcsh: the value ' +
                'contains a line break, which tcsh cannot read from a one-line setenv. Remove the line break'
              : `cannot write GEL_LINES="first line\\nsecond\\r\\nthird \\\\n literal" for ${shell}: the ` +
                `value contains a line break, which ${shell} cannot read from a one-line assignment. ` +
                'Remove the line break, or write it for bash, zsh, ksh or mksh',
        });
        return;
      }
      const line = renderAssignment(shell, 'GEL_LINES', value);
      assert.doesNotMatch(line, /[\n\r]/, 'the rendered assignment must stay on one line');
      const environment = await sourceInShell(shellCase, upsertManagedBlock('', shell, [line]));
      assertExported(environment, 'GEL_LINES', value);
    });
  }
});

test('tcsh: interactive shell keeps ! values', async () => {
  // History substitution is on in an interactive tcsh, the way a terminal reads ~/.tcshrc.
  const directory = await fs.mkdtemp(path.join(workDirectory, 'tcsh-interactive-'));
  const file = path.join(directory, 'tcshrc');
  const output = path.join(directory, 'environment');
  const values = { GEL_MIXED: TRICKY_VALUES.GEL_MIXED!, GEL_HISTORY: TRICKY_VALUES.GEL_HISTORY! };
  await fs.writeFile(file, upsertManagedBlock('', 'tcsh', blockLines('tcsh', values)));
  execFileSync('/usr/bin/tcsh', ['-f', '-i'], {
    input: `source ${file}\n/usr/bin/env -0 > ${output}\nexit\n`,
    env: { HOME: directory, PATH: BASE_PATH, LANG: 'C.UTF-8', TERM: 'dumb' },
    cwd: directory,
    stdio: ['pipe', 'ignore', 'ignore'],
    timeout: 30_000,
  });
  const environment = parseEnvironment(await fs.readFile(output));
  for (const [name, value] of Object.entries(values)) assertExported(environment, name, value);
});

describe('managed block text edits', () => {
  const lines = ["export GOPATH='/srv/go'"];
  const block = '# >>> go-env-lens >>>\n# Go Env Lens manages this block, so edits inside it may be replaced.\n' +
    "export GOPATH='/srv/go'\n# <<< go-env-lens <<<\n";

  test('insert into empty file', () => {
    assert.equal(upsertManagedBlock('', 'bash', lines), block);
    assert.equal(removeManagedBlock(block), '');
  });

  test('insert round trips exactly', () => {
    for (const original of ['\n', 'a\n', 'a\n\n', '\n\n\n', '  \n', 'a\r\n', 'x\ny\n']) {
      const inserted = upsertManagedBlock(original, 'bash', lines);
      assert.equal(inserted, `${original}\n${block}`, `insert into ${JSON.stringify(original)}`);
      assert.equal(removeManagedBlock(inserted), original, `round trip of ${JSON.stringify(original)}`);
    }
  });

  test('file without final newline gets one', () => {
    const inserted = upsertManagedBlock('a', 'bash', lines);
    assert.equal(inserted, `a\n\n${block}`);
    assert.equal(removeManagedBlock(inserted), 'a\n');
  });

  test('update keeps surrounding bytes', () => {
    const text = `one\r\n\t\n${block}  two  \nthree`;
    const updated = upsertManagedBlock(text, 'zsh', ['export A=1', '', '# note']);
    assert.equal(
      updated,
      'one\r\n\t\n# >>> go-env-lens >>>\n# Go Env Lens manages this block, so edits inside it may be replaced.\n' +
        'export A=1\n\n# note\n# <<< go-env-lens <<<\n  two  \nthree',
    );
    assert.equal(removeManagedBlock(updated), 'one\r\n\t\n  two  \nthree');
  });

  test('update is idempotent', () => {
    const once = upsertManagedBlock('a\n', 'fish', lines);
    assert.equal(upsertManagedBlock(once, 'fish', lines), once);
  });

  test('block at end without final newline', () => {
    const text = `a\n\n${block.slice(0, -1)}`;
    assert.equal(upsertManagedBlock(text, 'bash', lines), `a\n\n${block}`);
    assert.equal(removeManagedBlock(text), 'a\n');
  });

  test('blank first line above block is removed', () => {
    assert.equal(removeManagedBlock(`\n${block}`), '');
  });

  test('block at the start keeps following lines', () => {
    assert.equal(removeManagedBlock(`${block}\nrest\n`), '\nrest\n');
  });

  test('find reports lines and numbers', () => {
    const found = findManagedBlock(`x\n\n${block}y\n`);
    assert.deepEqual(found, { startLine: 3, endLine: 6, lines });
    assert.equal(findManagedBlock('export A=1\n# go-env-lens is great\n'), null);
  });

  test('find accepts surrounding whitespace and a missing notice', () => {
    const text = '  # >>> go-env-lens >>>\t\nexport A=1\n# <<< go-env-lens <<<   \n';
    assert.deepEqual(findManagedBlock(text), { startLine: 1, endLine: 3, lines: ['export A=1'] });
  });

  test('remove without block returns text', () => {
    assert.equal(removeManagedBlock('a\n\nb'), 'a\n\nb');
  });

  test('block lines are checked', () => {
    assert.throws(() => upsertManagedBlock('', 'bash', ['a\nb']), {
      name: 'ApiRequestError',
      message: 'line 1 of the new block content ("a\\nb") contains a line break; pass each line separately',
    });
    assert.throws(() => upsertManagedBlock('', 'bash', ['ok', 'x\ry']), {
      message: 'line 2 of the new block content ("x\\ry") contains a line break; pass each line separately',
    });
    assert.throws(() => upsertManagedBlock('', 'bash', ['# <<< go-env-lens <<<']), {
      message: 'line 1 of the new block content ("# <<< go-env-lens <<<") looks like a Go Env Lens marker, which would break the block',
    });
  });
});

describe('managed block broken markers', () => {
  const start = '# >>> go-env-lens >>>';
  const end = '# <<< go-env-lens <<<';
  const cases: { name: string; text: string; message: string; lines: number[] }[] = [
    {
      name: 'start without end',
      text: `a\n${start}\nexport A=1\n`,
      message:
        'line 2 starts a Go Env Lens block ("# >>> go-env-lens >>>") but no end marker ' +
        '("# <<< go-env-lens <<<") follows it. Add the end marker after the block\'s last line, ' +
        'or delete line 2, then try again',
      lines: [2],
    },
    {
      name: 'end without start',
      text: `a\nexport A=1\n${end}\n${start}\n${end}\n`,
      message:
        'line 3 ends a Go Env Lens block ("# <<< go-env-lens <<<") but no start marker comes ' +
        'before it. Add "# >>> go-env-lens >>>" above the block\'s first line, or delete line 3, ' +
        'then try again',
      lines: [3],
    },
    {
      name: 'two blocks',
      text: `${start}\na\n${end}\nb\n${start}\nc\n${end}\n`,
      message:
        'the file has 2 Go Env Lens blocks, on lines 1-3, 5-7, but only one is allowed. Merge them ' +
        'into one block or delete all but one, then try again',
      lines: [1, 3, 5, 7],
    },
    {
      name: 'nested start',
      text: `x\n${start}\na\n${start}\nb\n${end}\n`,
      message:
        'line 4 starts a Go Env Lens block inside the block started on line 2. Delete one of the ' +
        'two start markers, then try again',
      lines: [2, 4],
    },
    {
      name: 'trailing text on marker',
      text: `${start} v2\na\n${end}\n`,
      message:
        'line 1 looks like a Go Env Lens marker but has other text on it: "# >>> go-env-lens >>> v2". ' +
        'Change it to exactly "# >>> go-env-lens >>>" or "# <<< go-env-lens <<<", or delete it, then try again',
      lines: [1],
    },
    {
      name: 'leading text on marker',
      text: `${start}\na\nx${end}\n`,
      message:
        'line 3 looks like a Go Env Lens marker but has other text on it: "x# <<< go-env-lens <<<". ' +
        'Change it to exactly "# >>> go-env-lens >>>" or "# <<< go-env-lens <<<", or delete it, then try again',
      lines: [3],
    },
    {
      name: 'doubled comment sign',
      text: `## >>> go-env-lens >>>\n${end}\n`,
      message:
        'line 1 looks like a Go Env Lens marker but has other text on it: "## >>> go-env-lens >>>". ' +
        'Change it to exactly "# >>> go-env-lens >>>" or "# <<< go-env-lens <<<", or delete it, then try again',
      lines: [1],
    },
  ];

  for (const { name, text, message, lines } of cases) {
    test(`${name} is rejected`, () => {
      const expected = (error: unknown) => {
        assert.ok(error instanceof ManagedBlockError);
        assert.equal(error.message, message);
        assert.deepEqual(error.lines, lines);
        return true;
      };
      assert.throws(() => findManagedBlock(text), expected);
      assert.throws(() => upsertManagedBlock(text, 'bash', ['export A=2']), expected);
      assert.throws(() => removeManagedBlock(text), expected);
    });
  }
});

describe('rendered lines', () => {
  test('POSIX shells quote with single quotes', () => {
    assert.equal(renderAssignment('sh', 'GOFLAGS', "-tags=a b'c"), `export GOFLAGS='-tags=a b'\\''c'`);
    assert.equal(renderPathPrepend('dash', '/usr/local/go/bin'), `export PATH='/usr/local/go/bin'"\${PATH:+:$PATH}"`);
    assert.equal(renderPathAppend('bash', '/x'), `export PATH="\${PATH:+$PATH:}"'/x'`);
    assert.equal(renderAssignment('bash', 'A', 'a\nb\'c\\'), `export A=$'a\\nb\\'c\\\\'`);
  });

  test('tcsh writes each ! outside the quotes', () => {
    assert.equal(renderAssignment('tcsh', 'A', 'x!y'), `setenv A 'x'\\!'y'`);
    assert.equal(renderAssignment('csh', 'A', '!!'), 'setenv A \\!\\!');
    assert.equal(renderAssignment('tcsh', 'A', ''), "setenv A ''");
    assert.equal(renderPathPrepend('tcsh', '/o p'), "set path = ( '/o p' $path:q )");
  });

  test('fish, elvish and xonsh syntax', () => {
    assert.equal(renderAssignment('fish', 'A', "a\\b'c"), "set -gx A 'a\\\\b\\'c'");
    assert.equal(renderAssignment('fish', 'A', '\n'), 'set -gx A \\n');
    assert.equal(renderPathPrepend('fish', '/g/bin'), "set -gx PATH '/g/bin' $PATH");
    assert.equal(renderAssignment('elvish', 'A', "it's"), "set-env A 'it''s'");
    assert.equal(renderAssignment('elvish', 'A', 'a\n"b"'), 'set-env A "a\\n\\"b\\""');
    assert.equal(renderPathPrepend('elvish', '/g/bin'), "set paths = ['/g/bin' (all (or $paths []))]");
    assert.equal(renderAssignment('xonsh', 'A', "it's\t\\"), "$A = 'it\\'s\\x09\\\\'");
    assert.equal(renderPathPrepend('xonsh', '/g/bin'), "$PATH.insert(0, '/g/bin')");
    assert.equal(renderPathAppend('xonsh', '/g/bin'), "$PATH.append('/g/bin')");
  });

  test('xonsh rejects ~ and $ in path variables', async () => {
    assert.throws(() => renderAssignment('xonsh', 'GOPATH', '~/go'), {
      name: 'ShellValueError',
      message:
        'cannot write GOPATH="~/go" for xonsh: xonsh expands ~ and $ in variables whose names end in PATH ' +
        'or DIRS, so the value would change. Write the path out in full, without ~ or $',
    });
    assert.throws(() => renderPathPrepend('xonsh', '/opt/$USER/bin'), {
      message:
        'cannot write the PATH entry "/opt/$USER/bin" for xonsh: xonsh expands ~ and $ in variables whose ' +
        'names end in PATH or DIRS, so the value would change. Write the path out in full, without ~ or $',
    });
    assert.equal(renderAssignment('xonsh', 'GOFLAGS', '~$x'), "$GOFLAGS = '~$x'");
    // The rule exists because xonsh really rewrites such values.
    const xonsh = SHELL_CASES.find((shellCase) => shellCase.shell === 'xonsh')!;
    const environment = await sourceInShell(xonsh, "$GEL_TESTPATH = '~/a:$HOME'\n");
    assert.notDeepEqual(environment.get('GEL_TESTPATH'), Buffer.from('~/a:$HOME'));
  });

  test('invalid names and values are rejected', () => {
    assert.throws(() => renderAssignment('bash', 'GO-PATH', 'x'), {
      name: 'ShellValueError',
      message:
        'cannot set "GO-PATH" in bash: a variable name must consist of ASCII letters, digits and ' +
        'underscores, and must not start with a digit',
    });
    assert.throws(() => renderAssignment('fish', '1A', 'x'), /cannot set "1A" in fish/);
    assert.throws(() => renderAssignment('zsh', 'A', 'a\0b'), {
      message: 'cannot write A="a\\u0000b" for zsh: the value contains a NUL character, which no environment variable can hold',
    });
    assert.throws(() => renderAssignment('elvish', 'A', 'a\uD800'), {
      message: 'cannot write A="a\\ud800" for elvish: the value is not valid Unicode text',
    });
    assert.throws(() => renderPathPrepend('bash', 'go/bin'), {
      message: 'cannot write the PATH entry "go/bin" for bash: the directory must be an absolute path',
    });
    assert.throws(() => renderPathAppend('fish', '/a:/b'), {
      message: 'cannot write the PATH entry "/a:/b" for fish: a PATH entry cannot contain ":", which separates entries',
    });
    assert.throws(() => renderPathPrepend('elvish', '/a\nb'), {
      message: 'cannot write the PATH entry "/a\\nb" for elvish: the directory contains a line break',
    });
  });
});
