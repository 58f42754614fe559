/**
 * fish variables as a startup changes them: universal variables from fish_variables, globals
 * from the environment, and the effect of every traced `set`. fish 3.6 semantics, checked against
 * the real shell:
 * - A variable lives in a local, global or universal scope. A global hides a universal of the
 *   same name, and an inherited environment variable is a global, so it hides a universal too.
 * - `set NAME …` without a scope changes the variable where it exists: local, then global, then
 *   universal. A new one is local inside a function and global elsewhere.
 * - A new variable is exported only with `-x`, and a changed one keeps its export flag.
 * - A name ending in PATH, or `--path`, makes a path variable: values are split on `:` when set
 *   and joined with `:` when exported. Other lists are exported joined with spaces.
 * - `-a`/`-p` extend the value visible at that point, even when it lives in another scope.
 * - A change of fish_user_paths runs `__fish_reconstruct_path` from /usr/share/fish/config.fish,
 *   an `--on-variable` handler that fish does not trace, so its effect on PATH is simulated here.
 */
import type { Assignment } from '../../shared/provenance.ts';
import { isTrackedVariable } from '../../shared/tracked-variables.ts';
import { decodeUniversalValue } from './fish-words.ts';
import type { TracedAssignment } from './shell-words.ts';

/** One `SETUVAR` line of fish_variables. */
export interface UniversalVariable {
  name: string;
  values: string[];
  exported: boolean;
  path: boolean;
  /** 1-based line number in fish_variables. */
  line: number;
  /** The line as written. */
  text: string;
}

/**
 * Parses fish_variables. Files with a `# VERSION:` line use `SETUVAR [--export] [--path]
 * NAME:VALUE`. Files without one use fish 2's `SET NAME:VALUE` and `SET_EXPORT NAME:VALUE`,
 * which fish 3.6 still reads.
 */
export function parseUniversalVariables(text: string): UniversalVariable[] {
  const lines = text.split('\n');
  const versioned = lines.some((line) => line.startsWith('# VERSION:'));
  const variables: UniversalVariable[] = [];
  lines.forEach((line, index) => {
    const match = versioned
      ? /^SETUVAR((?: --\w+)*) ([A-Za-z0-9_]+):(.*)$/.exec(line)
      : /^(SET|SET_EXPORT) ([A-Za-z0-9_]+):(.*)$/.exec(line);
    if (!match) return;
    const flags = match[1]!;
    variables.push({
      name: match[2]!,
      values: decodeUniversalValue(match[3]!),
      exported: versioned ? flags.includes('--export') : flags === 'SET_EXPORT',
      path: versioned && flags.includes('--path'),
      line: index + 1,
      text: line,
    });
  });
  return variables;
}

interface FishVariable {
  values: string[];
  exported: boolean;
  path: boolean;
}

/** The scope a traced command ran in, for `set -l` and for new variables without a scope. */
export interface CommandScope {
  /** Identifies the running function call or file. Locals of one are invisible to another. */
  id: number;
  inFunction: boolean;
}

type ScopeName = 'local' | 'global' | 'universal';

interface SetOptions {
  scope: ScopeName | null;
  exported: boolean | null;
  path: boolean | null;
  erase: boolean;
  append: boolean;
  prepend: boolean;
  /** Query, listing or help: the command changes nothing. */
  readOnly: boolean;
  positionals: string[];
}

const USER_PATHS = 'fish_user_paths';
const ADDED_USER_PATHS = '__fish_added_user_paths';

/** Returns the text programs see for a fish variable's value. */
export function exportedText(variable: { values: string[]; path: boolean }): string {
  return variable.values.join(variable.path ? ':' : ' ');
}

/** The variables of one fish run, changed by each traced command in turn. */
export class FishVariables {
  private readonly universal = new Map<string, FishVariable>();
  private readonly global = new Map<string, FishVariable>();
  private readonly locals = new Map<number, Map<string, FishVariable>>();

  constructor(environment: Record<string, string>, universals: UniversalVariable[]) {
    for (const [name, value] of Object.entries(environment)) {
      const path = name.endsWith('PATH');
      this.global.set(name, { values: path ? value.split(':') : [value], exported: true, path });
    }
    for (const variable of universals) {
      this.universal.set(variable.name, { values: variable.values, exported: variable.exported, path: variable.path });
    }
  }

  /** The variable programs see, when one is set outside every function. */
  visible(name: string): FishVariable | undefined {
    return this.global.get(name) ?? this.universal.get(name);
  }

