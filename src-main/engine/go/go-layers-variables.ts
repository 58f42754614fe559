/**
 * Computes every variable `go env -json` prints, with the layer that supplied it, following
 * cmd/go's own derivations per release: which defaults apply, how paths are cleaned, how GOPATH,
 * GOMODCACHE, GOCACHE and CGO_ENABLED are derived, and how the C compiler variables are re-quoted.
 */
import type { GoLayeredVariable, GoSettingSource } from '../../shared/go-layers.ts';
import { parseGoarm64 } from './go-layers-arch.ts';
import { getSetting, osValue, settingOr, type LayerContext, type LayerValue } from './go-layers-context.ts';
import { lookPath, resolveAgainst } from './go-layers-files.ts';
import { resolveModules, type ModuleState } from './go-layers-modules.ts';
import {
  cleanPath,
  homeVariableOf,
  isAbsolutePath,
  joinPath,
  splitPathList,
  userCacheDirectory,
  userConfigDirectory,
} from './go-layers-paths.ts';
import { goQuote, joinQuoted, splitQuoted } from './go-layers-quoted.ts';
import { isAtLeast } from './go-layers-version.ts';

/** The printed values, and the facts the run prediction needs besides them. */
export interface ResolvedVariables {
  variables: Map<string, GoLayeredVariable>;
  goroot: { value: string; source: GoSettingSource };
  gopath: {
    /** GOPATH before main() drops a relative default; GOMODCACHE is derived from it. */
    value: string;
    explicit: boolean;
    source: GoSettingSource;
  };
  /** The error cache.Default reports when the build cache cannot be used, or null. */
  cacheError: string | null;
  /** Values that make a full `go env` panic, in the order cmd/go reads them. */
  costlyPanics: Array<{ name: string; message: string }>;
  goos: LayerValue;
  goarch: LayerValue;
  /** Module mode and the workspace file, from the working directory. */
  modules: ModuleState | null;
  /** Whether the C compiler (first word of CC) is found on PATH. */
  compilerFound: boolean | null;
}

/** The architecture variable cmd/go prints for each GOARCH, and the release that added it. */
const ARCH_VARIABLES: Record<string, { name: string; since: number }> = {
  arm: { name: 'GOARM', since: 0 },
  arm64: { name: 'GOARM64', since: 23 },
  '386': { name: 'GO386', since: 0 },
  amd64: { name: 'GOAMD64', since: 0 },
  mips: { name: 'GOMIPS', since: 0 },
  mipsle: { name: 'GOMIPS', since: 0 },
  mips64: { name: 'GOMIPS64', since: 0 },
  mips64le: { name: 'GOMIPS64', since: 0 },
  ppc64: { name: 'GOPPC64', since: 0 },
  ppc64le: { name: 'GOPPC64', since: 0 },
  riscv64: { name: 'GORISCV64', since: 23 },
  wasm: { name: 'GOWASM', since: 0 },
};

