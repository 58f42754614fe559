/**
 * Judges every line of the Go env file and `$GOROOT/go.env`, and the OS variables go reads, the
 * way the running Go release does. It reports lines go skips (a byte order mark, a leading space,
 * `export`, lowercase keys), keys go does not know or never reads from the file, duplicates, and
 * values the environment overrides. Each value's own problems come from go-env-validate-values.ts.
 */
import type { GoEnvFileEntry, GoEnvFileSkippedLine } from '../../shared/go-env-file.ts';
import type { GoSettingFinding, GoSettingSource } from '../../shared/go-layers.ts';
import { checkValue, type ValueOrigin } from './go-env-validate-values.ts';
import { getSetting, osValue, type LayerContext, type LoadedEnvFile } from './go-layers-context.ts';
import { goQuote } from './go-layers-quoted.ts';
import { isAtLeast, type GoRelease } from './go-layers-version.ts';

/** Keys go1.19 reads through cfg.Getenv (internal/cfg.KnownEnv). */
const KNOWN_ENV_119 = `AR CC CGO_CFLAGS CGO_CFLAGS_ALLOW CGO_CFLAGS_DISALLOW CGO_CPPFLAGS CGO_CPPFLAGS_ALLOW
  CGO_CPPFLAGS_DISALLOW CGO_CXXFLAGS CGO_CXXFLAGS_ALLOW CGO_CXXFLAGS_DISALLOW CGO_ENABLED CGO_FFLAGS
  CGO_FFLAGS_ALLOW CGO_FFLAGS_DISALLOW CGO_LDFLAGS CGO_LDFLAGS_ALLOW CGO_LDFLAGS_DISALLOW CXX FC GCCGO
  GO111MODULE GO386 GOAMD64 GOARCH GOARM GOBIN GOCACHE GOENV GOEXE GOEXPERIMENT GOFLAGS GOGCCFLAGS
  GOHOSTARCH GOHOSTOS GOINSECURE GOMIPS GOMIPS64 GOMODCACHE GONOPROXY GONOSUMDB GOOS GOPATH GOPPC64
  GOPRIVATE GOPROXY GOROOT GOSUMDB GOTMPDIR GOTOOLDIR GOVCS GOWASM GOWORK GO_EXTLINK_ENABLED PKG_CONFIG`;

/** Keys later releases add to KNOWN_ENV_119 (checked against go1.22, go1.23 and go1.26). */
const KNOWN_ENV_ADDED: ReadonlyArray<[minor: number, names: string]> = [
  [21, 'GOCACHEPROG GOTOOLCHAIN'],
  [23, 'GOARM64 GORISCV64'],
  [24, 'GOAUTH GOFIPS140'],
];

/** Keys go reads through cfg.Getenv in this release, so they can be set in the Go env file. */
export function knownEnvironmentKeys(release: GoRelease | null): Set<string> {
  const names = KNOWN_ENV_119.split(/\s+/);
  for (const [minor, added] of KNOWN_ENV_ADDED) {
    if (isAtLeast(release, minor)) names.push(...added.split(' '));
  }
  return new Set(names.filter(Boolean));
}

/** Keys `go env` computes itself; a Go env file line for them changes nothing. */
const COMPUTED_KEYS = new Set(['GOEXE', 'GOGCCFLAGS', 'GOHOSTARCH', 'GOHOSTOS', 'GOMOD', 'GOTOOLDIR', 'GOVERSION']);

/** Keys go reads only from the OS environment or from its own files. */
const OS_ONLY_KEYS: Record<string, string> = {
  GOENV: 'go reads GOENV only from the OS environment (go env -w refuses it)',
  GODEBUG: 'go reads GODEBUG only from the OS environment',
  GOTELEMETRY:
    'go reads the telemetry mode from go/telemetry/mode in the user config directory (set it with go telemetry)',
  GOTELEMETRYDIR: 'go computes GOTELEMETRYDIR from the user config directory',
};

