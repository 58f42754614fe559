/**
 * Reads sh startup files without a trace: every assignment in file order, following `.` into the
 * files it names, with values expanded from the variables known at that point. Without a trace it
 * cannot know which arm of an if or case ran, so it lists the assignments of every arm in file
 * order. It serves contexts that were not traced (the desktop session) and runs whose trace is
 * missing.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

import type { SourceLocation } from '../../shared/provenance.ts';
import type { EnteredFile, ScriptCache } from './sh-trace-matcher.ts';
import type { ShScript, ShStep, ShWord, WordPart } from './sh-script-model.ts';
import { expandEnvPath, type ShRootFile } from './sh-rules.ts';
import { quoteWord } from './sh-word-pattern.ts';
import { findAssignments } from './shell-words.ts';
import type { TraceRecord } from './trace-record.ts';

/** Deepest `.` nesting followed; a file that sources itself stops here. */
const MAX_SOURCE_DEPTH = 16;

export interface StaticReadInput {
  roots: ShRootFile[];
  startEnvironment: Record<string, string>;
  cwd: string;
  scripts: ScriptCache;
}

export interface StaticRead {
  records: TraceRecord[];
  enteredFiles: EnteredFile[];
}

/** Walks the root files in order and returns one record per command that could run. */
export function readShStartupStatically(input: StaticReadInput): StaticRead {
  const reader = new StaticReader(input);
  for (const root of input.roots) {
    const file = root.kind === 'file' ? root.path : reader.envPath();
    if (file) reader.readFile(file, 0, null);
  }
  return { records: reader.records, enteredFiles: reader.entered };
}

class StaticReader {
  readonly records: TraceRecord[] = [];
  readonly entered: EnteredFile[] = [];
  private readonly values: Map<string, string>;

  constructor(private readonly input: StaticReadInput) {
    this.values = new Map(Object.entries(input.startEnvironment));
  }

  envPath(): string | null {
    const value = this.values.get('ENV');
    const expanded = value ? expandEnvPath(value, this.values) : null;
    return expanded ? path.resolve(this.input.cwd, expanded) : null;
  }

  readFile(file: string, depth: number, sourcedFrom: SourceLocation | null): void {
    if (depth > MAX_SOURCE_DEPTH) return;
    const script = this.input.scripts.load(file);
    if (!script) return;
    this.entered.push({ path: file, sourcedFrom });
    this.readRange(script, file, depth, 0, script.steps.length - 1);
  }

  /** Reads steps start..end; `activeLoops` are the loops whose body this range is, so none is entered again. */
  private readRange(script: ShScript, file: string, depth: number, start: number, end: number, activeLoops: Set<number> = new Set()): void {
    let index = start;
    while (index <= end) {
      // Nested loops can start at the same step; the outer one has the lower id.
      const loop = [...script.loops.values()]
        .filter((candidate) => !activeLoops.has(candidate.id) && candidate.start === index && candidate.variable !== null && candidate.end <= end)
        .sort((a, b) => a.id - b.id)[0];
      if (loop && loop.variable) {
        for (const item of loop.items.flatMap((word) => this.expandArgument(word))) {
          this.values.set(loop.variable, item);
          this.readRange(script, file, depth, loop.start, loop.end, new Set([...activeLoops, loop.id]));
        }
        index = loop.end + 1;
        continue;
      }
      this.readStep(script.steps[index]!, file, depth);
      index += 1;
    }
  }

  private readStep(step: ShStep, file: string, depth: number): void {
    if (step.subshell) return;
    const location = { file, line: step.line };
    const prefix = step.assignments.map((assignment) => quoteWord(`${assignment.name}=${this.expand(assignment.value)}`));
    if (step.kind === 'assignment') return this.emit(location, depth, prefix.join(' '));
    if (step.kind === 'declaration' || step.kind === 'unset') {
      const words = step.declarationArguments.map((argument) =>
        argument.kind === 'assignment'
          ? quoteWord(`${argument.assignment.name}=${this.expand(argument.assignment.value)}`)
          : quoteWord(this.expand(argument.word)),
      );
      return this.emit(location, depth, [step.words[0]?.source ?? 'export', ...words].join(' '));
    }
    if (step.kind !== 'command') return;
    const command = step.words.map((word) => this.expand(word));
    if (prefix.length > 0 && ['export', 'readonly', ':', '.', 'eval'].includes(command[0] ?? '')) this.emit(location, depth, prefix.join(' '));
    if (command[0] === '.' || command[0] === 'source') {
      const target = command[1];
      if (target && !target.includes('$(') && target.includes('/')) {
        this.emit(location, depth, command.map(quoteWord).join(' '));
        this.readFile(path.resolve(this.input.cwd, target), depth + 1, location);
      }
    }
  }

  private emit(location: SourceLocation, depth: number, command: string): void {
    this.records.push({ depth, file: location.file, line: location.line, functionName: null, callerFile: null, callerLine: null, command });
    for (const assignment of findAssignments(command)) {
      if (assignment.unset) this.values.delete(assignment.name);
      else if (assignment.value !== null) this.values.set(assignment.name, assignment.value);
    }
  }

  /** Expands a word with the known values; parts that cannot be known keep their source text. */
  private expand(word: ShWord): string {
    return word.parts.map((part) => this.expandPart(part)).join('');
  }

  private expandPart(part: WordPart): string {
    switch (part.kind) {
      case 'literal':
      case 'glob':
        return part.text;
      case 'tilde':
        return part.user === '' ? (this.values.get('HOME') ?? '~') : `~${part.user}`;
      case 'variable':
        return this.values.get(part.name) ?? '';
      case 'unknown':
        return part.source;
    }
  }

  /** Expands a `for` item, including `*` file name patterns in its last path component. */
  private expandArgument(word: ShWord): string[] {
    const text = word.parts.map((part) => this.expandPart(part)).join('');
    if (!word.parts.some((part) => part.kind === 'glob')) return [text];
    const directory = path.dirname(text);
    const pattern = new RegExp(`^${path.basename(text).replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
    try {
      const names = readdirSync(directory).filter((name) => pattern.test(name) && !name.startsWith('.')).sort();
      return names.length > 0 ? names.map((name) => path.join(directory, name)) : [text];
    } catch {
      return [text];
    }
  }
}