/** Computes every `go env -json` variable, and the facts the run prediction needs. */
export async function resolveVariables(context: LayerContext): Promise<ResolvedVariables> {
  const { input, release, flavor, facts } = context;
  const variables = new Map<string, GoLayeredVariable>();
  const add = (name: string, value: LayerValue, extra: Partial<GoLayeredVariable> = {}) => {
    variables.set(name, { name, value: value.value, source: value.source, exact: true, ...extra });
  };
  const plain = (name: string, rule: string) => add(name, settingOr(context, name, '', rule));

  const goos = settingOr(context, 'GOOS', input.os, `the OS the go binary was built for (${input.os})`);
  const goarch = settingOr(
    context,
    'GOARCH',
    input.arch,
    `the architecture the go binary was built for (${input.arch})`,
  );
  add('GOOS', goos);
  add('GOARCH', goarch);
  add('GOHOSTOS', { value: input.os, source: { layer: 'default', rule: 'the OS the go binary was built for' } });
  add('GOHOSTARCH', {
    value: input.arch,
    source: { layer: 'default', rule: 'the architecture the go binary was built for' },
  });
  add('GOEXE', {
    value: goos.value === 'windows' ? '.exe' : '',
    source: { layer: 'default', rule: `derived from GOOS=${goos.value}` },
  });
  add('GOVERSION', { value: input.goVersion, source: { layer: 'default', rule: 'the version of the go binary' } });

  plain('GO111MODULE', 'unset, so module mode is on');
  plain('GOBIN', 'unset, so go install writes to the bin directory of the first GOPATH entry');
  plain('GOFLAGS', 'unset');
  plain('GOINSECURE', 'unset');
  plain('GOPRIVATE', 'unset');
  plain('GOTMPDIR', 'unset, so go uses the system temporary directory');
  plain('GOVCS', 'unset, so go uses its built-in version control rules');
  const goprivate = variables.get('GOPRIVATE')!;
  const privateRule =
    goprivate.source.layer === 'default'
      ? 'GOPRIVATE, which is unset'
      : `GOPRIVATE (${describeSource(goprivate.source)})`;
  for (const name of ['GONOPROXY', 'GONOSUMDB']) add(name, settingOr(context, name, goprivate.value, privateRule));

  const modernDefaults = isAtLeast(release, 21);
  add(
    'GOPROXY',
    settingOr(
      context,
      'GOPROXY',
      modernDefaults ? '' : 'https://proxy.golang.org,direct',
      modernDefaults ? 'empty: from Go 1.21 on the default comes from $GOROOT/go.env' : 'built into Go before 1.21',
    ),
  );
  add(
    'GOSUMDB',
    settingOr(
      context,
      'GOSUMDB',
      modernDefaults ? '' : 'sum.golang.org',
      modernDefaults ? 'empty: from Go 1.21 on the default comes from $GOROOT/go.env' : 'built into Go before 1.21',
    ),
  );
  if (modernDefaults) {
    plain('GOTOOLCHAIN', 'empty: from Go 1.21 on the default comes from $GOROOT/go.env');
  }

  const experiment = settingOr(context, 'GOEXPERIMENT', facts.defaults.GOEXPERIMENT ?? '', 'the toolchain default');
  add('GOEXPERIMENT', experiment, experiment.source.layer === 'default' ? inexactUnless(facts.defaultsExact) : {});

  const goroot = resolveGoroot(context);
  add('GOROOT', goroot.value, goroot.stored === undefined ? {} : { storedValue: goroot.stored });
  add('GOTOOLDIR', {
    value:
      goroot.value.value === '' ? '' : joinPath(flavor, goroot.value.value, 'pkg', 'tool', `${input.os}_${input.arch}`),
    source: { layer: 'default', rule: 'GOROOT/pkg/tool/GOHOSTOS_GOHOSTARCH' },
  });

  const envFileVariable = resolveGoenvVariable(context);
  add('GOENV', envFileVariable);

  const gopath = resolveGopath(context, goroot.value.value);
  add('GOPATH', { value: gopath.printed, source: gopath.source }, gopath.note ? { note: gopath.note } : {});
  const firstEntry = splitPathList(flavor, gopath.value)[0] ?? '';
  add(
    'GOMODCACHE',
    settingOr(
      context,
      'GOMODCACHE',
      firstEntry === '' ? '' : joinPath(flavor, firstEntry, 'pkg', 'mod'),
      firstEntry === '' ? 'empty because GOPATH is empty' : 'pkg/mod under the first GOPATH entry',
    ),
  );

  const cache = resolveGocache(context);
  add('GOCACHE', cache.value, cache.note ? { note: cache.note } : {});

  if (isAtLeast(release, 23)) {
    const godebug = osValue(context, 'GODEBUG') ?? '';
    add('GODEBUG', {
      value: godebug,
      source:
        godebug === ''
          ? { layer: 'default', rule: 'unset (go reads GODEBUG only from the OS environment)' }
          : { layer: 'environment' },
    });
    for (const variable of await resolveTelemetry(context)) variables.set(variable.name, variable);
  }
  if (isAtLeast(release, 24)) {
    add('GOAUTH', settingOr(context, 'GOAUTH', 'netrc', 'built-in default'));
    plain('GOCACHEPROG', 'unset');
    add('GOFIPS140', settingOr(context, 'GOFIPS140', facts.defaults.GOFIPS140 ?? 'off', 'the toolchain default'));
  }

  const arch = archVariable(context, goarch.value);
  if (arch) variables.set(arch.name, arch);

  add('AR', settingOr(context, 'AR', 'ar', 'built-in default'));
  const defaultCompilerRule = (kind: string) => `the toolchain's default ${kind} for ${goos.value}/${goarch.value}`;
  const cc = settingOr(context, 'CC', facts.defaultCC(goos.value, goarch.value), defaultCompilerRule('C compiler'));
  add('CC', cc, cc.source.layer === 'default' ? inexactUnless(facts.compilerDefaultsExact) : {});
  const cxx = settingOr(
    context,
    'CXX',
    facts.defaultCXX(goos.value, goarch.value),
    defaultCompilerRule('C++ compiler'),
  );
  add('CXX', cxx, cxx.source.layer === 'default' ? inexactUnless(facts.compilerDefaultsExact) : {});

  variables.set('GCCGO', await resolveGccgo(context));
  const cgo = await resolveCgoEnabled(context, goos.value, goarch.value);
  variables.set('CGO_ENABLED', cgo);

  const costlyPanics: Array<{ name: string; message: string }> = [];
  for (const variable of resolveCompilerFlags(context, costlyPanics)) variables.set(variable.name, variable);
  variables.set('GOGCCFLAGS', {
    name: 'GOGCCFLAGS',
    value: '',
    source: { layer: 'default', rule: 'flags go builds for the C compiler after asking it which flags it supports' },
    exact: false,
    note: 'go computes GOGCCFLAGS by running the C compiler, and it names a random temporary directory',
  });

  const modules = await resolveModules(context, variables, gopath.value, goroot.value.value);
  if (modules) {
    add('GOMOD', {
      value: modules.goMod,
      source: { layer: 'default', rule: 'the go.mod found from the working directory' },
    });
    const workSetting = getSetting(context, 'GOWORK');
    if (workSetting?.value === 'off') add('GOWORK', workSetting);
    else {
      const workValue = typeof modules.workFile === 'string' ? modules.workFile : '';
      const explicit = workSetting !== null && workSetting.value !== '' && workSetting.value !== 'auto';
      add(
        'GOWORK',
        {
          value: workValue,
          source: explicit
            ? workSetting.source
            : { layer: 'default', rule: 'the go.work found from the working directory' },
        },
        // A relative or missing GOWORK prints as empty, but the layer still holds what was set.
        explicit && workSetting.value !== workValue ? { storedValue: workSetting.value } : {},
      );
    }
  } else {
    for (const name of ['GOMOD', 'GOWORK']) {
      variables.set(name, {
        name,
        value: '',
        source: { layer: 'default', rule: 'depends on the directory go runs in' },
        exact: false,
        note: 'not computed: no working directory was given',
      });
    }
  }

  const compilerWord = splitQuoted(cc.value);
  let compilerFound: boolean | null = null;
  if ('fields' in compilerWord && compilerWord.fields[0] !== undefined && context.sameHost) {
    compilerFound = !(
      await lookPath(compilerWord.fields[0], input.environment, input.workingDirectory, context.fileSystem)
    ).failed;
  }

  return {
    variables,
    goroot: goroot.value,
    gopath: { value: gopath.value, explicit: gopath.explicit, source: gopath.source },
    cacheError: cache.error,
    costlyPanics,
    goos,
    goarch,
    modules,
    compilerFound,
  };
}

