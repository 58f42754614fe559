/**
 * The line diff against GNU `diff -u` (diffutils): identical hunks where the shortest edit is
 * unique, the same number of changed lines everywhere, and output that GNU `patch` applies. The
 * random inputs come from a seed printed with each run; set LINE_DIFF_SEED to repeat one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { diffLines, type DiffHunk, formatUnifiedDiff } from '../src-main/shared/line-diff.ts';

const SEED = Number(process.env.LINE_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`line-diff random seed: ${SEED} (set LINE_DIFF_SEED=${SEED} to repeat this run)`);

/** Random cases per kind; each runs diff and patch once, a few milliseconds each. */
const RANDOM_CASES = 150;

const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'gel-line-diff-'));
after(() => rmSync(workDirectory, { recursive: true, force: true }));

/** Mulberry32: a small seeded generator, so a failing seed reproduces the same inputs. */
function randomGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const random = randomGenerator(SEED);
const randomInteger = (limit: number) => Math.floor(random() * limit);

let fileCounter = 0;

function writeTemporary(text: string): string {
  fileCounter += 1;
  const file = path.join(workDirectory, `file-${fileCounter}`);
  writeFileSync(file, text);
  return file;
}

/** Runs `diff -u` (or `-U context`) and returns its hunks, without the two header lines. */
function gnuDiff(before: string, after: string, context = 3): string {
  const result = spawnSync('diff', [`-U${context}`, writeTemporary(before), writeTemporary(after)], { encoding: 'utf8' });
  assert.ok(result.status === 0 || result.status === 1, `diff failed: ${result.stderr}`);
  return result.stdout.split('\n').slice(2).join('\n');
}

function ourDiff(before: string, after: string, context = 3): string {
  return formatUnifiedDiff('file', diffLines(before, after, context)).split('\n').slice(2).join('\n');
}

/** Counts removed and added lines in unified diff text without its two header lines. */
function changeCounts(hunkText: string): { removed: number; added: number } {
  const lines = hunkText.split('\n');
  assert.ok(!hunkText.startsWith('---'), 'pass the hunks without the header lines');
  return {
    removed: lines.filter((line) => line.startsWith('-')).length,
    added: lines.filter((line) => line.startsWith('+')).length,
  };
}

/** Applies our diff with GNU patch, refusing any fuzz or offset, and returns the result. */
function applyWithPatch(before: string, hunks: DiffHunk[]): string {
  const original = writeTemporary(before);
  const patchFile = writeTemporary(formatUnifiedDiff('file', hunks));
  const output = path.join(workDirectory, `patched-${fileCounter}`);
  const result = spawnSync('patch', ['--fuzz=0', '--force', '--output', output, original, patchFile], { encoding: 'utf8' });
  assert.equal(result.status, 0, `patch failed:\n${result.stdout}${result.stderr}`);
  assert.doesNotMatch(result.stdout, /offset|fuzz/i, 'patch needed an offset or fuzz');
  return readFileSync(output, 'utf8');
}

/** Rebuilds both texts' lines from the hunks and the unchanged lines between them. */
function assertHunksConsistent(before: string, after: string, hunks: DiffHunk[]): void {
  const beforeLines = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const afterLines = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  const rebuilt: string[] = [];
  let oldIndex = 0;
  for (const hunk of hunks) {
    const hunkOldStart = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
    rebuilt.push(...beforeLines.slice(oldIndex, hunkOldStart));
    oldIndex = hunkOldStart;
    assert.equal(hunk.lines.filter((line) => line.kind !== '+').length, hunk.oldCount, 'old count');
    assert.equal(hunk.lines.filter((line) => line.kind !== '-').length, hunk.newCount, 'new count');
    for (const line of hunk.lines) {
      if (line.kind !== '+') {
        assert.equal(line.text, beforeLines[oldIndex], `old line ${oldIndex + 1}`);
        oldIndex += 1;
      }
      if (line.kind !== '-') rebuilt.push(line.text);
    }
  }
  rebuilt.push(...beforeLines.slice(oldIndex));
  assert.deepEqual(rebuilt, afterLines);
}

