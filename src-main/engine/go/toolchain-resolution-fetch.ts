/**
 * Predicts where a switched-to toolchain comes from, following cmd/go's `toolchain.Exec` and
 * `modfetch` (Go 1.21-1.23 source): an executable named like the toolchain on PATH, else the
 * unpacked module `golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH` in GOMODCACHE, else a download
 * through GOPROXY. Nothing is downloaded here; a file:// proxy is only looked into.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { GoSettingValue, ToolchainOrigin } from '../../shared/go-toolchain-resolution.ts';
import { lookPathLikeGo } from './toolchain-resolution-binary.ts';
import { isLanguageVersion, compareGoVersions, versionOfToolchainName } from './toolchain-resolution-version.ts';

export const TOOLCHAIN_MODULE = 'golang.org/toolchain';

export interface FetchInput {
  /** Toolchain name, e.g. `go1.23.5`. */
  toolchain: string;
  /** Platform of the running go binary, which names the module version. */
  goos: string;
  goarch: string;
  /** `path` mode: only PATH is searched. */
  pathOnly: boolean;
  searchPath: string;
  workingDirectory: string;
  /** HOME from the OS environment, for the default GOPATH. */
  home: string | undefined;
  setting: (name: string) => GoSettingValue;
}

export interface FetchPlan {
  origin: ToolchainOrigin;
  /** The executable that runs next; for a download, where it will be once unpacked. */
  executable: string | null;
  /** GOROOT the parent sets for the child: the module cache directory, or null when it unsets GOROOT. */
  childGoroot: string | null;
  moduleCacheDirectory: string | null;
  downloadFrom: string | null;
  printsDownloading: boolean;
  checksumDatabase: string | null;
  error: string | null;
  /** Plain-language account of the lookup. */
  steps: string[];
}

/** Returns the module version cmd/go downloads for a toolchain name on a platform. */
export function toolchainModuleVersion(toolchain: string, goos: string, goarch: string): string {
  return `v0.0.1-${toolchain}.${goos}-${goarch}`;
}