function inexactUnless(exact: boolean): Partial<GoLayeredVariable> {
  return exact ? {} : { exact: false, note: 'the toolchain source tree is missing, so the go.dev default is assumed' };
}

/** Describes a source in a few words, for rules and explanations that name where a value comes from. */
export function describeSource(source: GoSettingSource): string {
  switch (source.layer) {
    case 'environment':
      return 'from the environment';
    case 'env-file':
      return `from ${source.path} line ${source.line}`;
    case 'goroot-go.env':
      return `from ${source.path} line ${source.line}`;
    case 'default':
      return `as the default (${source.rule})`;
  }
}

/**
 * Returns GOROOT as `go env` prints it. From Go 1.21 go prints an OS value as it is, so a
 * trailing slash stays, and cleans a Go env file value. Before 1.21 it cleans both.
 */
function resolveGoroot(context: LayerContext): { value: LayerValue; stored?: string } {
  const { release, flavor, input } = context;
  const fromOs = osValue(context, 'GOROOT') ?? '';
  const fileEntry = context.envFile?.parsed.effective.get('GOROOT');
  const fromFile = fileEntry?.value ?? '';
  if (fromOs !== '') {
    const printed = isAtLeast(release, 21) ? fromOs : cleanPath(flavor, fromOs);
    return {
      value: { value: printed, source: { layer: 'environment' } },
      stored: printed === fromOs ? undefined : fromOs,
    };
  }
  if (fromFile !== '' && fileEntry && context.envFile) {
    const printed = cleanPath(flavor, fromFile);
    return {
      value: { value: printed, source: { layer: 'env-file', path: context.envFile.path, line: fileEntry.line } },
      stored: printed === fromFile ? undefined : fromFile,
    };
  }
  return {
    value: { value: input.goroot, source: { layer: 'default', rule: 'the Go root that contains the go binary' } },
  };
}

