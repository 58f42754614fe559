/**
 * Reads the build-time defaults of a Go toolchain from the generated files in its source tree
 * ($GOROOT/src). These are the architecture defaults cmd/dist bakes into internal/buildcfg, the
 * default C compiler, the GOOS/GOARCH pairs and which of them support cgo, and the GOEXPERIMENT
 * names. When a file is missing (a trimmed Go tree), the engine falls back to the values of the
 * go.dev builds and marks the values that depend on them as not exact.
 */
import { isAtLeast, type GoRelease } from './go-layers-version.ts';
import type { GoLayersFileSystem } from './go-layers-files.ts';

export interface ToolchainFacts {
  /** Baked defaults by variable name: GO386, GOAMD64, GOARM, …, GOEXPERIMENT, GOFIPS140, CGO_ENABLED. */
  defaults: Record<string, string>;
  /** Whether `defaults` came from the toolchain's own zbootstrap.go. */
  defaultsExact: boolean;
  /**
   * Whether the cgo default is baked into internal/buildcfg, as in go1.26. There a baked 0 or 1
   * is used without looking for a C compiler. Older releases keep the default in go/build.
   */
  cgoDefaultInBuildcfg: boolean;
  /** Whether cmd/go prints the baked default strings as they are (Go 1.24+) or re-formats them. */
  archDefaultsRaw: boolean;
  defaultCC(goos: string, goarch: string): string;
  defaultCXX(goos: string, goarch: string): string;
  defaultPkgConfig: string;
  compilerDefaultsExact: boolean;
  /** Valid GOOS/GOARCH pairs ("linux/amd64"), or null when unknown. */
  osArchPairs: Set<string> | null;
  /** Pairs whose native builds support cgo, or null when unknown. */
  cgoPairs: Set<string> | null;
  /** Accepted GOEXPERIMENT names (without the `no` prefix), or null when unknown. */
  experiments: Set<string> | null;
}

/** Reads the facts of the toolchain in `goroot`, falling back to go.dev defaults per file. */
export async function readToolchainFacts(
  goroot: string,
  release: GoRelease | null,
  fileSystem: GoLayersFileSystem,
): Promise<ToolchainFacts> {
  const read = async (relative: string): Promise<string | null> => {
    const result = await fileSystem.readFile(`${goroot}/src/${relative}`);
    return 'bytes' in result ? new TextDecoder().decode(result.bytes) : null;
  };

  const bootstrap = await read('internal/buildcfg/zbootstrap.go');
  const defaults = bootstrap ? parseBootstrapDefaults(bootstrap) : fallbackDefaults(release);
  const archDefaultsRaw = bootstrap ? /\bconst DefaultGOAMD64\b/.test(bootstrap) : isAtLeast(release, 24);
  const cgoDefaultInBuildcfg = defaults.CGO_ENABLED !== undefined;
  if (defaults.CGO_ENABLED === undefined) {
    const zcgo = await read('go/build/zcgo.go');
    defaults.CGO_ENABLED = zcgo ? (/defaultCGO_ENABLED = "([^"]*)"/.exec(zcgo)?.[1] ?? '') : '';
  }

  const compiler = await read('cmd/go/internal/cfg/zdefaultcc.go');
  const compilerRules = compiler ? parseDefaultCompilers(compiler) : fallbackCompilers(release);

  const platformFile = isAtLeast(release, 20)
    ? await read('internal/platform/zosarch.go')
    : await read('cmd/go/internal/cfg/zosarch.go');
  const pairs = platformFile ? parsePairs(platformFile) : null;
  let cgoPairs = pairs?.cgo ?? null;
  if (!isAtLeast(release, 20)) {
    // Go 1.19 decides the cgo default from go/build's own table.
    const zcgo = await read('go/build/zcgo.go');
    cgoPairs = zcgo ? parsePairs(zcgo).cgo : cgoPairs;
  }

  const flags = await read('internal/goexperiment/flags.go');
  let experiments: Set<string> | null = null;
  if (flags) {
    const body = /type Flags struct \{([\s\S]*?)\n\}/.exec(flags)?.[1] ?? '';
    experiments = new Set(
      [...body.matchAll(/^\s+([A-Z][A-Za-z0-9]*)\s+bool\b/gm)].map((match) => match[1]!.toLowerCase()),
    );
    // "regabi" is an alias that sets both regabi experiments.
    experiments.add('regabi');
  }

  return {
    defaults,
    defaultsExact: bootstrap !== null,
    cgoDefaultInBuildcfg,
    archDefaultsRaw,
    defaultCC: (goos, goarch) => pickCompiler(compilerRules.cc, goos, goarch),
    defaultCXX: (goos, goarch) => pickCompiler(compilerRules.cxx, goos, goarch),
    defaultPkgConfig: compilerRules.pkgConfig,
    compilerDefaultsExact: compiler !== null,
    osArchPairs: pairs?.all ?? null,
    cgoPairs,
    experiments,
  };
}