/** Predicts how the go command obtains `input.toolchain`. */
export async function planToolchainFetch(input: FetchInput): Promise<FetchPlan> {
  const { toolchain, workingDirectory } = input;
  const steps: string[] = [];
  const plan: FetchPlan = {
    origin: 'none',
    executable: null,
    childGoroot: null,
    moduleCacheDirectory: null,
    downloadFrom: null,
    printsDownloading: false,
    checksumDatabase: null,
    error: null,
    steps,
  };

  const onPath = await lookPathLikeGo(toolchain, input.searchPath, workingDirectory);
  if (onPath.path) {
    steps.push(`${toolchain} is on PATH at ${onPath.path}, so go runs it with GOROOT unset.`);
    return { ...plan, origin: 'path', executable: onPath.path };
  }
  if (onPath.rejectedRelative) {
    steps.push(
      `${onPath.rejectedRelative} is found through a relative PATH entry, which Go's exec.LookPath rejects, ` +
        'so the PATH search stops there.',
    );
  } else {
    steps.push(`No executable named ${toolchain} is on PATH.`);
  }
  if (input.pathOnly) {
    return { ...plan, error: `go: cannot find "${toolchain}" in PATH` };
  }

  const moduleVersion = toolchainModuleVersion(toolchain, input.goos, input.goarch);
  const moduleCache = moduleCacheOf(input.setting, input.home, workingDirectory);
  if (moduleCache === null) {
    return { ...plan, error: 'go: module cache not found: neither GOMODCACHE nor GOPATH is set' };
  }
  const directory = path.join(moduleCache, `${TOOLCHAIN_MODULE}@${moduleVersion}`);
  const downloadCache = path.join(moduleCache, 'cache', 'download', TOOLCHAIN_MODULE, '@v');
  const ziphash = path.join(downloadCache, `${moduleVersion}.ziphash`);
  const zip = path.join(downloadCache, `${moduleVersion}.zip`);
  const base = { ...plan, moduleCacheDirectory: directory, executable: path.join(directory, 'bin', 'go'), childGoroot: directory };

  const goproxy = input.setting('GOPROXY').value;
  const checksum = checksumRequirement(input.setting, goproxy);

  // cmd/go's DownloadDir: the directory must exist, with no .partial marker and with a .ziphash.
  const unpacked =
    (await isDirectory(directory)) &&
    !(await exists(path.join(downloadCache, `${moduleVersion}.partial`))) &&
    (await exists(ziphash));
  if (unpacked) {
    steps.push(`The module cache already holds ${toolchain} in ${directory}.`);
    const checked = { ...base, origin: 'module-cache' as const, checksumDatabase: checksum.database };
    if (checksum.error) {
      steps.push(`Even so, go verifies the toolchain zip against the checksum database, which fails: ${checksum.error}.`);
      return { ...checked, origin: 'none', error: `go: ${TOOLCHAIN_MODULE}@${moduleVersion}: verifying module: ${checksum.error}` };
    }
    if (checksum.database) steps.push(checksumSentence(checksum.database));
    return checked;
  }

  const zipCached = (await exists(zip)) && (await exists(ziphash));
  const proxy = zipCached ? ({ kind: 'zip-cached' } as const) : await chooseProxy(goproxy, input.setting('GONOPROXY'), input.setting('GOPRIVATE'), moduleVersion);
  const withDownload = { ...base, printsDownloading: !zipCached, checksumDatabase: checksum.database };
  const toolchainVersion = versionOfToolchainName(toolchain) ?? '';

  switch (proxy.kind) {
    case 'zip-cached':
      steps.push(`The module cache holds the ${toolchain} zip but has not unpacked it; go unpacks it into ${directory}.`);
      return finishDownload({ ...withDownload, origin: 'module-cache' }, checksum, toolchain, moduleVersion, steps);
    case 'file':
      steps.push(`go downloads ${toolchain} from the local proxy ${proxy.url} and unpacks it into ${directory}.`);
      return finishDownload({ ...withDownload, origin: 'file-proxy', downloadFrom: proxy.url }, checksum, toolchain, moduleVersion, steps);
    case 'network':
      steps.push(`go would download ${toolchain} from ${proxy.url} over the network; this tool never does.`);
      return finishDownload({ ...withDownload, origin: 'network-download', downloadFrom: proxy.url }, checksum, toolchain, moduleVersion, steps);
    case 'empty':
      steps.push('GOPROXY has no usable entry, so there is nowhere to download from.');
      return {
        ...withDownload,
        origin: 'none',
        error: `go: download ${toolchain}: GOPROXY list is not the empty string, but contains no entries`,
      };
    case 'not-available': {
      steps.push(proxy.why);
      const languageVersion = isLanguageVersion(toolchainVersion) && compareGoVersions(toolchainVersion, '1.21') >= 0;
      return {
        ...withDownload,
        origin: 'none',
        error: languageVersion
          ? `go: invalid toolchain: ${toolchain} is a language version but not a toolchain version (${toolchain}.x)`
          : `go: download ${toolchain} for ${input.goos}/${input.goarch}: toolchain not available`,
      };
    }
  }
}

function finishDownload(
  plan: FetchPlan,
  checksum: { database: string | null; error: string | null },
  toolchain: string,
  moduleVersion: string,
  steps: string[],
): FetchPlan {
  if (checksum.error) {
    steps.push(`The toolchain zip must be verified against the checksum database, which fails: ${checksum.error}.`);
    return {
      ...plan,
      origin: 'none',
      error: `go: download ${toolchain}: ${TOOLCHAIN_MODULE}@${moduleVersion}: verifying module: ${checksum.error}`,
    };
  }
  if (checksum.database) steps.push(checksumSentence(checksum.database));
  return plan;
}

function checksumSentence(database: string): string {
  return (
    `go then asks the checksum database ${database} about the toolchain zip, which needs the network ` +
    'unless the answer is already cached in the module cache.'
  );
}

/** Returns GOMODCACHE as cmd/go computes it: the setting, else the first GOPATH entry's pkg/mod. */
export function moduleCacheOf(
  setting: (name: string) => GoSettingValue,
  home: string | undefined,
  workingDirectory: string,
): string | null {
  const configured = setting('GOMODCACHE').value;
  if (configured) return path.resolve(workingDirectory, configured);
  // go/build's default GOPATH is $HOME/go.
  const gopath = setting('GOPATH').value || (home ? path.join(home, 'go') : '');
  const first = gopath.split(':')[0];
  return first ? path.resolve(workingDirectory, first, 'pkg', 'mod') : null;
}

/**
 * Decides whether the toolchain zip is checked against the checksum database (cmd/go's
 * `useSumDB`). Toolchains always are, even with GOSUMDB=off or a matching GONOSUMDB, except when
 * GOPROXY is exactly one file:// URL; then the usual GOSUMDB and GONOSUMDB rules apply.
 */