/** GOENV as `go env` prints it: the Go env file path, or empty for GOENV=off and no location. */
function resolveGoenvVariable(context: LayerContext): LayerValue {
  const fromOs = osValue(context, 'GOENV') ?? '';
  if (fromOs !== '') return { value: fromOs === 'off' ? '' : fromOs, source: { layer: 'environment' } };
  return {
    value: context.envFileState.path ?? '',
    source: { layer: 'default', rule: context.envFileState.detail },
  };
}

/**
 * GOPATH: a setting, otherwise $HOME/go (%USERPROFILE%\go on Windows) unless that is the Go
 * root compiled into the binary. main() then drops a default that turned out relative.
 */
function resolveGopath(
  context: LayerContext,
  goroot: string,
): { value: string; printed: string; explicit: boolean; source: GoSettingSource; note?: string } {
  const { input, flavor, release } = context;
  const setting = getSetting(context, 'GOPATH');
  if (setting && setting.value !== '') {
    return { value: setting.value, printed: setting.value, explicit: true, source: setting.source };
  }

  const homeName = homeVariableOf(input.os);
  const home = osValue(context, homeName) ?? '';
  if (home === '') {
    return {
      value: '',
      printed: '',
      explicit: false,
      source: { layer: 'default', rule: `empty because $${homeName} is not set` },
    };
  }
  const candidate = joinPath(flavor, home, 'go');
  const runtimeGoroot = osValue(context, 'GOROOT') || builtinGoroot(context);
  if (runtimeGoroot !== '' && cleanPath(flavor, candidate) === cleanPath(flavor, runtimeGoroot)) {
    return {
      value: '',
      printed: '',
      explicit: false,
      source: { layer: 'default', rule: `empty because $${homeName}/go is the Go root ${runtimeGoroot}` },
    };
  }

  // main() drops a derived GOPATH with a relative entry instead of failing, unless GOPATH equals
  // GOROOT (then it skips the entry checks).
  const sameAsGoroot = isAtLeast(release, 21)
    ? cleanPath(flavor, candidate) === cleanPath(flavor, goroot)
    : cleanPath(flavor, candidate) === cleanPath(flavor, runtimeGoroot || '.');
  const relative = !sameAsGoroot && !isAbsolutePath(flavor, candidate) && !candidate.startsWith('~');
  return {
    value: candidate,
    printed: relative ? '' : candidate,
    explicit: false,
    source: { layer: 'default', rule: `$${homeName}/go` },
    note: relative ? `go drops the default ${candidate} because it is relative ($${homeName} is relative)` : undefined,
  };
}

/** runtime.GOROOT() without a GOROOT variable: the path compiled into the binary. */
export function builtinGoroot(context: LayerContext): string {
  if (context.input.builtinGoroot !== undefined) return context.input.builtinGoroot;
  return isAtLeast(context.release, 21) ? '' : context.input.goroot;
}

