/**
 * Judges one Go setting value by the rules of the running Go release. It reports whether go
 * accepts the value and what it breaks when go does not (with go's own message). It also reports
 * values go accepts that probably do not mean what the user intended, such as quotes, `~`,
 * `$HOME` or a carriage return.
 */
import type { GoFindingImpact } from '../../shared/go-layers.ts';
import { buildcfgVariables, checkArchValue, checkExperiments } from './go-layers-arch.ts';
import { osValue, settingOr, type LayerContext } from './go-layers-context.ts';
import { resolveAgainst } from './go-layers-files.ts';
import { checkGoflags, goEnvFlagSettings } from './go-layers-goflags.ts';
import { baseName, cleanPath, isAbsolutePath, joinPath, splitPathList } from './go-layers-paths.ts';
import { goQuote, splitQuoted } from './go-layers-quoted.ts';
import { compareGoVersions, isAtLeast, isLanguageVersion, versionFromToolchain } from './go-layers-version.ts';

/** A problem with one value, before it is tied to a file line. */
export interface ValueProblem {
  severity: 'error' | 'warning' | 'info';
  impact: GoFindingImpact;
  reason: string;
  goMessage?: string;
}

/** The layer a value comes from, which changes how go treats it. */
export type ValueOrigin = 'env-file' | 'goroot-go.env' | 'environment';

/** Variables whose value go splits on white space, so a trailing carriage return does no harm. */
const SPLIT_VARIABLES = new Set([
  'GOFLAGS',
  'CGO_CFLAGS',
  'CGO_CPPFLAGS',
  'CGO_CXXFLAGS',
  'CGO_FFLAGS',
  'CGO_LDFLAGS',
  'CC',
  'CXX',
  'FC',
  'PKG_CONFIG',
  'GOPROXY',
]);

/** Variables holding comma-separated module path patterns. */
const PATTERN_VARIABLES = new Set(['GOPRIVATE', 'GONOPROXY', 'GONOSUMDB', 'GOINSECURE']);

/** Describes a value for a message, showing a carriage return go keeps. */
function quoteForMessage(value: string): string {
  return value.includes('\r')
    ? `${goQuote(value)} (the \\r is a carriage return from Windows line endings)`
    : goQuote(value);
}

