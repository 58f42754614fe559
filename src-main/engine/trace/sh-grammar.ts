/**
 * Loads tree-sitter-bash through web-tree-sitter and parses sh-family startup files with it. Both
 * WebAssembly files ship inside their npm packages, so loading needs no network. The grammar is
 * bash's, which is a superset of the POSIX sh that dash and posh read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { Language, Parser, type Tree } from 'web-tree-sitter';

/** The two WebAssembly files the reader needs. */
export interface ShellGrammarFiles {
  /** The tree-sitter runtime (web-tree-sitter.wasm). */
  runtime: string;
  /** The bash grammar (tree-sitter-bash.wasm). */
  grammar: string;
}

/** Folder under Electron's resources path that a packaged app copies both files into. */
const PACKAGED_FOLDER = 'tree-sitter';

/**
 * Returns where the WebAssembly files are. A packaged Electron app finds them in
 * `<resources>/tree-sitter/`; everywhere else (the CLI, tests, `npm start`) they are read from
 * node_modules.
 * NOTE: electron-builder.yml does not copy them into the resources folder yet, so a packaged app
 * has to add both files as extraResources under `tree-sitter/`.
 */
export function shellGrammarFiles(): ShellGrammarFiles {
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) {
    const packaged = {
      runtime: path.join(resourcesPath, PACKAGED_FOLDER, 'web-tree-sitter.wasm'),
      grammar: path.join(resourcesPath, PACKAGED_FOLDER, 'tree-sitter-bash.wasm'),
    };
    if (existsSync(packaged.runtime) && existsSync(packaged.grammar)) return packaged;
  }
  const require = createRequire(import.meta.url);
  return {
    runtime: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    grammar: require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'),
  };
}

let parser: Parser | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads the runtime and the grammar once; later calls return the same promise. Parsing is
 * synchronous afterwards, which a tracer's `analyse` needs.
 */
export function loadShellGrammar(): Promise<void> {
  loading ??= (async () => {
    const files = shellGrammarFiles();
    await Parser.init({ wasmBinary: readFileSync(files.runtime) } as object);
    const language = await Language.load(readFileSync(files.grammar));
    const created = new Parser();
    created.setLanguage(language);
    parser = created;
  })();
  return loading;
}

/** True once `loadShellGrammar` has finished. */
export function isShellGrammarLoaded(): boolean {
  return parser !== null;
}

/** Parses shell source text; throws unless `loadShellGrammar` has finished. */
export function parseShellSource(source: string): Tree {
  if (!parser) throw new Error('the shell grammar is not loaded yet: await loadShellGrammar() before parsing');
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no syntax tree');
  return tree;
}