/** GOCACHE as cache.DefaultDir computes it, and the error a build would report. */
function resolveGocache(context: LayerContext): { value: LayerValue; error: string | null; note?: string } {
  const { input, release, flavor } = context;
  const setting = getSetting(context, 'GOCACHE');
  if (setting && setting.value !== '') {
    if (setting.value === 'off') {
      return { value: setting, error: 'build cache is disabled by GOCACHE=off, but required as of Go 1.12' };
    }
    if (isAbsolutePath(flavor, setting.value)) return { value: setting, error: null };
    return {
      value: { value: 'off', source: setting.source },
      error: 'build cache is required, but could not be located: GOCACHE is not an absolute path',
      note: `go prints off because GOCACHE=${setting.value} is not an absolute path`,
    };
  }
  const directory = userCacheDirectory(input.os, input.environment, release);
  if ('error' in directory) {
    return {
      value: {
        value: 'off',
        source: { layer: 'default', rule: `off because the user cache directory is unknown: ${directory.error}` },
      },
      error: `build cache is required, but could not be located: GOCACHE is not defined and ${directory.error}`,
    };
  }
  return {
    value: {
      value: joinPath(flavor, directory.directory, 'go-build'),
      source: { layer: 'default', rule: 'go-build in the user cache directory' },
    },
    error: null,
  };
}

/** GOTELEMETRY and GOTELEMETRYDIR (Go 1.23+), from the mode file under the user config directory. */
async function resolveTelemetry(context: LayerContext): Promise<GoLayeredVariable[]> {
  const { input, release, flavor } = context;
  const directory = userConfigDirectory(input.os, input.environment, release);
  if ('error' in directory) {
    const rule = `off because the user config directory is unknown: ${directory.error}`;
    return [
      { name: 'GOTELEMETRY', value: 'off', source: { layer: 'default', rule }, exact: true },
      { name: 'GOTELEMETRYDIR', value: '', source: { layer: 'default', rule }, exact: true },
    ];
  }

  const telemetryDirectory = joinPath(flavor, directory.directory, 'go', 'telemetry');
  const modeFile = joinPath(flavor, telemetryDirectory, 'mode');
  const dirVariable: GoLayeredVariable = {
    name: 'GOTELEMETRYDIR',
    value: telemetryDirectory,
    source: { layer: 'default', rule: 'go/telemetry in the user config directory' },
    exact: true,
  };

  const resolved = resolveAgainst(flavor, modeFile, input.workingDirectory);
  if (resolved === null) {
    return [
      {
        name: 'GOTELEMETRY',
        value: 'local',
        source: { layer: 'default', rule: `read from ${modeFile}` },
        exact: false,
        note: 'the mode file path is relative and no working directory was given',
      },
      dirVariable,
    ];
  }

  const read = await context.fileSystem.readFile(resolved);
  let mode = 'local';
  let rule = `local because ${modeFile} cannot be read (set with go telemetry)`;
  if ('bytes' in read) {
    // The file contains the mode, optionally followed by a space and the date it was set.
    const text = new TextDecoder().decode(read.bytes).trim();
    const space = text.indexOf(' ');
    mode = space >= 0 ? text.slice(0, space) : text;
    rule = `read from ${modeFile} (set with go telemetry)`;
  }
  return [{ name: 'GOTELEMETRY', value: mode, source: { layer: 'default', rule }, exact: true }, dirVariable];
}

/** Returns the architecture variable for GOARCH, with the default formatted as the release prints it. */
function archVariable(context: LayerContext, goarch: string): GoLayeredVariable | null {
  const { release, facts } = context;
  const entry = ARCH_VARIABLES[goarch];
  if (!entry || !isAtLeast(release, entry.since)) return null;
  const name = entry.name;
  let fallback = facts.defaults[name] ?? '';
  if (name === 'GOWASM') fallback = '';
  if (name === 'GOARM' && !facts.archDefaultsRaw) {
    // The default comes from buildcfg, which reads only the OS environment, and Android forces 7.
    if (!isAtLeast(release, 24) && (osValue(context, 'GOOS') ?? '') === 'android') fallback = '7';
    fallback = formatGoarm(fallback, isAtLeast(release, 22));
  }
  if (name === 'GOARM64' && !facts.archDefaultsRaw) fallback = parseGoarm64(fallback) ?? fallback;
  const value = settingOr(context, name, fallback, 'the toolchain default');
  const inexact = value.source.layer === 'default' ? inexactUnless(facts.defaultsExact) : {};
  return { name, value: value.value, source: value.source, exact: true, ...inexact };
}