/** Joins lines into a text that ends with a newline or, now and then, without one. */
function joinLines(lines: string[]): string {
  if (lines.length === 0) return '';
  return lines.join('\n') + (random() < 0.2 ? '' : '\n');
}

let uniqueCounter = 0;
const uniqueLine = () => `line ${(uniqueCounter += 1)} ${random().toString(36).slice(2, 8)}`;

/** Makes a text of distinct lines and an edited copy, so exactly one shortest edit exists. */
function uniqueLinesCase(): [string, string] {
  const before = Array.from({ length: randomInteger(60) }, uniqueLine);
  const afterLines: string[] = [];
  for (const line of before) {
    const roll = random();
    if (roll < 0.08) continue;
    if (roll < 0.14) {
      afterLines.push(uniqueLine());
      continue;
    }
    if (roll < 0.2) afterLines.push(uniqueLine());
    afterLines.push(line);
  }
  if (random() < 0.3) afterLines.push(uniqueLine());
  return [joinLines(before), joinLines(afterLines)];
}

/** Makes texts from a small alphabet, like braces and blank lines in code, so many edits tie. */
function repetitiveCase(): [string, string] {
  const alphabet = ['', '}', 'fi', 'export A=1', 'a', 'b', '  x  '];
  const pick = () => alphabet[randomInteger(alphabet.length)]!;
  const before = Array.from({ length: randomInteger(80) }, pick);
  const afterLines = before.filter(() => random() > 0.15).flatMap((line) => (random() < 0.15 ? [pick(), line] : [line]));
  return [joinLines(before), joinLines(afterLines)];
}

describe('line diff against GNU diff', () => {
  test('distinct lines give identical hunks', () => {
    for (let index = 0; index < RANDOM_CASES; index += 1) {
      const [before, after] = uniqueLinesCase();
      const context = [0, 1, 3][randomInteger(3)]!;
      const label = `seed ${SEED}, case ${index}, context ${context}`;
      assert.equal(ourDiff(before, after, context), gnuDiff(before, after, context), label);
      if (before !== after) assert.equal(applyWithPatch(before, diffLines(before, after)), after, label);
    }
  });

  test('repeated lines give shortest edits', () => {
    for (let index = 0; index < RANDOM_CASES; index += 1) {
      const [before, after] = repetitiveCase();
      const label = `seed ${SEED}, case ${index}`;
      const hunks = diffLines(before, after);
      assert.deepEqual(changeCounts(ourDiff(before, after)), changeCounts(gnuDiff(before, after)), label);
      assertHunksConsistent(before, after, hunks);
      if (before !== after) assert.equal(applyWithPatch(before, hunks), after, label);
    }
  });

  test('small inputs match the longest common subsequence', () => {
    // Thousands of cases in process: many small problems reach every branch of the search.
    for (let index = 0; index < 5000; index += 1) {
      const pick = () => 'abcdef'[randomInteger(1 + randomInteger(6))]!;
      const before = Array.from({ length: randomInteger(12) }, pick);
      const after = Array.from({ length: randomInteger(12) }, pick);
      const common = longestCommonSubsequence(before, after);
      const text = ourDiff(before.map((line) => `${line}\n`).join(''), after.map((line) => `${line}\n`).join(''), 0);
      const label = `seed ${SEED}, case ${index}: ${before.join('')} -> ${after.join('')}`;
      assert.deepEqual(changeCounts(text), { removed: before.length - common, added: after.length - common }, label);
    }
  });

  test('split search regression', () => {
    // A search that read entries left over from a larger problem returned 5 and 5 here.
    const text = ourDiff('a\nb\nd\nc\nb\nb\n', 'c\nd\nb\na\nd\na\n', 0);
    assert.deepEqual(changeCounts(text), { removed: 4, added: 4 });
  });

  const fixed: [string, string, string][] = [
    ['empty to text', '', 'a\nb\n'],
    ['text to empty', 'a\nb\n', ''],
    ['final newline added', 'a\nb', 'a\nb\n'],
    ['final newline removed', 'a\nb\n', 'a\nb'],
    ['both without final newline', 'x\na\nb\nc\nd', 'y\na\nb\nc\nd'],
    ['single line count', '1\n2\n3\n4\n5\n6\n7\n8\n', '1\n2\n3\n4\nX\n6\n7\n8\n'],
    ['changes 6 lines apart share a hunk', lines(1, 20), lines(1, 20).replace('\n5\n', '\nX\n').replace('\n12\n', '\nY\n')],
    ['changes 7 lines apart split', lines(1, 20), lines(1, 20).replace('\n5\n', '\nX\n').replace('\n13\n', '\nY\n')],
    ['carriage returns kept', 'a\r\nb\r\n', 'a\r\nc\r\n'],
    ['blank lines', '\n\n\n', '\n\n'],
  ];
  for (const [name, before, after] of fixed) {
    test(name, () => {
      for (const context of [0, 1, 3]) {
        assert.equal(ourDiff(before, after, context), gnuDiff(before, after, context), `context ${context}`);
      }
    });
  }

  test('equal texts have no hunks', () => {
    assert.deepEqual(diffLines('a\nb', 'a\nb'), []);
    assert.equal(formatUnifiedDiff('x', []), '');
  });
});