/** Judges the Go env file, `$GOROOT/go.env` (Go 1.21+) and the OS variables go reads. */
export async function validateSettings(context: LayerContext): Promise<GoSettingFinding[]> {
  const findings: GoSettingFinding[] = [];
  if (context.envFile) findings.push(...(await validateFile(context, context.envFile, 'env-file')));
  if (context.gorootEnvFile && isAtLeast(context.release, 21)) {
    findings.push(...(await validateFile(context, context.gorootEnvFile, 'goroot-go.env')));
  }
  findings.push(...(await validateEnvironment(context)));
  return findings;
}

async function validateFile(
  context: LayerContext,
  file: LoadedEnvFile,
  origin: 'env-file' | 'goroot-go.env',
): Promise<GoSettingFinding[]> {
  const findings: GoSettingFinding[] = [];
  const known = knownEnvironmentKeys(context.release);
  const at = (line: number, key: string | null, inEffect: boolean) => ({
    origin,
    path: file.path,
    line,
    key,
    inEffect,
  });

  for (const skipped of file.parsed.skipped) {
    const finding = skippedLineFinding(skipped, known, origin);
    if (finding) findings.push({ ...at(skipped.line, null, false), ...finding });
  }
  for (const line of file.invalidUtf8Lines) {
    findings.push({
      ...at(line, null, true),
      severity: 'warning',
      impact: 'none',
      reason:
        'the line has bytes that are not valid UTF-8. Go keeps them as they are, and this report shows them as U+FFFD',
    });
  }

  for (const entry of file.parsed.entries) {
    const winner = file.parsed.effective.get(entry.key)!;
    const laterLine = winner !== entry;
    const setting = getSetting(context, entry.key);
    const inEffect = !laterLine && sameLine(setting?.source, file.path, entry.line);
    const base = at(entry.line, entry.key, inEffect);

    if (laterLine) {
      findings.push({
        ...base,
        severity: 'info',
        impact: 'ignored',
        reason: `${entry.key} is set again on line ${winner.line}, and go uses the last line for a key`,
      });
    }
    const keyFinding = keyProblem(context, entry, known, origin);
    if (keyFinding) {
      findings.push({ ...base, ...keyFinding });
      if (keyFinding.impact === 'ignored') continue;
    }
    if (!laterLine && origin === 'env-file') {
      const fromOs = osValue(context, entry.key) ?? '';
      if (fromOs !== '' && entry.key !== 'GOROOT') {
        findings.push({
          ...base,
          severity: fromOs === entry.value ? 'info' : 'warning',
          impact: 'ignored',
          reason:
            fromOs === entry.value
              ? `${entry.key} is also exported with the same value, which overrides this line`
              : `the exported ${entry.key}=${goQuote(fromOs)} overrides this line, so go uses the environment value here. ` +
                'Contexts without that export (GUI apps, scripts, other shells) use this line',
          ...(fromOs === entry.value
            ? {}
            : {
                goMessage: `warning: go env -w ${entry.key}=... does not override conflicting OS environment variable`,
              }),
        });
      }
    }
    for (const problem of await checkValue(context, entry.key, entry.value, origin)) {
      findings.push({
        ...base,
        ...problem,
        severity: laterLine && problem.severity === 'error' ? 'info' : problem.severity,
      });
    }
  }
  return findings;
}

function sameLine(source: GoSettingSource | undefined, path: string, line: number): boolean {
  return (
    (source?.layer === 'env-file' || source?.layer === 'goroot-go.env') && source.path === path && source.line === line
  );
}