/** Prints a GOARM default like buildcfg: the version, and from Go 1.22 the float mode. */
function formatGoarm(value: string, withFloatMode: boolean): string {
  const match = /^([567])(,softfloat|,hardfloat)?$/.exec(value);
  if (!match) return value;
  if (!withFloatMode) return match[1]!;
  const softFloat = match[2] === ',softfloat' || (match[2] === undefined && match[1] === '5');
  return `${match[1]}${softFloat ? ',softfloat' : ',hardfloat'}`;
}

/** GCCGO: the path LookPath finds for the name, or the name itself. */
async function resolveGccgo(context: LayerContext): Promise<GoLayeredVariable> {
  const name = settingOr(context, 'GCCGO', 'gccgo', 'built-in default');
  if (!context.sameHost) {
    return {
      name: 'GCCGO',
      value: name.value,
      source: name.source,
      exact: false,
      note: 'go prints the path where it finds this program on PATH, which is not checked for another OS',
    };
  }
  const found = await lookPath(
    name.value,
    context.input.environment,
    context.input.workingDirectory,
    context.fileSystem,
  );
  if (found.path === '') return { name: 'GCCGO', value: name.value, source: name.source, exact: true };
  return {
    name: 'GCCGO',
    value: found.path,
    source: name.source,
    storedValue: name.value,
    exact: true,
    note: `go prints where it finds ${name.value} on PATH`,
  };
}

/**
 * CGO_ENABLED: a setting of exactly 0 or 1 wins. Otherwise cgo is off when cross-compiling, on
 * for native builds where the platform supports it, and from Go 1.20 off when CC is not set in
 * the OS environment and the default C compiler is not on PATH.
 */
async function resolveCgoEnabled(context: LayerContext, goos: string, goarch: string): Promise<GoLayeredVariable> {
  const { input, release, facts } = context;
  const make = (
    value: boolean,
    source: GoSettingSource,
    extra: Partial<GoLayeredVariable> = {},
  ): GoLayeredVariable => ({
    name: 'CGO_ENABLED',
    value: value ? '1' : '0',
    source,
    exact: true,
    ...extra,
  });
  const setting = getSetting(context, 'CGO_ENABLED');
  if (setting && (setting.value === '0' || setting.value === '1')) return make(setting.value === '1', setting.source);

  const ignored =
    setting && setting.value !== ''
      ? ` (go ignores CGO_ENABLED=${JSON.stringify(setting.value)}: only 0 and 1 count)`
      : '';
  if (goos !== input.os || goarch !== input.arch) {
    return make(false, { layer: 'default', rule: `0 because ${goos}/${goarch} is a cross-compile target${ignored}` });
  }

  const pair = `${goos}/${goarch}`;
  const supported = facts.cgoPairs?.has(pair) ?? true;
  const supportKnown = facts.cgoPairs !== null;
  const osCgo = osValue(context, 'CGO_ENABLED') ?? '';
  const baked = facts.defaults.CGO_ENABLED ?? '';
  const goBuildSetting = osCgo !== '' ? osCgo : baked;
  let goBuildDefault = supported;
  if (goBuildSetting === '1') goBuildDefault = true;
  else if (goBuildSetting === '0') goBuildDefault = false;
  let enabled = facts.cgoDefaultInBuildcfg ? baked === '1' || (baked !== '0' && supported) : goBuildDefault;
  let rule = enabled ? `1 because ${pair} supports cgo` : `0 because ${pair} does not support cgo`;
  if (baked === '1' || baked === '0') rule = `${baked} because the toolchain was built with CGO_ENABLED=${baked}`;

  const needsLookup =
    isAtLeast(release, 20) &&
    goBuildDefault &&
    (osValue(context, 'CC') ?? '') === '' &&
    !(facts.cgoDefaultInBuildcfg && baked !== '');
  if (needsLookup && enabled !== false) {
    const compiler = facts.defaultCC(goos, goarch);
    if (!context.sameHost) {
      return make(
        enabled,
        { layer: 'default', rule: rule + ignored },
        {
          exact: false,
          note: `go turns cgo off when ${compiler} is not on PATH, which is not checked for another OS`,
        },
      );
    }
    const found = await lookPath(compiler, input.environment, input.workingDirectory, context.fileSystem);
    if (found.failed) {
      enabled = false;
      rule = found.relativeMatch
        ? `0 because ${compiler} is found only through the relative PATH entry ${found.path}, which go refuses`
        : `0 because CC is not set in the environment and ${compiler} is not on PATH`;
    } else {
      rule = `1 because ${pair} supports cgo and ${compiler} is on PATH (${found.path})`;
    }
  }
  return make(enabled, { layer: 'default', rule: rule + ignored }, supportKnown ? {} : inexactUnless(false));
}

