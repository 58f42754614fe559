/**
 * The checks internal/buildcfg applies to the architecture variables (GOAMD64, GOARM, …),
 * GOFIPS140 and GOEXPERIMENT. cmd/go runs them on the OS environment only, so a bad OS value
 * stops every go command (the error goes through buildcfg.Check), while a bad Go env file value
 * gets past go and fails later in the compiler.
 */
import { isAtLeast, type GoRelease } from './go-layers-version.ts';

/** Returns the variables buildcfg parses at start-up, in the order it parses them. */
export function buildcfgVariables(release: GoRelease | null): string[] {
  const names = ['GOAMD64', 'GOARM'];
  if (isAtLeast(release, 23)) names.push('GOARM64');
  names.push('GOMIPS', 'GOMIPS64', 'GOPPC64');
  if (isAtLeast(release, 23)) names.push('GORISCV64');
  names.push('GOWASM');
  if (isAtLeast(release, 24)) names.push('GOFIPS140');
  return names;
}

/** Returns buildcfg's error text for a value, without the `go: ` prefix, or null when valid. */
export function checkArchValue(name: string, value: string, release: GoRelease | null): string | null {
  switch (name) {
    case 'GOAMD64':
      return ['v1', 'v2', 'v3', 'v4'].includes(value) ? null : 'invalid GOAMD64: must be v1, v2, v3, v4';
    case 'GOARM': {
      if (!isAtLeast(release, 22)) return ['5', '6', '7'].includes(value) ? null : 'invalid GOARM: must be 5, 6, 7';
      let version = value;
      if (version.endsWith(',softfloat')) version = version.slice(0, -',softfloat'.length);
      if (version.endsWith(',hardfloat')) version = version.slice(0, -',hardfloat'.length);
      return ['5', '6', '7'].includes(version)
        ? null
        : 'invalid GOARM: must start with 5, 6, or 7, and may optionally end in either ",hardfloat" or ",softfloat"';
    }
    case 'GOARM64':
      return parseGoarm64(value) === null
        ? 'invalid GOARM64: must start with v8.{0-9} or v9.{0-5} and may optionally end in ",lse" and/or ",crypto"'
        : null;
    case 'GOMIPS':
    case 'GOMIPS64':
      return ['hardfloat', 'softfloat'].includes(value) ? null : `invalid ${name}: must be hardfloat, softfloat`;
    case 'GOPPC64': {
      // NOTE: go1.19 accepts power8 and power9, go1.22 adds power10; Go 1.20 is assumed to be the first.
      const allowed = isAtLeast(release, 20) ? ['power8', 'power9', 'power10'] : ['power8', 'power9'];
      return allowed.includes(value) ? null : `invalid GOPPC64: must be ${allowed.join(', ')}`;
    }
    case 'GORISCV64': {
      // NOTE: go1.23 accepts rva20u64 and rva22u64, go1.26 adds rva23u64; Go 1.25 is assumed to be the first.
      const allowed = isAtLeast(release, 25) ? ['rva20u64', 'rva22u64', 'rva23u64'] : ['rva20u64', 'rva22u64'];
      return allowed.includes(value) ? null : `invalid GORISCV64: must be ${allowed.join(', ')}`;
    }
    case 'GOWASM': {
      let error: string | null = null;
      for (const feature of value.split(',')) {
        if (!['satconv', 'signext', ''].includes(feature)) error = `invalid GOWASM: no such feature "${feature}"`;
      }
      return error;
    }
    case 'GOFIPS140':
      return ['off', 'latest', 'inprocess', 'certified'].includes(value) ||
        /^v1\.\d+\.\d+(?:-rc\d+|-.{8})?$/.test(value)
        ? null
        : 'invalid GOFIPS140: must be off, latest, inprocess, certified, or v1.Y.Z';
    default:
      return null;
  }
}

/** Parses GOARM64 like buildcfg.ParseGoarm64 and prints it like its String method. */
export function parseGoarm64(value: string): string | null {
  let version = value;
  let lse = false;
  let crypto = false;
  for (;;) {
    if (version.endsWith(',lse')) {
      lse = true;
      version = version.slice(0, -',lse'.length);
    } else if (version.endsWith(',crypto')) {
      crypto = true;
      version = version.slice(0, -',crypto'.length);
    } else break;
  }
  if (!/^v8\.[0-9]$|^v9\.[0-5]$/.test(version)) return null;
  // LSE is mandatory from v8.1 on.
  if (version !== 'v8.0') lse = true;
  return version + (lse ? ',lse' : '') + (crypto ? ',crypto' : '');
}

/**
 * Checks a GOEXPERIMENT list like buildcfg.ParseGOEXPERIMENT: comma-separated names, each
 * optionally prefixed with `no`, plus `none`. Returns the error text or null. Without the list
 * of names (a trimmed Go tree) every name passes.
 */
export function checkExperiments(value: string, experiments: Set<string> | null): string | null {
  if (experiments === null) return null;
  for (const entry of value.split(',')) {
    if (entry === '' || entry === 'none') continue;
    const name = entry.startsWith('no') ? entry.slice(2) : entry;
    if (!experiments.has(name)) return `unknown GOEXPERIMENT ${name}`;
  }
  return null;
}
