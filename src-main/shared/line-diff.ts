/**
 * Line diffs in the unified format of `diff -u`, for the editor's review of a draft and for the
 * CLI. Pure code without Node imports, because the renderer uses it too.
 *
 * The edit script is a shortest one, found with Myers' O(ND) algorithm in its linear-space form
 * (E. W. Myers, "An O(ND) Difference Algorithm and Its Variations", Algorithmica 1, 1986): memory
 * grows with the number of lines, not with their product.
 */

/** Unchanged lines shown around each change, as `diff -u` shows by default. */
export const DEFAULT_CONTEXT_LINES = 3;

/** One line of a hunk. */
export interface DiffLine {
  /** `' '` unchanged, `'-'` only in the old text, `'+'` only in the new text. */
  kind: ' ' | '-' | '+';
  /** The line without its line break. */
  text: string;
  /** True for the last line of a text that does not end with a line break. */
  noFinalNewline: boolean;
}

/** A run of changes with its context lines, as one `@@` section of a unified diff. */
export interface DiffHunk {
  /**
   * 1-based number of the hunk's first old line. When the hunk has no old line, the number of
   * the line before it, as `diff -u` prints it (0 at the start of the text).
   */
  oldStart: number;
  oldCount: number;
  /** Like oldStart, for the new text. */
  newStart: number;
  newCount: number;
  lines: DiffLine[];
}

interface SplitText {
  lines: string[];
  /** True when the text is not empty and does not end with `\n`. */
  missingFinalNewline: boolean;
}

function splitText(text: string): SplitText {
  if (text === '') return { lines: [], missingFinalNewline: false };
  const lines = text.split('\n');
  const missingFinalNewline = lines[lines.length - 1] !== '';
  if (!missingFinalNewline) lines.pop();
  return { lines, missingFinalNewline };
}

/**
 * Gives every distinct line a number, so the search compares numbers. A last line without a line
 * break gets its own number, because `diff -u` treats it as different from the same text with one.
 */
function numberLines(oldText: SplitText, newText: SplitText): [Int32Array, Int32Array] {
  const numbers = new Map<string, number>();
  const toNumbers = ({ lines, missingFinalNewline }: SplitText) => {
    const result = new Int32Array(lines.length);
    lines.forEach((line, index) => {
      const key = (missingFinalNewline && index === lines.length - 1 ? '1' : '0') + line;
      let number = numbers.get(key);
      if (number === undefined) {
        number = numbers.size;
        numbers.set(key, number);
      }
      result[index] = number;
    });
    return result;
  };
  return [toNumbers(oldText), toNumbers(newText)];
}

/** Marks the lines of `a` to remove and of `b` to add, for a shortest edit script. */
class EditScript {
  readonly removed: Uint8Array;
  readonly added: Uint8Array;
  /** Furthest reaching paths per diagonal, forward and backward, reused by every call. */
  private readonly forward: Int32Array;
  private readonly backward: Int32Array;

  constructor(
    private readonly a: Int32Array,
    private readonly b: Int32Array,
  ) {
    this.removed = new Uint8Array(a.length);
    this.added = new Uint8Array(b.length);
    const size = a.length + b.length + 4;
    this.forward = new Int32Array(size);
    this.backward = new Int32Array(size);
    this.compare(0, a.length, 0, b.length);
  }

  /** Finds the changes between a[aStart, aEnd) and b[bStart, bEnd). */
  private compare(aStart: number, aEnd: number, bStart: number, bEnd: number): void {
    const { a, b } = this;
    while (aStart < aEnd && bStart < bEnd && a[aStart] === b[bStart]) {
      aStart += 1;
      bStart += 1;
    }
    while (aStart < aEnd && bStart < bEnd && a[aEnd - 1] === b[bEnd - 1]) {
      aEnd -= 1;
      bEnd -= 1;
    }
    if (aStart === aEnd) {
      this.added.fill(1, bStart, bEnd);
      return;
    }
    if (bStart === bEnd) {
      this.removed.fill(1, aStart, aEnd);
      return;
    }
    const split = this.findSplitPoint(aStart, aEnd, bStart, bEnd);
    if (split === null) {
      this.removed.fill(1, aStart, aEnd);
      this.added.fill(1, bStart, bEnd);
      return;
    }
    this.compare(aStart, split[0], bStart, split[1]);
    this.compare(split[0], aEnd, split[1], bEnd);
  }