export async function checkValue(
  context: LayerContext,
  name: string,
  value: string,
  origin: ValueOrigin,
): Promise<ValueProblem[]> {
  const problems: ValueProblem[] = [];
  const { release, flavor } = context;
  const add = (problem: ValueProblem) => problems.push(problem);

  if (value.endsWith('\r')) {
    add(
      SPLIT_VARIABLES.has(name)
        ? {
            severity: 'info',
            impact: 'none',
            reason:
              `${name} ends with a carriage return (Windows line endings), which is harmless here because go splits ` +
              `this value on white space`,
          }
        : {
            severity: 'warning',
            impact: 'none',
            reason: `${name} ends with a carriage return (Windows line endings), and go keeps it as part of the value`,
          },
    );
  }
  if (
    !SPLIT_VARIABLES.has(name) &&
    name !== 'GOFLAGS' &&
    /^(["']).*\1$/s.test(value.replace(/\r$/, '')) &&
    value.length >= 2
  ) {
    add({
      severity: 'warning',
      impact: 'none',
      reason: `${name} is wrapped in quotes. Go env files are not shell syntax, so the quotes are part of the value`,
    });
  }
  if (/\$\{?[A-Za-z_]/.test(value) && origin !== 'environment') {
    add({
      severity: 'warning',
      impact: 'none',
      reason: `${name} contains ${/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/.exec(value)![0]}, which go does not expand in this file`,
    });
  }

  switch (name) {
    case 'GO111MODULE':
      if (!['', 'on', 'off', 'auto'].includes(value)) {
        add({
          severity: 'error',
          impact: 'every-command',
          reason:
            `GO111MODULE=${quoteForMessage(value)} is not one of on, off, auto or empty, so go env, go build and ` +
            `every other command that loads modules fail (go version still works)`,
          goMessage: `go: unknown environment setting GO111MODULE=${value}`,
        });
      }
      break;
    case 'GOTOOLCHAIN':
      checkGotoolchain(context, value, origin, add);
      break;
    case 'GOPATH':
      checkGopathValue(context, value, add);
      break;
    case 'GOROOT':
      await checkGorootValue(context, value, origin, add);
      break;
    case 'GOMODCACHE':
      if (value !== '' && !isAbsolutePath(flavor, value)) {
        add({
          severity: 'error',
          impact: 'module-downloads',
          reason:
            `GOMODCACHE=${quoteForMessage(value)} is not an absolute path, so downloading modules fails (go env ` +
            `still accepts it)`,
          goMessage: `GOMODCACHE entry is relative; must be absolute path: ${goQuote(value)}.`,
        });
      }
      break;
    case 'GOCACHE':
      if (value === 'off') {
        add({
          severity: 'error',
          impact: 'builds',
          reason:
            `GOCACHE=off disables the build cache, which every build ` +
            `needs${isAtLeast(release, 22) ? '. A full go env also fails when a C compiler is on PATH' : ''}`,
          goMessage: 'build cache is disabled by GOCACHE=off, but required as of Go 1.12',
        });
      } else if (value !== '' && !isAbsolutePath(flavor, value)) {
        add({
          severity: 'error',
          impact: 'builds',
          reason:
            `GOCACHE=${quoteForMessage(value)} is not an absolute path, so go treats the cache as ` +
            `off${isAtLeast(release, 22) ? '. A full go env also fails when a C compiler is on PATH' : ''}`,
          goMessage: 'build cache is required, but could not be located: GOCACHE is not an absolute path',
        });
      }
      break;
    case 'GOTMPDIR':
      await checkGotmpdir(context, value, add);
      break;
    case 'GOBIN':
      if (value !== '' && !isAbsolutePath(flavor, value)) {
        add({
          severity: 'error',
          impact: 'builds',
          reason:
            `GOBIN=${quoteForMessage(value)} is not an absolute ` +
            `path${value.startsWith('~') ? ' (go does not expand ~)' : ''}, so go install fails`,
          goMessage: 'cannot install, GOBIN must be an absolute path',
        });
      }
      break;
    case 'GOFLAGS':
      checkGoflagsValue(context, value, add);
      break;
    case 'GOPROXY':
      checkGoproxy(context, value, add);
      break;
    case 'GOSUMDB':
      if (/["']/.test(value)) {
        add({
          severity: 'warning',
          impact: 'module-downloads',
          reason: 'GOSUMDB contains quotes, which go does not remove',
        });
      }
      break;
    case 'GOVCS':
      for (const entry of value.split(',')) {
        if (entry.trim() !== '' && !entry.includes(':')) {
          add({
            severity: 'error',
            impact: 'module-downloads',
            reason:
              `GOVCS entry ${goQuote(entry)} has no pattern:vcslist form, so go rejects all of GOVCS ` +
              `("malformed entry in GOVCS (missing colon)") when it fetches code from version control`,
          });
        }
      }
      break;
    case 'GOEXPERIMENT': {
      const error = checkExperiments(value, context.facts.experiments);
      if (error) {
        add({
          severity: 'error',
          impact: origin === 'environment' ? 'every-command' : 'go-env',
          reason:
            `GOEXPERIMENT=${quoteForMessage(value)} names an experiment this Go release does not have, so go env ` +
            `and every build fail`,
          goMessage: `go: ${error}`,
        });
      }
      break;
    }
    case 'GOOS':
    case 'GOARCH':
      checkPlatform(context, name, value, add);
      break;
    case 'CGO_ENABLED':
      if (value !== '' && value !== '0' && value !== '1') {
        add({
          severity: 'warning',
          impact: 'ignored',
          reason: `CGO_ENABLED=${quoteForMessage(value)} is ignored: go only acts on 0 or 1 and otherwise uses its default`,
        });
      }
      break;
    case 'CC':
    case 'CXX':
    case 'FC':
      checkCompiler(context, name, value, add);
      break;
    case 'CGO_CFLAGS':
    case 'CGO_CPPFLAGS':
    case 'CGO_CXXFLAGS':
    case 'CGO_FFLAGS':
    case 'CGO_LDFLAGS':
    case 'PKG_CONFIG': {
      const split = splitQuoted(value);
      if ('error' in split || (name === 'PKG_CONFIG' && value !== '' && split.fields.length === 0)) {
        add({
          severity: 'error',
          impact: 'go-env',
          reason:
            `${name}=${quoteForMessage(value)} cannot be split into words ` +
            `(${'error' in split ? split.error : 'only white space'}), so a full go env panics and cgo builds fail`,
          goMessage:
            'error' in split
              ? `panic: could not parse environment variable ${name} with value ${goQuote(value)}: ${split.error}`
              : 'panic: runtime error: index out of range [0] with length 0',
        });
      }
      break;
    }
    case 'GOWORK':
      if (value !== '' && value !== 'off' && value !== 'auto' && !isAbsolutePath(flavor, value)) {
        add({
          severity: 'error',
          impact: 'go-env',
          reason:
            `GOWORK=${quoteForMessage(value)} must be off, auto or an absolute path, or go env and module commands ` +
            `fail`,
          goMessage: isAtLeast(release, 20)
            ? 'go: invalid GOWORK: not an absolute path'
            : 'the path provided to GOWORK must be an absolute path',
        });
      }
      break;
    default:
      if (PATTERN_VARIABLES.has(name) && /["'\s]/.test(value.replace(/\r$/, ''))) {
        add({
          severity: 'warning',
          impact: 'module-downloads',
          reason:
            `${name} contains quotes or spaces, but its comma-separated patterns are matched literally, so such a ` +
            `pattern never matches`,
        });
      }
  }

  if (buildcfgVariables(release).includes(name)) {
    const error = checkArchValue(name, value, release);
    // From go1.23 buildcfg stores the GOARM64 result in its error variable after checking GOAMD64
    // and GOARM, so their errors vanish whenever GOARM64 is valid (go1.26 still does this).
    const armValue = osValue(context, 'GOARM64') || context.facts.defaults.GOARM64 || 'v8.0';
    const dropped =
      origin === 'environment' &&
      isAtLeast(release, 23) &&
      (name === 'GOAMD64' || name === 'GOARM') &&
      checkArchValue('GOARM64', armValue, release) === null;
    if (error && dropped) {
      add({
        severity: 'error',
        impact: 'builds',
        reason:
          `${name}=${quoteForMessage(value)} is invalid, but this Go release loses the error while it checks GOARM64, ` +
          'so go runs anyway. The compiler rejects the value or builds for the default level',
        goMessage: `compile: ${error}`,
      });
    } else if (error) {
      add(
        origin === 'environment'
          ? {
              severity: 'error',
              impact: 'every-command',
              reason:
                `${name}=${quoteForMessage(value)} is invalid, and go checks it in the OS environment before any ` +
                `command runs`,
              goMessage: `go: ${error}`,
            }
          : {
              severity: 'error',
              impact: 'builds',
              reason:
                `${name}=${quoteForMessage(value)} is invalid. Go itself checks ${name} only in the OS environment, ` +
                `so go env accepts this line, but the compiler rejects it`,
              goMessage: `compile: ${error}`,
            },
      );
    }
  }
  return problems;
}

/** GOTOOLCHAIN by the rules of toolchain.Select (Go 1.21+). */
function checkGotoolchain(
  context: LayerContext,
  value: string,
  origin: ValueOrigin,
  add: (problem: ValueProblem) => void,
): void {
  const { release, input } = context;
  if (!isAtLeast(release, 21)) return;
  if (value === '' || value === 'auto' || value === 'path' || value === 'local') return;

  const plus = value.indexOf('+');
  const minimum = plus >= 0 ? value.slice(0, plus) : value;
  const suffix = plus >= 0 ? value.slice(plus + 1) : '';
  const invalid = (goMessage: string, detail: string) =>
    add({
      severity: 'error',
      impact: 'every-command',
      reason:
        `GOTOOLCHAIN=${quoteForMessage(value)} is invalid (${detail}), so every go command in module mode fails, ` +
        `including go env and go version`,
      goMessage,
    });

  if (minimum !== 'local' && versionFromToolchain(minimum) === null) {
    invalid(
      plus >= 0
        ? `go: invalid GOTOOLCHAIN ${goQuote(value)}: invalid minimum toolchain ${goQuote(minimum)}`
        : `go: invalid GOTOOLCHAIN ${goQuote(value)}`,
      'expected local, auto, path, a toolchain name such as go1.22.12, or one of those with +auto or +path',
    );
    return;
  }
  if (plus >= 0 && suffix !== 'auto' && suffix !== 'path') {
    invalid(
      `go: invalid GOTOOLCHAIN ${goQuote(value)}: only version suffixes are +auto and +path`,
      'the suffix must be +auto or +path',
    );
    return;
  }

  if (minimum === 'local') return;
  const local = input.goVersion.split(/\s/)[0]!;
  if (minimum === local) return;
  if (!minimum.startsWith('go1') && !minimum.includes('-go1')) {
    invalid(`go: invalid GOTOOLCHAIN ${goQuote(minimum)}`, 'only Go 1 toolchains can be selected');
    return;
  }

  const version = versionFromToolchain(minimum) ?? '';
  if (isLanguageVersion(version) && compareGoVersions(version, '1.21') >= 0) {
    add({
      severity: 'error',
      impact: 'every-command',
      reason: `GOTOOLCHAIN=${value} names a language version, but toolchains are released as ${minimum}.0, ${minimum}.1, …`,
      goMessage: `go: invalid toolchain: ${minimum} is a language version but not a toolchain version (${minimum}.x)`,
    });
    return;
  }

  const layerNames: Record<ValueOrigin, string> = {
    environment: 'the environment',
    'env-file': 'the Go env file',
    'goroot-go.env': '$GOROOT/go.env',
  };
  const where = layerNames[origin];
  add({
    severity: 'warning',
    impact: 'toolchain-switch',
    reason:
      `GOTOOLCHAIN=${value} from ${where} makes every go command in module mode run ${minimum} instead of the installed ${local}` +
      ` (a ${minimum} program on PATH, the module cache, or a download)${plus < 0 ? '' : `, or newer when a go.mod asks (+${suffix})`}`,
  });
}

function checkGopathValue(context: LayerContext, value: string, add: (problem: ValueProblem) => void): void {
  const { flavor } = context;
  for (const entry of splitPathList(flavor, value)) {
    if (entry === '') continue;
    if (entry.startsWith('~')) {
      add({
        severity: 'error',
        impact: 'every-command',
        reason:
          `GOPATH entry ${quoteForMessage(entry)} starts with ~, which go does not expand, so every go command ` +
          `fails, including go env -w and go env -u`,
        goMessage: `go: GOPATH entry cannot start with shell metacharacter '~': ${goQuote(entry)}`,
      });
      return;
    }
    if (!isAbsolutePath(flavor, entry)) {
      add({
        severity: 'error',
        impact: 'every-command',
        reason:
          `GOPATH entry ${quoteForMessage(entry)} is not an absolute path, so every go command fails, including go ` +
          `env -w and go env -u`,
        goMessage:
          `go: GOPATH entry is relative; must be absolute path: ${goQuote(entry)}.\nFor more details see: 'go help ` +
          `gopath'`,
      });
      return;
    }
  }
}

async function checkGorootValue(
  context: LayerContext,
  value: string,
  origin: ValueOrigin,
  add: (problem: ValueProblem) => void,
): Promise<void> {
  const { flavor, input, release, fileSystem } = context;
  if (origin === 'goroot-go.env') {
    add({
      severity: 'warning',
      impact: 'ignored',
      reason: 'go ignores GOROOT in $GOROOT/go.env: the GOROOT it found always wins',
    });
    return;
  }
  if (value === '') return;

  const printed = origin === 'environment' && isAtLeast(release, 21) ? value : cleanPath(flavor, value);
  const resolved = resolveAgainst(flavor, printed, input.workingDirectory);
  if (!isAbsolutePath(flavor, value)) {
    add({
      severity: 'warning',
      impact: 'none',
      reason: `GOROOT=${quoteForMessage(value)} is relative, so it names a different directory in every working directory`,
    });
  }
  if (resolved === null) return;

  const info = await fileSystem.stat(resolved);
  if (info === null || info.kind !== 'directory') {
    add({
      severity: 'error',
      impact: 'every-command',
      reason:
        `GOROOT=${quoteForMessage(value)} is not a directory, so every go command fails, including go version and ` +
        `go env`,
      goMessage: `go: cannot find GOROOT directory: ${printed}`,
    });
    return;
  }

  const tools = await fileSystem.stat(joinPath(flavor, resolved, 'pkg', 'tool'));
  const versionFile = await fileSystem.readFile(joinPath(flavor, resolved, 'VERSION'));
  if (tools?.kind !== 'directory') {
    add({
      severity: 'error',
      impact: 'builds',
      reason:
        `GOROOT=${quoteForMessage(value)} is not a Go installation (it has no pkg/tool directory), so builds cannot ` +
        `find the standard library (go env still works)`,
    });
    return;
  }
  if ('bytes' in versionFile) {
    const rootVersion = new TextDecoder().decode(versionFile.bytes).split('\n')[0]!.trim();
    const local = input.goVersion.split(/\s/)[0]!;
    if (rootVersion !== '' && rootVersion !== local) {
      add({
        severity: 'error',
        impact: 'builds',
        reason:
          `GOROOT=${value} contains ${rootVersion}, but the go that runs is ${local}, so builds fail for every ` +
          `standard package`,
        goMessage: `compile: version ${goQuote(rootVersion)} does not match go tool version ${goQuote(local)}`,
      });
    }
  }
  if (isAtLeast(release, 21) && (await fileSystem.stat(joinPath(flavor, resolved, 'go.env')))?.kind !== 'file') {
    add({
      severity: 'warning',
      impact: 'module-downloads',
      reason: `GOROOT=${value} has no go.env, so GOPROXY, GOSUMDB and GOTOOLCHAIN lose their defaults and become empty`,
      goMessage: 'GOPROXY list is not the empty string, but contains no entries',
    });
  }
}

async function checkGotmpdir(
  context: LayerContext,
  value: string,
  add: (problem: ValueProblem) => void,
): Promise<void> {
  if (value === '') return;
  const resolved = resolveAgainst(context.flavor, value, context.input.workingDirectory);
  const info = resolved === null ? undefined : await context.fileSystem.stat(resolved);
  if (info === null) {
    add({
      severity: 'error',
      impact: 'go-env',
      reason:
        `GOTMPDIR=${quoteForMessage(value)} does not ` +
        `exist${value.includes('$') ? ' (go does not expand variables here)' : ''}, so builds and a full go env fail`,
      goMessage: `go: creating work dir: stat ${value}: no such file or directory`,
    });
  } else if (!isAbsolutePath(context.flavor, value)) {
    add({
      severity: 'warning',
      impact: 'builds',
      reason: `GOTMPDIR=${quoteForMessage(value)} is relative, so it depends on the working directory`,
    });
  }
}

function checkGoflagsValue(context: LayerContext, value: string, add: (problem: ValueProblem) => void): void {
  const { release } = context;
  const where = context.input.os === 'windows' ? '%GOFLAGS%' : '$GOFLAGS';
  const problems = checkGoflags(value.replace(/\r$/, ''), release, where);
  const fatal = problems.find((problem) => problem.fatal);
  if (fatal) {
    add({
      severity: 'error',
      impact: 'builds',
      reason: `${fatal.reason}, so every go command except go env and go bug fails`,
      goMessage: fatal.goMessage,
    });
  }
  for (const problem of problems.filter((problem) => !problem.fatal)) {
    add({ severity: 'error', impact: 'builds', reason: problem.reason, goMessage: problem.goMessage });
  }
  const own = goEnvFlagSettings(value, release).map((setting) => setting.name);
  const effects: Record<string, string> = {
    json: 'makes go env print JSON where scripts expect plain values',
    u: 'makes go env NAME delete NAME from the Go env file instead of printing it, and makes go env -json fail',
    w: 'makes go env NAME fail with "arguments must be KEY=VALUE"',
    changed: 'makes go env print only the variables it counts as changed',
    C: 'makes go env fail ("-C flag must be first flag on command line")',
    n: 'makes go env print the C compiler commands instead of running them',
    x: 'makes go env print the C compiler commands it runs',
  };
  for (const name of new Set(own)) {
    add({
      severity: name === 'n' || name === 'x' ? 'info' : 'warning',
      impact: 'go-env',
      reason: `GOFLAGS has -${name}, which go env applies to itself: it ${effects[name]}`,
    });
  }
}

function checkGoproxy(context: LayerContext, value: string, add: (problem: ValueProblem) => void): void {
  if (value === '' || value.trim() === '') {
    if (isAtLeast(context.release, 21)) {
      add({
        severity: 'warning',
        impact: 'module-downloads',
        reason: 'GOPROXY is empty, so go has no proxy to download modules from',
        goMessage: 'GOPROXY list is not the empty string, but contains no entries',
      });
    }
    return;
  }
  for (const raw of value.split(/[,|]/)) {
    const entry = raw.trim();
    if (entry === '' || entry === 'direct' || entry === 'off') continue;
    if (/^["']/.test(entry)) {
      add({
        severity: 'error',
        impact: 'module-downloads',
        reason: `GOPROXY entry ${goQuote(entry)} keeps its quotes, so it is not a URL`,
        goMessage: `parse ${goQuote(entry)}: first path segment in URL cannot contain colon`,
      });
    } else if (!/^(https?|file):\/\//.test(entry)) {
      add({
        severity: 'warning',
        impact: 'module-downloads',
        reason: `GOPROXY entry ${goQuote(entry)} is not direct, off or an http, https or file URL`,
      });
    }
  }
}

function checkPlatform(
  context: LayerContext,
  name: 'GOOS' | 'GOARCH',
  value: string,
  add: (problem: ValueProblem) => void,
): void {
  const pairs = context.facts.osArchPairs;
  if (pairs === null || value === '') return;
  const known = [...pairs].some((pair) =>
    name === 'GOOS' ? pair.startsWith(`${value}/`) : pair.endsWith(`/${value}`),
  );
  if (!known) {
    const goos = name === 'GOOS' ? value : settingOr(context, 'GOOS', context.input.os, '').value;
    const goarch = name === 'GOARCH' ? value : settingOr(context, 'GOARCH', context.input.arch, '').value;
    add({
      severity: 'error',
      impact: 'go-env',
      reason:
        `${name}=${quoteForMessage(value)} is not a ${name} this Go release supports, so a full go env and every ` +
        `build fail`,
      goMessage: `go: unsupported GOOS/GOARCH pair ${goos}/${goarch}`,
    });
  }
}

function checkCompiler(context: LayerContext, name: string, value: string, add: (problem: ValueProblem) => void): void {
  const { release, flavor } = context;
  const modern = isAtLeast(release, 22);
  const split = splitQuoted(value);
  if ('error' in split) {
    add({
      severity: 'error',
      impact: modern ? 'go-env' : 'builds',
      reason: `${name}=${quoteForMessage(value)} cannot be split into words (${split.error})`,
      goMessage: modern
        ? `go: ${name} environment variable could not be parsed: ${split.error}`
        : `panic: could not parse environment variable ${name} with value ${goQuote(value)}: ${split.error}`,
    });
    return;
  }
  const first = split.fields[0];
  if (name === 'CC' && value !== '' && first === undefined) {
    add({
      severity: 'error',
      impact: 'go-env',
      reason:
        `CC=${quoteForMessage(value)} is only white space: go treats it as set but finds no program name, so a full ` +
        `go env and cgo builds panic`,
      goMessage: 'panic: runtime error: index out of range [0] with length 0',
    });
  }
  if (first !== undefined && !isAbsolutePath(flavor, first) && first !== baseName(flavor, first)) {
    add({
      severity: 'error',
      impact: modern ? 'go-env' : 'builds',
      reason:
        `${name}=${quoteForMessage(value)} names a program by a relative path. Use a bare name found on PATH or an ` +
        `absolute path`,
      goMessage: `go: ${name} environment variable is relative; must be absolute path: ${first}`,
    });
  }
}
