/**
 * The key values shown per context in the overview and the doctor table, and how disagreements
 * between contexts are found. Pure logic shared by the CLI and the renderer.
 */
import type { ScanContext } from './scan-report.ts';

/** One column of the overview. */
export interface KeyColumn {
  id: string;
  title: string;
  /** Returns the cell's value, or null when the context has none (go missing, probe failed). */
  valueOf(context: ScanContext): string | null;
}

/** Names the Go settings shown as columns, in display order. */
export const KEY_GO_VARIABLES = [
  'GOROOT',
  'GOPATH',
  'GOBIN',
  'GOTOOLCHAIN',
  'GO111MODULE',
  'GOFLAGS',
  'GOPROXY',
  'GOENV',
] as const;

/**
 * Returns a Go setting as the context's `go` sees it. Without a working `go`, the raw OS
 * environment value is the best available answer, because that is what a `go` would start from.
 */
export function goSetting(context: ScanContext, name: string): string | null {
  if (!context.ok) return null;
  if (name === 'GOTOOLCHAIN' || name === 'GOFLAGS') {
    if (context.go?.env) return context.go.configured[name];
  } else if (context.go?.env && name in context.go.env) {
    return context.go.env[name] ?? null;
  }
  const fromEnvironment = context.env[name];
  return fromEnvironment === undefined ? null : fromEnvironment;
}

/** The overview's columns: which go, its version, then the Go settings. */
export const KEY_COLUMNS: KeyColumn[] = [
  {
    id: 'go',
    title: 'which go',
    valueOf: (context) => (context.ok ? (context.go?.path ?? null) : null),
  },
  {
    id: 'version',
    title: 'go version',
    valueOf: (context) => (context.ok ? (context.go?.version ?? null) : null),
  },
  ...KEY_GO_VARIABLES.map(
    (name): KeyColumn => ({ id: name, title: name, valueOf: (context) => goSetting(context, name) }),
  ),
];

/** A cell of the overview with its disagreement mark. */
export interface KeyCell {
  value: string | null;
  /** True when this value differs from the value most other contexts have. */
  differs: boolean;
}

/**
 * Computes every cell of the overview. Failed contexts take no part in the vote and are never
 * marked, since their values are unknown rather than different.
 */
export function computeKeyCells(contexts: ScanContext[]): Map<string, Map<string, KeyCell>> {
  const table = new Map<string, Map<string, KeyCell>>();
  for (const context of contexts) table.set(context.id, new Map());

  for (const column of KEY_COLUMNS) {
    const counts = new Map<string | null, number>();
    for (const context of contexts) {
      if (!context.ok) continue;
      const value = column.valueOf(context);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    const majority = mostCommon(counts);
    const disagree = counts.size > 1;
    for (const context of contexts) {
      const value = column.valueOf(context);
      const differs = context.ok && disagree && value !== majority;
      table.get(context.id)!.set(column.id, { value, differs });
    }
  }
  return table;
}

/** Returns the ids of the columns whose values are not the same in every working context. */
export function disagreeingColumns(contexts: ScanContext[]): string[] {
  const cells = computeKeyCells(contexts);
  return KEY_COLUMNS.filter((column) =>
    contexts.some((context) => cells.get(context.id)?.get(column.id)?.differs),
  ).map((column) => column.id);
}

function mostCommon(counts: Map<string | null, number>): string | null {
  let best: string | null = null;
  let bestCount = -1;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/** Splits a PATH-like list into entries, keeping empty entries, which mean the current directory. */
export function splitPathList(value: string): string[] {
  return value.split(':');
}