  /**
   * Returns a point on a shortest edit path from (aStart, bStart) to (aEnd, bEnd) that splits
   * the changes in two. It searches forward from the start and backward from the end at once
   * until the two searches overlap, as the bisection of Neil Fraser's diff-match-patch does. The
   * caller has stripped equal first and last lines, so the point is never a corner and both
   * halves are smaller problems. Returns null when the ranges have no line in common.
   */
  private findSplitPoint(aStart: number, aEnd: number, bStart: number, bEnd: number): [number, number] | null {
    const { a, b, forward, backward } = this;
    const n = aEnd - aStart;
    const m = bEnd - bStart;
    const maxSteps = Math.ceil((n + m) / 2);
    // Diagonal k = x - y is stored at index k + offset; the arrays are shared by every call, so
    // only the first `length` entries belong to this one.
    const offset = maxSteps;
    const length = 2 * maxSteps;
    forward.fill(-1, 0, length + 2);
    backward.fill(-1, 0, length + 2);
    forward[offset + 1] = 0;
    backward[offset + 1] = 0;
    const delta = n - m;
    // With an odd delta the forward search meets the backward one, otherwise the reverse.
    const forwardMeets = delta % 2 !== 0;
    // Diagonals trimmed at each end because their paths ran off the edit graph.
    let forwardLowTrim = 0;
    let forwardHighTrim = 0;
    let backwardLowTrim = 0;
    let backwardHighTrim = 0;

    for (let d = 0; d < maxSteps; d += 1) {
      for (let k = -d + forwardLowTrim; k <= d - forwardHighTrim; k += 2) {
        const index = offset + k;
        let x =
          k === -d || (k !== d && forward[index - 1]! < forward[index + 1]!)
            ? forward[index + 1]!
            : forward[index - 1]! + 1;
        let y = x - k;
        while (x < n && y < m && a[aStart + x] === b[bStart + y]) {
          x += 1;
          y += 1;
        }
        forward[index] = x;
        if (x > n) {
          forwardHighTrim += 2;
        } else if (y > m) {
          forwardLowTrim += 2;
        } else if (forwardMeets) {
          const backwardIndex = offset + delta - k;
          const reached = backwardIndex >= 0 && backwardIndex < length ? backward[backwardIndex]! : -1;
          if (reached !== -1 && x >= n - reached) return [aStart + x, bStart + y];
        }
      }

      for (let k = -d + backwardLowTrim; k <= d - backwardHighTrim; k += 2) {
        const index = offset + k;
        let x =
          k === -d || (k !== d && backward[index - 1]! < backward[index + 1]!)
            ? backward[index + 1]!
            : backward[index - 1]! + 1;
        let y = x - k;
        while (x < n && y < m && a[aEnd - 1 - x] === b[bEnd - 1 - y]) {
          x += 1;
          y += 1;
        }
        backward[index] = x;
        if (x > n) {
          backwardHighTrim += 2;
        } else if (y > m) {
          backwardLowTrim += 2;
        } else if (!forwardMeets) {
          const forwardIndex = offset + delta - k;
          const reached = forwardIndex >= 0 && forwardIndex < length ? forward[forwardIndex]! : -1;
          if (reached !== -1 && reached >= n - x) return [aStart + reached, bStart + reached - (forwardIndex - offset)];
        }
      }
    }
    return null;
  }
}