  /** Applies a traced command and returns its assignments to tracked variables and PATH. */
  apply(args: string[], scope: CommandScope): TracedAssignment[] {
    // NOTE: only `set` is replayed. `read -gx NAME` and `for NAME in …` assign too, but their
    // records lack the value read or the loop variable's name, so such a value stays unexplained.
    if (args[0] !== 'set') return [];
    const options = parseSetOptions(args.slice(1));
    if (options.readOnly || options.positionals.length === 0) return [];

    const pathBefore = this.visibleText('PATH');
    const changed = options.erase ? this.erase(options, scope) : this.assign(options, scope);
    const assignments: TracedAssignment[] = [];
    for (const { name, scope: changedScope } of changed) {
      if (changedScope !== 'local' && isTrackedVariable(name)) assignments.push(this.describe(name));
    }
    if (changed.some(({ name }) => name === USER_PATHS)) {
      this.reconstructPath();
      if (this.visibleText('PATH') !== pathBefore && !assignments.some(({ name }) => name === 'PATH')) {
        assignments.push(this.describe('PATH'));
      }
    }
    return assignments;
  }

  /**
   * Does what `__fish_reconstruct_path` (fish 3.6, /usr/share/fish/config.fish) does when
   * fish_user_paths changes: removes the entries it added last time, then puts every entry of
   * fish_user_paths at the front of PATH, moving ones already present.
   */
  reconstructPath(): void {
    const userPaths = this.visible(USER_PATHS);
    const userValues = userPaths?.values ?? [];
    const deduplicated: string[] = [];
    for (const entry of userValues.flatMap((value) => value.split(':'))) {
      if (!deduplicated.includes(entry)) deduplicated.push(entry);
    }
    if (userPaths && deduplicated.length < userValues.length) {
      // The handler stores the deduplicated list, which runs the handler again.
      const owner = this.global.has(USER_PATHS) ? this.global : this.universal;
      owner.set(USER_PATHS, { ...userPaths, values: deduplicated });
      this.reconstructPath();
      return;
    }

    const entries = [...(this.visible('PATH')?.values ?? [])];
    for (const added of this.visible(ADDED_USER_PATHS)?.values ?? []) {
      const index = entries.indexOf(added);
      if (index >= 0) entries.splice(index, 1);
    }
    const addedNow: string[] = [];
    if (userPaths) {
      for (const entry of [...userValues].reverse().flatMap((value) => value.split(':'))) {
        const index = entries.indexOf(entry);
        if (index >= 0) entries.splice(index, 1);
        else addedNow.push(entry);
        entries.unshift(entry);
      }
    }
    this.global.set(ADDED_USER_PATHS, { values: addedNow, exported: false, path: false });
    this.global.set('PATH', { values: entries, exported: true, path: this.global.get('PATH')?.path ?? true });
  }

  private visibleText(name: string): string | null {
    const variable = this.visible(name);
    return variable ? exportedText(variable) : null;
  }

  private describe(name: string): TracedAssignment {
    const variable = this.visible(name);
    return variable
      ? { name, value: exportedText(variable), exports: variable.exported, unset: false }
      : { name, value: null, exports: false, unset: true };
  }

  private localsOf(scope: CommandScope): Map<string, FishVariable> {
    let locals = this.locals.get(scope.id);
    if (!locals) {
      locals = new Map();
      this.locals.set(scope.id, locals);
    }
    return locals;
  }

  private scopeMap(name: ScopeName, scope: CommandScope): Map<string, FishVariable> {
    if (name === 'local') return this.localsOf(scope);
    return name === 'global' ? this.global : this.universal;
  }

  /** Returns the scope where NAME exists, which an unscoped `set NAME` changes, or null. */
  private existingScope(name: string, scope: CommandScope): ScopeName | null {
    if (this.localsOf(scope).has(name)) return 'local';
    if (this.global.has(name)) return 'global';
    if (this.universal.has(name)) return 'universal';
    return null;
  }

  private assign(options: SetOptions, scope: CommandScope): { name: string; scope: ScopeName }[] {
    const [target, ...values] = options.positionals;
    const { name, index } = parseVariableReference(target!);
    if (name === null) return [];
    const scopeName = options.scope ?? this.existingScope(name, scope) ?? (scope.inFunction ? 'local' : 'global');
    const map = this.scopeMap(scopeName, scope);
    const existing = map.get(name);
    const path = options.path ?? existing?.path ?? name.endsWith('PATH');
    const newValues = path ? values.flatMap((value) => value.split(':')) : values;

    let result: string[];
    if (index !== null) {
      result = [...(existing?.values ?? [])];
      const positions = resolveIndexes(index, result.length);
      if (positions === null || positions.length !== newValues.length) return [];
      positions.forEach((position, offset) => {
        while (result.length < position) result.push('');
        result[position] = newValues[offset]!;
      });
    } else if (options.append || options.prepend) {
      const base = existing?.values ?? this.localsOf(scope).get(name)?.values ?? this.visible(name)?.values ?? [];
      result = [...(options.prepend ? newValues : []), ...base, ...(options.append ? newValues : [])];
    } else {
      result = newValues;
    }
    map.set(name, { values: result, exported: options.exported ?? existing?.exported ?? false, path });
    return [{ name, scope: scopeName }];
  }