function checksumRequirement(
  setting: (name: string) => GoSettingValue,
  goproxy: string,
): { database: string | null; error: string | null } {
  const singleFileProxy = goproxy.startsWith('file://') && !/[,|]/.test(goproxy);
  const gosumdb = setting('GOSUMDB').value;
  const gonosumdb = setting('GONOSUMDB').value || setting('GOPRIVATE').value;
  const required = !singleFileProxy || (gosumdb !== 'off' && !matchesPrefixPatterns(gonosumdb, TOOLCHAIN_MODULE));
  if (!required) return { database: null, error: null };
  if (gosumdb === 'off') return { database: null, error: 'checksum database disabled by GOSUMDB=off' };
  if (gosumdb.trim() === '') return { database: null, error: 'missing GOSUMDB' };
  return { database: gosumdb, error: null };
}

type ProxyChoice =
  | { kind: 'file'; url: string }
  | { kind: 'network'; url: string }
  | { kind: 'empty' }
  | { kind: 'not-available'; why: string };

/**
 * Walks the GOPROXY list as cmd/go's `proxyList` and `TryProxies` do for the toolchain zip. A
 * file:// proxy without the zip returns "not found", so the walk goes on with the next entry.
 * `off` ends the walk with "not found", and `direct` or a remote URL means a network download.
 */
async function chooseProxy(
  goproxy: string,
  gonoproxy: GoSettingValue,
  goprivate: GoSettingValue,
  moduleVersion: string,
): Promise<ProxyChoice> {
  const noProxyPatterns = gonoproxy.value || goprivate.value;
  if (noProxyPatterns && goproxy !== 'direct' && matchesPrefixPatterns(noProxyPatterns, TOOLCHAIN_MODULE)) {
    return { kind: 'network', url: `direct (GONOPROXY matches ${TOOLCHAIN_MODULE})` };
  }
  const missing: string[] = [];
  let entries = 0;
  for (const raw of goproxy.split(/[,|]/)) {
    let url = raw.trim();
    if (url === '') continue;
    entries++;
    if (url === 'off') {
      return { kind: 'not-available', why: notAvailableReason(missing, 'GOPROXY=off ends the proxy list') };
    }
    if (url === 'direct') return { kind: 'network', url: 'direct' };
    if (/[.:/]/.test(url) && !url.includes(':/') && !path.isAbsolute(url)) url = `https://${url}`;
    if (url.startsWith('file://')) {
      const zip = fileProxyZip(url, moduleVersion);
      if (zip && (await exists(zip))) return { kind: 'file', url };
      missing.push(url);
      continue;
    }
    return { kind: 'network', url };
  }
  if (entries === 0) return { kind: 'empty' };
  return { kind: 'not-available', why: notAvailableReason(missing, 'no proxy has it') };
}

function notAvailableReason(missingIn: string[], ending: string): string {
  const checked = missingIn.length > 0 ? `The local proxies ${missingIn.join(', ')} lack the toolchain, and ` : '';
  return `${checked}${ending}, so the download fails with "toolchain not available".`;
}

function fileProxyZip(url: string, moduleVersion: string): string | null {
  try {
    const root = fileURLToPath(url);
    return path.join(root, TOOLCHAIN_MODULE, '@v', `${moduleVersion}.zip`);
  } catch {
    return null;
  }
}

/**
 * Matches a module path against comma-separated glob patterns the way
 * `golang.org/x/mod/module.MatchPrefixPatterns` does: a pattern with N slashes is matched against
 * the first N+1 elements of the path.
 */
export function matchesPrefixPatterns(patterns: string, target: string): boolean {
  for (const raw of patterns.split(',')) {
    const pattern = raw.trim().replace(/\/+$/, '');
    if (pattern === '') continue;
    const elements = pattern.split('/').length;
    const prefix = target.split('/').slice(0, elements);
    if (prefix.length < elements) continue;
    if (globToRegExp(pattern).test(prefix.join('/'))) return true;
  }
  return false;
}

/** Converts a Go `path.Match` pattern to a regular expression: `*` and `?` never match `/`. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]!;
    if (character === '*') source += '[^/]*';
    else if (character === '?') source += '[^/]';
    else if (character === '\\' && index + 1 < pattern.length) source += escapeRegExp(pattern[++index]!);
    else if (character === '[') {
      const end = pattern.indexOf(']', index + 1);
      if (end < 0) return /(?!)/;
      source += `[${pattern.slice(index + 1, end)}]`;
      index = end;
    } else source += escapeRegExp(character);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

async function isDirectory(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => null);
  return stat?.isDirectory() ?? false;
}