function longestCommonSubsequence(before: string[], after: string[]): number {
  let previous = new Array<number>(after.length + 1).fill(0);
  for (const line of before) {
    const current = [0];
    after.forEach((other, index) => {
      current.push(line === other ? previous[index]! + 1 : Math.max(previous[index + 1]!, current[index]!));
    });
    previous = current;
  }
  return previous[after.length]!;
}

function lines(first: number, last: number): string {
  return Array.from({ length: last - first + 1 }, (_, index) => `${first + index}\n`).join('');
}

describe('line diff output', () => {
  test('missing final newline is marked', () => {
    assert.equal(
      formatUnifiedDiff('~/.profile', diffLines('a\nb', 'a\nb\nc\n')),
      '--- ~/.profile\n+++ ~/.profile\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n',
    );
  });

  test('hunk fields for the renderer', () => {
    assert.deepEqual(diffLines('a\nb\nc\n', 'a\nB\nc\n'), [
      {
        oldStart: 1,
        oldCount: 3,
        newStart: 1,
        newCount: 3,
        lines: [
          { kind: ' ', text: 'a', noFinalNewline: false },
          { kind: '-', text: 'b', noFinalNewline: false },
          { kind: '+', text: 'B', noFinalNewline: false },
          { kind: ' ', text: 'c', noFinalNewline: false },
        ],
      },
    ]);
  });

  test('insert into empty text', () => {
    assert.deepEqual(
      diffLines('', 'x').map(({ oldStart, oldCount, newStart, newCount }) => [oldStart, oldCount, newStart, newCount]),
      [[0, 0, 1, 1]],
    );
  });
});

describe('line diff size', () => {
  test('large files diff quickly', () => {
    const before = Array.from({ length: 5000 }, (_, index) => `export VAR_${index % 700}=${index}`);
    const after = before.map((line, index) => (index % 37 === 0 ? `${line} # changed` : line));
    after.splice(2500, 0, 'inserted');
    const started = performance.now();
    const hunks = diffLines(before.join('\n') + '\n', after.join('\n') + '\n');
    const elapsed = performance.now() - started;
    const counts = changeCounts(formatUnifiedDiff('f', hunks).split('\n').slice(2).join('\n'));
    assert.deepEqual(counts, { removed: 136, added: 137 });
    // It took about 30 ms where these tests were written. The limit only catches a quadratic slowdown.
    assert.ok(elapsed < 2000, `diff of 5000 lines took ${Math.round(elapsed)} ms`);
  });

  test('completely different files', () => {
    const before = Array.from({ length: 4000 }, (_, index) => `a${index}`).join('\n');
    const after = Array.from({ length: 4000 }, (_, index) => `b${index}`).join('\n');
    const started = performance.now();
    const hunks = diffLines(before, after);
    const elapsed = performance.now() - started;
    assert.equal(hunks.length, 1);
    assert.deepEqual(changeCounts(formatUnifiedDiff('f', hunks).split('\n').slice(2).join('\n')), { removed: 4000, added: 4000 });
    assert.ok(elapsed < 2000, `diff of 4000 different lines took ${Math.round(elapsed)} ms`);
  });
});