  private erase(options: SetOptions, scope: CommandScope): { name: string; scope: ScopeName }[] {
    const changed: { name: string; scope: ScopeName }[] = [];
    for (const target of options.positionals) {
      const { name, index } = parseVariableReference(target);
      if (name === null) continue;
      const scopeName = options.scope ?? this.existingScope(name, scope);
      if (scopeName === null) continue;
      const map = this.scopeMap(scopeName, scope);
      const existing = map.get(name);
      if (!existing) continue;
      if (index === null) {
        map.delete(name);
      } else {
        const positions = new Set(resolveIndexes(index, existing.values.length) ?? []);
        map.set(name, { ...existing, values: existing.values.filter((_, position) => !positions.has(position)) });
      }
      changed.push({ name, scope: scopeName });
    }
    return changed;
  }
}

function parseSetOptions(words: string[]): SetOptions {
  const options: SetOptions = {
    scope: null,
    exported: null,
    path: null,
    erase: false,
    append: false,
    prepend: false,
    readOnly: false,
    positionals: [],
  };
  const longOptions: Record<string, string> = {
    '--local': 'l', '--function': 'f', '--global': 'g', '--universal': 'U', '--export': 'x',
    '--unexport': 'u', '--erase': 'e', '--append': 'a', '--prepend': 'p', '--query': 'q',
    '--names': 'n', '--show': 'S', '--long': 'L', '--help': 'h',
  };
  let index = 0;
  for (; index < words.length; index += 1) {
    const word = words[index]!;
    if (word === '--') {
      index += 1;
      break;
    }
    if (word === '--path' || word === '--unpath') {
      options.path = word === '--path';
      continue;
    }
    const letters = word.startsWith('--') ? longOptions[word] : word.startsWith('-') && word.length > 1 ? word.slice(1) : undefined;
    if (letters === undefined) break;
    for (const letter of letters) {
      if (letter === 'l' || letter === 'f') options.scope = 'local';
      else if (letter === 'g') options.scope = 'global';
      else if (letter === 'U') options.scope = 'universal';
      else if (letter === 'x') options.exported = true;
      else if (letter === 'u') options.exported = false;
      else if (letter === 'e') options.erase = true;
      else if (letter === 'a') options.append = true;
      else if (letter === 'p') options.prepend = true;
      else options.readOnly = true;
    }
  }
  options.positionals = words.slice(index);
  return options;
}

/** Splits `NAME` or `NAME[INDEXES]`. The name is null when it is not a valid variable name. */
function parseVariableReference(text: string): { name: string | null; index: string | null } {
  const match = /^([A-Za-z0-9_]+)(?:\[(.*)\])?$/.exec(text);
  if (!match) return { name: null, index: null };
  return { name: match[1]!, index: match[2] ?? null };
}

/**
 * Turns fish indexes (`2`, `-1`, `1..3`, `3 4`) into 0-based positions for a list of `length`
 * elements. Returns null when one is not a number.
 */
function resolveIndexes(spec: string, length: number): number[] | null {
  const positions: number[] = [];
  const toPosition = (value: number) => (value < 0 ? length + value : value - 1);
  for (const part of spec.trim().split(/\s+/)) {
    const range = /^(-?\d+)?\.\.(-?\d+)?$/.exec(part);
    if (range) {
      const from = toPosition(range[1] === undefined ? 1 : Number(range[1]));
      const to = toPosition(range[2] === undefined ? -1 : Number(range[2]));
      const step = from <= to ? 1 : -1;
      for (let position = from; position !== to + step; position += step) {
        if (position >= 0 && position < length) positions.push(position);
      }
    } else if (/^-?\d+$/.test(part)) {
      const position = toPosition(Number(part));
      if (position < 0) return null;
      positions.push(position);
    } else {
      return null;
    }
  }
  return positions;
}

/**
 * Returns the assignments universal variables make before any startup file runs, located at
 * their fish_variables line. fish_user_paths becomes the PATH entries that
 * /usr/share/fish/config.fish puts in front. A universal hidden by an inherited environment
 * variable of the same name changes nothing and is left out.
 */
export function universalAssignments(
  universals: UniversalVariable[],
  environment: Record<string, string>,
  file: string,
): Map<string, Assignment[]> {
  const chains = new Map<string, Assignment[]>();
  const add = (name: string, variable: UniversalVariable, value: string, exported: boolean) => {
    const chain = chains.get(name) ?? [];
    chain.push({ location: { file, line: variable.line }, via: 'fish-universal', command: variable.text, value, exported });
    chains.set(name, chain);
  };
  for (const variable of universals) {
    if (variable.name in environment || !isTrackedVariable(variable.name)) continue;
    add(variable.name, variable, exportedText(variable), variable.exported);
  }

  const userPaths = universals.filter((variable) => variable.name === USER_PATHS).at(-1);
  if (userPaths && !(USER_PATHS in environment)) {
    const state = new FishVariables(environment, universals);
    state.reconstructPath();
    const path = state.visible('PATH');
    if (path && exportedText(path) !== environment.PATH) add('PATH', userPaths, exportedText(path), true);
  }
  return chains;
}
