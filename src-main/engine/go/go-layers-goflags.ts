/**
 * GOFLAGS as cmd/go parses it: how the value splits into flags, which flag names a release
 * accepts, and what GOFLAGS does to `go env` itself, which also takes its own flags from GOFLAGS.
 */
import { isAtLeast, type GoRelease } from './go-layers-version.ts';
import { goQuote, splitQuoted } from './go-layers-quoted.ts';

/**
 * Flag names every checked release accepts in GOFLAGS: the names registered by cmd/go's flag
 * sets, each confirmed by running `GOFLAGS=-NAME go version` on go1.19.8, go1.22.12, go1.23.5 and
 * go1.26.8 (an unknown name makes that command fail with "unknown flag").
 */
const COMMON_FLAGS = `a asan asmflags bench benchmem benchtime blockprofile blockprofilerate buildmode buildvcs c
  cache compat compiled compiler count cover covermode coverpkg coverprofile cpu cpuprofile d
  debug-actiongraph debug-trace deps dropexclude dropreplace droprequire dropretract dropuse e
  exclude exec export f failfast find fix fmt fuzz fuzzcache fuzzminimizetime fuzztime gccgoflags
  gcflags go i insecure installsuffix json ldflags linkshared list m memprofile memprofilerate
  mod modcache modcacherw modfile module msan mutexprofile mutexprofilefraction n o outputdir
  overlay p parallel pkgdir print r race replace require retract retracted reuse run short
  shuffle t tags test test.bench test.benchmem test.benchtime test.blockprofile
  test.blockprofilerate test.count test.coverprofile test.cpu test.cpuprofile test.failfast
  test.fuzz test.fuzzminimizetime test.fuzztime test.list test.memprofile test.memprofilerate
  test.mutexprofile test.mutexprofilefraction test.outputdir test.parallel test.run test.short
  test.shuffle test.timeout test.trace test.v testcache timeout toolexec trace trimpath u use v
  vendor versions vet w work x`;

/** Names each checked release adds to COMMON_FLAGS, by minor version. */
const RELEASE_FLAGS: ReadonlyArray<[minor: number, names: string]> = [
  [19, 'vettool'],
  [22, 'C debug-runtime-trace fullpath pgo skip test.fullpath test.skip toolchain vettool'],
  [
    23,
    'C changed debug-runtime-trace diff dropgodebug fullpath godebug pgo skip test.fullpath test.skip toolchain vettool',
  ],
  [
    26,
    'C artifacts changed debug-runtime-trace diff dropgodebug dropignore droptool fullpath godebug ignore pgo skip ' +
      'test.artifacts test.fullpath test.skip tool toolchain',
  ],
];

/** Returns the flag names GOFLAGS may use, and the release whose list they come from. */
export function knownGoFlags(release: GoRelease | null): { names: Set<string>; listRelease: string } {
  const minor = release?.major === 1 ? release.minor : Number.POSITIVE_INFINITY;
  // Use the newest checked list at or below this release, or the oldest one for older releases.
  const candidates = RELEASE_FLAGS.filter(([listMinor]) => listMinor <= minor);
  const [listMinor, names] = candidates[candidates.length - 1] ?? RELEASE_FLAGS[0]!;
  return {
    names: new Set(`${COMMON_FLAGS} ${names}`.split(/\s+/).filter(Boolean)),
    listRelease: `go1.${listMinor}`,
  };
}

/**
 * Splits GOFLAGS into flags: on white space before Go 1.21, and with quoted.Split (a field may be
 * wrapped in quotes) from Go 1.21 on.
 */
export function splitGoflags(value: string, release: GoRelease | null): { fields: string[] } | { error: string } {
  // NOTE: go1.19 splits on white space and go1.22 quotes; Go 1.21 is assumed to be the first.
  if (isAtLeast(release, 21)) return splitQuoted(value);
  return { fields: value.split(/[\s\u0085\u00a0]+/u).filter(Boolean) };
}

/** One problem go reports for GOFLAGS, in the order go checks them. */
export interface GoflagsProblem {
  /** The message go prints. */
  goMessage: string;
  reason: string;
  /** Whether it stops most go commands (`go env` and `go bug` skip these checks). */
  fatal: boolean;
}