/**
 * Computes the variables `go env` derives for the C compiler: CGO_*FLAGS quoted again with
 * quoted.Join, and the first word of PKG_CONFIG. Values that quoted.Split rejects make go panic.
 */
function resolveCompilerFlags(
  context: LayerContext,
  panics: Array<{ name: string; message: string }>,
): GoLayeredVariable[] {
  const { release, facts } = context;
  const defaults = isAtLeast(release, 20) ? '-O2 -g' : '-g -O2';
  const results: GoLayeredVariable[] = [];
  // cmd/go reads them in this order, so the first bad one is the panic a run shows.
  for (const name of ['CGO_CPPFLAGS', 'CGO_CFLAGS', 'CGO_CXXFLAGS', 'CGO_FFLAGS', 'CGO_LDFLAGS']) {
    const fallback = name === 'CGO_CPPFLAGS' ? '' : defaults;
    const setting = settingOr(
      context,
      name,
      fallback,
      fallback === '' ? 'unset' : `built-in default ${JSON.stringify(fallback)}`,
    );
    const split = splitQuoted(setting.value);
    if ('error' in split) {
      panics.push({
        name,
        message: `panic: could not parse environment variable ${name} with value ${goQuote(setting.value)}: ${split.error}`,
      });
      results.push({
        name,
        value: '',
        source: setting.source,
        storedValue: setting.value,
        exact: true,
        note: `go env panics: ${split.error}`,
      });
      continue;
    }
    const printed = joinQuoted(split.fields);
    results.push({
      name,
      value: printed,
      source: setting.source,
      exact: true,
      ...(printed === setting.value
        ? {}
        : { storedValue: setting.value, note: 'go splits the value into words and quotes it again' }),
    });
  }

  const pkgConfig = settingOr(context, 'PKG_CONFIG', facts.defaultPkgConfig, 'built-in default');
  const split = splitQuoted(pkgConfig.value);
  if ('error' in split || split.fields.length === 0) {
    const detail = 'error' in split ? split.error : 'the value has no words';
    panics.push({
      name: 'PKG_CONFIG',
      message:
        'error' in split
          ? `panic: could not parse environment variable PKG_CONFIG with value ${goQuote(pkgConfig.value)}: ${split.error}`
          : 'panic: runtime error: index out of range [0] with length 0',
    });
    results.push({
      name: 'PKG_CONFIG',
      value: '',
      source: pkgConfig.source,
      storedValue: pkgConfig.value,
      exact: true,
      note: `go env panics: ${detail}`,
    });
  } else {
    const first = split.fields[0]!;
    results.push({
      name: 'PKG_CONFIG',
      value: first,
      source: pkgConfig.source,
      exact: true,
      ...(first === pkgConfig.value ? {} : { storedValue: pkgConfig.value, note: 'go keeps only the first word' }),
    });
  }
  return results;
}