/** Explains a line go skips, when it looks like a setting someone meant to make. */
function skippedLineFinding(
  skipped: GoEnvFileSkippedLine,
  known: Set<string>,
  origin: 'env-file' | 'goroot-go.env',
): Pick<GoSettingFinding, 'severity' | 'impact' | 'reason'> | null {
  const text = skipped.text.replace(/\r$/, '');
  const severity = origin === 'env-file' ? 'warning' : 'info';
  switch (skipped.reason) {
    case 'byte-order-mark': {
      const rest = text.slice(1);
      const key = /^([A-Z][^=]*)=/.exec(rest)?.[1];
      return {
        severity,
        impact: 'ignored',
        reason:
          'the line starts with a UTF-8 byte order mark (EF BB BF), so its first byte is not A-Z and go skips the line' +
          (key ? `: ${key} is not set from this file` : ''),
      };
    }
    case 'leading-space': {
      const key = /^\s+([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(text)?.[1];
      return key
        ? {
            severity,
            impact: 'ignored',
            reason: `the line starts with white space, so go skips it and ${key} is not set from it`,
          }
        : null;
    }
    case 'not-uppercase': {
      const exported = /^export\s+([A-Za-z_][A-Za-z0-9_]*)=/.exec(text)?.[1];
      if (exported) {
        return {
          severity,
          impact: 'ignored',
          reason: `the file is not a shell script: go skips "export ${exported}=…". Write ${exported}=value without export`,
        };
      }
      const key = /^([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(text)?.[1];
      if (key && known.has(key.toUpperCase())) {
        return {
          severity,
          impact: 'ignored',
          reason:
            `keys are case-sensitive and must start with A-Z: go skips this line, so ${key.toUpperCase()} is not ` +
            `set from it`,
        };
      }
      return null;
    }
    case 'no-equals': {
      const word = /^([A-Z][A-Z0-9_]*)\b/.exec(text)?.[1];
      return word && known.has(word)
        ? { severity, impact: 'ignored', reason: `the line has no "=", so go skips it and ${word} is not set from it` }
        : null;
    }
    default:
      return null;
  }
}

/** Problems with the key itself: spaces around `=`, unknown keys, keys go never reads from files. */
function keyProblem(
  context: LayerContext,
  entry: GoEnvFileEntry,
  known: Set<string>,
  origin: ValueOrigin,
): Pick<GoSettingFinding, 'severity' | 'impact' | 'reason'> | null {
  const { key } = entry;
  const trimmed = key.trim();
  const treatsUnknownAsVariable = isAtLeast(context.release, 21);
  if (trimmed !== key) {
    return {
      severity: origin === 'env-file' ? 'warning' : 'info',
      impact: 'ignored',
      reason:
        `the key is ${goQuote(key)} with white space before "=", because go does not trim, so ${trimmed} is not set from this line` +
        (entry.value.startsWith(' ') ? ` (and the value would start with a space: ${goQuote(entry.value)})` : ''),
    };
  }
  if (origin === 'goroot-go.env' && key === 'GOROOT') return null;
  if (OS_ONLY_KEYS[key] && !(key === 'GODEBUG' && !isAtLeast(context.release, 21))) {
    return { severity: 'warning', impact: 'ignored', reason: `${OS_ONLY_KEYS[key]}, so this line changes nothing` };
  }
  if (COMPUTED_KEYS.has(key)) {
    return {
      severity: 'warning',
      impact: 'ignored',
      reason:
        `go computes ${key} itself (go env -w refuses it with "${key} cannot be modified"), so this line changes ` +
        `nothing`,
    };
  }
  if (!known.has(key)) {
    return {
      severity: 'info',
      impact: 'ignored',
      reason: treatsUnknownAsVariable
        ? `${key} is not a Go setting. This Go release keeps it, so go env ${key} prints the value, but no go command uses it`
        : `${key} is not a Go setting in this Go release, so go ignores the line`,
    };
  }
  return null;
}

/** OS variables that stop go or change it in ways worth reporting. */
async function validateEnvironment(context: LayerContext): Promise<GoSettingFinding[]> {
  const findings: GoSettingFinding[] = [];
  const known = knownEnvironmentKeys(context.release);
  for (const name of [...known].sort()) {
    const value = osValue(context, name) ?? '';
    if (value === '') continue;
    for (const problem of await checkValue(context, name, value, 'environment')) {
      if (problem.severity === 'info') continue;
      findings.push({ origin: 'environment', path: null, line: null, key: name, inEffect: true, ...problem });
    }
  }
  const goenv = osValue(context, 'GOENV') ?? '';
  if (goenv !== '' && goenv !== 'off' && !goenv.startsWith('/') && context.flavor === 'posix') {
    findings.push({
      origin: 'environment',
      path: null,
      line: null,
      key: 'GOENV',
      inEffect: true,
      severity: 'warning',
      impact: 'none',
      reason: `GOENV=${goenv} is relative, so go reads a different file in every working directory`,
    });
  }
  return findings;
}