/** Checks GOFLAGS the way most go commands do before they run (InitGOFLAGS), plus the -mod value. */
export function checkGoflags(value: string, release: GoRelease | null, where = '$GOFLAGS'): GoflagsProblem[] {
  const split = splitGoflags(value, release);
  if ('error' in split) {
    return [
      {
        goMessage: `go: parsing ${where}: ${split.error}`,
        reason: `GOFLAGS has an opening quote without a closing one (${split.error})`,
        fatal: true,
      },
    ];
  }
  const { names, listRelease } = knownGoFlags(release);
  const problems: GoflagsProblem[] = [];
  for (const field of split.fields) {
    if (
      !field.startsWith('-') ||
      field === '-' ||
      field === '--' ||
      field.startsWith('---') ||
      field.startsWith('-=') ||
      field.startsWith('--=')
    ) {
      problems.push({
        goMessage: `go: parsing ${where}: non-flag ${goQuote(field)}`,
        reason:
          `GOFLAGS entry ${goQuote(field)} is not a flag. Every entry must look like -name or -name=value, ` +
          'with no spaces inside a value unless the whole entry is quoted (Go 1.21+)',
        fatal: true,
      });
      continue;
    }
    const name = flagName(field);
    if (!names.has(name)) {
      problems.push({
        goMessage: `go: parsing ${where}: unknown flag -${name}`,
        reason: `GOFLAGS sets -${name}, which no go command defines (checked against the ${listRelease} flag list)`,
        fatal: true,
      });
      continue;
    }
    if (name === 'mod') {
      const modValue = field.includes('=') ? field.slice(field.indexOf('=') + 1) : '';
      if (!['', 'mod', 'readonly', 'vendor'].includes(modValue)) {
        problems.push({
          goMessage: `-mod=${modValue} not supported (can be '', 'mod', 'readonly', or 'vendor')`,
          reason: `GOFLAGS sets -mod=${modValue}, but module-aware commands accept only mod, readonly or vendor`,
          fatal: false,
        });
      }
    }
  }
  return problems;
}

/** Returns the name part of `-name`, `--name` or `-name=value`. */
export function flagName(field: string): string {
  let name = field.slice(1);
  if (name.startsWith('-')) name = name.slice(1);
  const equals = name.indexOf('=');
  return equals >= 0 ? name.slice(0, equals) : name;
}

/** Returns the flags `go env` itself defines, which GOFLAGS sets on it too. */
export function goEnvFlagNames(release: GoRelease | null): Set<string> {
  const names = ['json', 'u', 'w'];
  // NOTE: go1.22 defines -C, -n and -x for go env and go1.19 does not; Go 1.21 is assumed to be the first.
  if (isAtLeast(release, 21)) names.push('C', 'n', 'x');
  if (isAtLeast(release, 23)) names.push('changed');
  return new Set(names);
}

/** A GOFLAGS entry that `go env` applies to itself. */
export interface GoEnvFlagSetting {
  name: string;
  /** The name as written, with one leading dash, as go's error messages show it. */
  writtenName: string;
  /** The value: `true` for a bare boolean flag. */
  value: string;
  hasValue: boolean;
}

/**
 * Returns the GOFLAGS entries `go env` applies to itself, in order. `go env` skips unknown and
 * malformed entries silently, and ignores all of GOFLAGS when it cannot be split.
 */
export function goEnvFlagSettings(value: string, release: GoRelease | null): GoEnvFlagSetting[] {
  const split = splitGoflags(value, release);
  if ('error' in split) return [];
  const own = goEnvFlagNames(release);
  const settings: GoEnvFlagSetting[] = [];
  for (const field of split.fields) {
    const equals = field.indexOf('=');
    if (equals === 0) continue;
    let writtenName = equals > 0 ? field.slice(0, equals) : field;
    if (writtenName.startsWith('--')) writtenName = writtenName.slice(1);
    // cmd/go drops the first byte without checking that it is a dash, so `xjson` sets -json.
    const name = writtenName.slice(1);
    if (!own.has(name)) continue;
    settings.push({ name, writtenName, value: equals > 0 ? field.slice(equals + 1) : 'true', hasValue: equals > 0 });
  }
  return settings;
}

/** Parses a boolean like strconv.ParseBool; null when go would reject it. */
export function parseGoBool(value: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return null;
}