interface ChangeRange {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/** Groups the marked lines into ranges of adjacent changes, in 0-based half-open line indexes. */
function changeRanges(removed: Uint8Array, added: Uint8Array): ChangeRange[] {
  const ranges: ChangeRange[] = [];
  let oldIndex = 0;
  let newIndex = 0;
  while (oldIndex < removed.length || newIndex < added.length) {
    if (removed[oldIndex] !== 1 && added[newIndex] !== 1) {
      oldIndex += 1;
      newIndex += 1;
      continue;
    }
    const range = { oldStart: oldIndex, oldEnd: oldIndex, newStart: newIndex, newEnd: newIndex };
    while (removed[range.oldEnd] === 1) range.oldEnd += 1;
    while (added[range.newEnd] === 1) range.newEnd += 1;
    ranges.push(range);
    oldIndex = range.oldEnd;
    newIndex = range.newEnd;
  }
  return ranges;
}

/**
 * Compares two texts line by line and returns the hunks of a unified diff, each change with
 * `context` unchanged lines around it. Changes closer than 2 × `context` lines share a hunk, as
 * in `diff -u`. Returns an empty list for equal texts.
 */
export function diffLines(before: string, after: string, context = DEFAULT_CONTEXT_LINES): DiffHunk[] {
  const oldText = splitText(before);
  const newText = splitText(after);
  const [oldNumbers, newNumbers] = numberLines(oldText, newText);
  const script = new EditScript(oldNumbers, newNumbers);
  const ranges = changeRanges(script.removed, script.added);

  const oldLine = (index: number, kind: DiffLine['kind']): DiffLine => ({
    kind,
    text: oldText.lines[index]!,
    noFinalNewline: oldText.missingFinalNewline && index === oldText.lines.length - 1,
  });
  const newLine = (index: number): DiffLine => ({
    kind: '+',
    text: newText.lines[index]!,
    noFinalNewline: newText.missingFinalNewline && index === newText.lines.length - 1,
  });

  const hunks: DiffHunk[] = [];
  let index = 0;
  while (index < ranges.length) {
    // Take every following change whose gap to the previous one fits two contexts.
    let last = index;
    while (last + 1 < ranges.length && ranges[last + 1]!.oldStart - ranges[last]!.oldEnd <= 2 * context) last += 1;
    const first = ranges[index]!;
    const final = ranges[last]!;
    const leading = Math.min(context, first.oldStart);
    const trailing = Math.min(context, oldText.lines.length - final.oldEnd);
    const oldStart = first.oldStart - leading;
    const newStart = first.newStart - leading;

    const lines: DiffLine[] = [];
    let cursor = oldStart;
    for (let rangeIndex = index; rangeIndex <= last; rangeIndex += 1) {
      const range = ranges[rangeIndex]!;
      for (; cursor < range.oldStart; cursor += 1) lines.push(oldLine(cursor, ' '));
      for (let removed = range.oldStart; removed < range.oldEnd; removed += 1) lines.push(oldLine(removed, '-'));
      for (let added = range.newStart; added < range.newEnd; added += 1) lines.push(newLine(added));
      cursor = range.oldEnd;
    }
    for (; cursor < final.oldEnd + trailing; cursor += 1) lines.push(oldLine(cursor, ' '));

    const oldCount = final.oldEnd + trailing - oldStart;
    const newCount = final.newEnd + trailing - newStart;
    hunks.push({
      oldStart: oldCount === 0 ? oldStart : oldStart + 1,
      oldCount,
      newStart: newCount === 0 ? newStart : newStart + 1,
      newCount,
      lines,
    });
    index = last + 1;
  }
  return hunks;
}

/** Formats a hunk's line range as `diff -u` does: `start` alone for one line, else `start,count`. */
function formatRange(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

/**
 * Formats hunks as the text of a unified diff, with `--- pathLabel` and `+++ pathLabel` headers.
 * Returns the empty string when there are no hunks.
 */
export function formatUnifiedDiff(pathLabel: string, hunks: DiffHunk[]): string {
  if (hunks.length === 0) return '';
  const output = [`--- ${pathLabel}`, `+++ ${pathLabel}`];
  for (const hunk of hunks) {
    output.push(`@@ -${formatRange(hunk.oldStart, hunk.oldCount)} +${formatRange(hunk.newStart, hunk.newCount)} @@`);
    for (const line of hunk.lines) {
      output.push(line.kind + line.text);
      if (line.noFinalNewline) output.push('\\ No newline at end of file');
    }
  }
  return output.join('\n') + '\n';
}
