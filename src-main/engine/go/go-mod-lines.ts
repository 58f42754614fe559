/**
 * Finds the go.work or go.mod file that decides toolchain selection for a directory and reads its
 * `go` and `toolchain` lines, the way cmd/go does at startup (Go 1.21+ `toolchain.Select`), before
 * it parses either file properly.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { GoModLines } from '../../shared/go-toolchain-resolution.ts';

/** A `go` or `toolchain` line: the value and its 1-based line number. */
export interface GoModLine {
  value: string;
  line: number;
}

/**
 * Returns the value of the first line that starts with `key` followed by a space or tab, with
 * a `//` comment and surrounding blanks removed, as cmd/go's `gover.GoModLookup` does. Each line
 * is trimmed first, so an indented line counts too.
 */
export function lookupGoModLine(text: string, key: string): GoModLine | null {
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (!line.startsWith(key)) continue;
    const rest = line.slice(key.length);
    if (rest === '' || (rest[0] !== ' ' && rest[0] !== '\t')) continue;
    return { value: rest.split('//')[0]!.trim(), line: index + 1 };
  }
  return null;
}

/** Reads the `go` and `toolchain` lines of a go.work or go.mod file; null when it cannot be read. */
export async function readGoModLines(
  file: string,
  kind: GoModLines['kind'],
  foundBy: GoModLines['foundBy'],
): Promise<GoModLines | null> {
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  const go = lookupGoModLine(text, 'go');
  const toolchain = lookupGoModLine(text, 'toolchain');
  return {
    file,
    kind,
    foundBy,
    goVersion: go?.value ?? null,
    goLine: go?.line ?? null,
    toolchain: toolchain?.value ?? null,
    toolchainLine: toolchain?.line ?? null,
  };
}

/**
 * Walks up from `directory` to the first go.work, as cmd/go's `findWorkspaceFile` does. The walk
 * never steps into GOROOT, so a go.work above the standard library is not used for it.
 */
export async function findWorkspaceFile(directory: string, goroot: string | null): Promise<string | null> {
  let current = path.resolve(directory);
  const stopAt = goroot ? path.resolve(goroot) : null;
  for (;;) {
    const candidate = path.join(current, 'go.work');
    if (await isRegularFile(candidate)) return candidate;
    const parent = path.dirname(current);
    if (parent === current || parent === stopAt) return null;
    current = parent;
  }
}

/**
 * Walks up from `directory` to the first go.mod, as cmd/go's `FindGoMod` does. A go.mod at the
 * root of the system temporary directory is ignored, and the walk then stops: cmd/go returns no
 * module rather than looking further up.
 */
export async function findModuleFile(
  directory: string,
  temporaryDirectory: string,
): Promise<{ file: string | null; ignoredTemporaryRoot: string | null }> {
  let current = path.resolve(directory);
  for (;;) {
    const candidate = path.join(current, 'go.mod');
    if (await isRegularFile(candidate)) {
      if (current === path.resolve(temporaryDirectory)) return { file: null, ignoredTemporaryRoot: candidate };
      return { file: candidate, ignoredTemporaryRoot: null };
    }
    const parent = path.dirname(current);
    if (parent === current) return { file: null, ignoredTemporaryRoot: null };
    current = parent;
  }
}

async function isRegularFile(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => null);
  return stat !== null && stat.isFile();
}
