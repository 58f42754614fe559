/**
 * Maps scan contexts onto the toolchain inventory: which toolchain each context's `go` runs and
 * which one its GOROOT names. Works on the two reports alone, without touching the file system,
 * so the paths in the inventory (Go roots, aliases and the links behind them) must cover the
 * spellings the contexts use.
 */
import type {
  InstalledToolchain,
  ToolchainContextUse,
  ToolchainInventory,
  ToolchainReference,
  ToolchainReferenceField,
  ToolchainUsage,
} from '../../shared/go-toolchains.ts';
import type { ScanContext } from '../../shared/scan-report.ts';

/** Alias kinds whose path is a directory standing for the whole Go root. */
const DIRECTORY_ALIAS_KINDS = new Set(['symlink', 'goroot-variable', 'go-env-file']);

/** Lists, for each toolchain of the inventory, the contexts whose `go` or GOROOT leads to it. */
export function contextsUsingToolchain(inventory: ToolchainInventory, contexts: ScanContext[]): ToolchainUsage {
  const index = new PathIndex(inventory);
  const uses = new Map<string, ToolchainContextUse>(
    inventory.toolchains.map((toolchain) => [
      toolchain.id,
      { toolchainId: toolchain.id, contextIds: [], references: [], shadowedIn: [] },
    ]),
  );
  const unmatched: ToolchainReference[] = [];

  const record = (context: ScanContext, field: ToolchainReferenceField, value: string, toolchain: InstalledToolchain | null) => {
    const reference: ToolchainReference = { contextId: context.id, field, path: value };
    if (!toolchain) {
      unmatched.push(reference);
      return;
    }
    const use = uses.get(toolchain.id)!;
    use.references.push(reference);
    if (!use.contextIds.includes(context.id)) use.contextIds.push(context.id);
  };

  for (const context of contexts) {
    const go = context.go;
    let running: InstalledToolchain | null = null;
    if (go?.path) {
      const candidate = go.candidates.find((entry) => entry.path === go.path) ?? go.candidates[0];
      running =
        (candidate && (index.byFile(candidate.realPath) ?? index.byDirectory(candidate.goroot, true))) ??
        index.byFile(go.path);
      record(context, 'go.path', go.path, running);
      for (const other of go.candidates) {
        if (other === candidate) continue;
        const shadowed = index.byFile(other.realPath) ?? index.byDirectory(other.goroot, true) ?? index.byFile(other.path);
        const use = shadowed && shadowed !== running ? uses.get(shadowed.id)! : null;
        if (use && !use.shadowedIn.includes(context.id)) use.shadowedIn.push(context.id);
      }
    }
    const gorootVariable = context.env.GOROOT;
    if (gorootVariable) record(context, 'env.GOROOT', gorootVariable, index.byDirectory(gorootVariable, false));
    const effectiveGoroot = go?.env?.GOROOT;
    if (effectiveGoroot) record(context, 'go.env.GOROOT', effectiveGoroot, index.byDirectory(effectiveGoroot, false));
  }

  return { toolchains: [...uses.values()], unmatched };
}

/** Looks toolchains up by the paths that lead to them, in the inventory platform's path rules. */
class PathIndex {
  private readonly files = new Map<string, InstalledToolchain>();
  private readonly directories = new Map<string, InstalledToolchain>();
  private readonly caseInsensitive: boolean;

  constructor(inventory: ToolchainInventory) {
    this.caseInsensitive = inventory.platform === 'windows';
    for (const toolchain of inventory.toolchains) {
      if (toolchain.goroot) this.directories.set(this.key(toolchain.goroot), toolchain);
      for (const alias of toolchain.aliases) {
        const target = DIRECTORY_ALIAS_KINDS.has(alias.kind) ? this.directories : this.files;
        if (!target.has(this.key(alias.path))) target.set(this.key(alias.path), toolchain);
        // Each link step is another spelling of the same file or directory.
        for (const link of alias.links) {
          if (!target.has(this.key(link))) target.set(this.key(link), toolchain);
        }
      }
      if (toolchain.goBinary) {
        this.files.set(this.key(toolchain.goBinary.path), toolchain);
        this.files.set(this.key(toolchain.goBinary.realPath), toolchain);
      }
    }
  }

  /** Finds the toolchain a file belongs to: a known spelling of it, or the Go root it lies in. */
  byFile(file: string | null | undefined): InstalledToolchain | null {
    if (!file || !this.isAbsolute(file)) return null;
    return this.files.get(this.key(file)) ?? this.byDirectory(file, true);
  }

  /** Finds the toolchain whose Go root is `directory`, or contains it when `orBelow` is set. */
  byDirectory(directory: string | null | undefined, orBelow: boolean): InstalledToolchain | null {
    if (!directory || !this.isAbsolute(directory)) return null;
    let key = this.key(directory);
    for (;;) {
      const found = this.directories.get(key);
      if (found) return found;
      if (!orBelow) return null;
      const slash = key.lastIndexOf('/');
      if (slash <= 0) return null;
      key = key.slice(0, slash);
    }
  }

  private isAbsolute(value: string): boolean {
    return value.startsWith('/') || (this.caseInsensitive && /^[A-Za-z]:[\\/]/.test(value));
  }

  private key(value: string): string {
    let key = this.caseInsensitive ? value.replaceAll('\\', '/').toLowerCase() : value;
    key = key.replace(/\/{2,}/g, '/');
    // Drop `.` components and a trailing slash (GOROOT=/usr/lib/go-1.23/ is used as written).
    key = key.replace(/\/\.(?=\/|$)/g, '');
    while (key.length > 1 && key.endsWith('/') && !/^[a-z]:\/$/.test(key)) key = key.slice(0, -1);
    return key;
  }
}