function parseBootstrapDefaults(text: string): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const match of text.matchAll(/^const [dD]efault(GO[A-Z0-9]+|CGO_ENABLED) = (?:`([^`]*)`|"([^"]*)")/gm)) {
    defaults[match[1]!] = match[2] ?? match[3] ?? '';
  }
  return defaults;
}

/** Returns the defaults of the go.dev builds for amd64 hosts, for when zbootstrap.go is missing. */
function fallbackDefaults(release: GoRelease | null): Record<string, string> {
  return {
    GO386: 'sse2',
    GOAMD64: 'v1',
    GOARM: isAtLeast(release, 22) ? '7' : '5',
    GOARM64: 'v8.0',
    GOMIPS: 'hardfloat',
    GOMIPS64: 'hardfloat',
    GOPPC64: 'power8',
    GORISCV64: 'rva20u64',
    GOEXPERIMENT: '',
    GOFIPS140: 'off',
  };
}

interface CompilerRule {
  pairs: Map<string, string>;
  oses: Map<string, string>;
  fallback: string;
}

interface CompilerRules {
  cc: CompilerRule;
  cxx: CompilerRule;
  pkgConfig: string;
}

function parseDefaultCompilers(text: string): CompilerRules {
  const parseFunction = (name: string, fallback: string): CompilerRule => {
    const body = new RegExp(`func ${name}\\(goos, goarch string\\) string \\{([\\s\\S]*?)\\n\\}`).exec(text)?.[1] ?? '';
    const rule: CompilerRule = { pairs: new Map(), oses: new Map(), fallback };
    for (const match of body.matchAll(/case ([^:]+):\s*return ("[^"]*"|`[^`]*`)/g)) {
      const value = match[2]!.slice(1, -1);
      for (const label of match[1]!.matchAll(/["`]([^"`]+)["`]/g)) {
        const key = label[1]!;
        (key.includes('/') ? rule.pairs : rule.oses).set(key, value);
      }
    }
    const last = [...body.matchAll(/\n\treturn ("[^"]*"|`[^`]*`)/g)].pop();
    if (last) rule.fallback = last[1]!.slice(1, -1);
    return rule;
  };
  return {
    cc: parseFunction('DefaultCC', 'gcc'),
    cxx: parseFunction('DefaultCXX', 'g++'),
    pkgConfig: /DefaultPkgConfig = `([^`]*)`/.exec(text)?.[1] ?? 'pkg-config',
  };
}

/** Go 1.20+ defaults to clang on the BSDs that ship it and on Apple systems. */
function fallbackCompilers(release: GoRelease | null): CompilerRules {
  const clangOses = isAtLeast(release, 20) ? ['darwin', 'ios', 'freebsd', 'openbsd'] : [];
  return {
    cc: { pairs: new Map(), oses: new Map(clangOses.map((os) => [os, 'clang'])), fallback: 'gcc' },
    cxx: { pairs: new Map(), oses: new Map(clangOses.map((os) => [os, 'clang++'])), fallback: 'g++' },
    pkgConfig: 'pkg-config',
  };
}

function pickCompiler(rule: CompilerRule, goos: string, goarch: string): string {
  return rule.pairs.get(`${goos}/${goarch}`) ?? rule.oses.get(goos) ?? rule.fallback;
}

/** Reads `"os/arch": true` maps (Go 1.19) or `{"os", "arch"}: {CgoSupported: true}` entries (1.20+). */
function parsePairs(text: string): { all: Set<string>; cgo: Set<string> } {
  const all = new Set<string>();
  const cgo = new Set<string>();
  for (const match of text.matchAll(/"([a-z0-9]+\/[a-z0-9]+)":\s*(true|false)/g)) {
    all.add(match[1]!);
    if (match[2] === 'true') cgo.add(match[1]!);
  }
  for (const match of text.matchAll(/\{"([a-z0-9]+)", "([a-z0-9]+)"\}(:\s*\{([^}]*)\})?/g)) {
    const pair = `${match[1]}/${match[2]}`;
    all.add(pair);
    if (match[4]?.includes('CgoSupported: true')) cgo.add(pair);
  }
  return { all, cgo };
}
