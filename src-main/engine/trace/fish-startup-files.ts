/**
 * The files fish 3.6 (Debian build) reads at startup, in every mode. fish loads fish_variables,
 * then reads /usr/share/fish/config.fish, which sources the conf.d files: the user's directory,
 * then /etc/fish/conf.d, then the vendor directories, each sorted. A conf.d file whose name was
 * already seen is skipped. Then come /etc/fish/config.fish and the user's config.fish. Login
 * changes only what `status is-login` guards inside these files.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import type { StartupFile } from '../../shared/provenance.ts';
import type { SourcedFile } from './fish-trace.ts';

/** Directories of this fish build's own files (`$__fish_data_dir`, `$__fish_sysconf_dir`). */
const DATA_DIRECTORY = '/usr/share/fish';
const SYSCONF_DIRECTORY = '/etc/fish';

/** Returns fish's user configuration directory: `$XDG_CONFIG_HOME/fish` or `~/.config/fish`. */
export function fishConfigDirectory(environment: Record<string, string>): string {
  const xdg = environment.XDG_CONFIG_HOME;
  return xdg ? path.join(xdg, 'fish') : path.join(environment.HOME ?? '', '.config', 'fish');
}

/** Returns the path of the universal variable file. */
export function universalVariableFile(environment: Record<string, string>): string {
  return path.join(fishConfigDirectory(environment), 'fish_variables');
}

/**
 * Returns the conf.d directories in the order the loop in /usr/share/fish/config.fish reads them,
 * with the vendor directories computed from XDG_DATA_HOME and XDG_DATA_DIRS as that file does.
 */
function confDirectories(environment: Record<string, string>): string[] {
  const home = environment.HOME ?? '';
  const userData = environment.XDG_DATA_HOME
    ? path.join(environment.XDG_DATA_HOME, 'fish')
    : path.join(home, '.local', 'share', 'fish');
  const dataDirectories = environment.XDG_DATA_DIRS !== undefined
    ? environment.XDG_DATA_DIRS.split(':').map((directory) => `${directory.replace(/([^/])\/$/, '$1')}/fish`)
    : [DATA_DIRECTORY];
  const vendor = [`${userData}/vendor_conf.d`, ...dataDirectories.map((directory) => `${directory}/vendor_conf.d`)];
  const extra = `${DATA_DIRECTORY}/vendor_conf.d`;
  if (!vendor.includes(extra)) vendor.push(extra);
  return [path.join(fishConfigDirectory(environment), 'conf.d'), `${SYSCONF_DIRECTORY}/conf.d`, ...vendor];
}

interface ExpectedFile {
  path: string;
  /** The reason fish skips an existing file (a conf.d file masked by an earlier one of the same name). */
  skippedNote?: string;
  /** Part of the conf.d loop, which skips files that are not readable regular files. */
  confd?: boolean;
}

/** Lists the startup files fish looks at, in its order, before the trace is consulted. */
function expectedFiles(environment: Record<string, string>): ExpectedFile[] {
  const files: ExpectedFile[] = [{ path: universalVariableFile(environment) }, { path: `${DATA_DIRECTORY}/config.fish` }];
  const firstByName = new Map<string, string>();
  for (const directory of confDirectories(environment)) {
    for (const file of listFishFiles(directory)) {
      const name = path.basename(file);
      const first = firstByName.get(name);
      if (first === undefined) {
        firstByName.set(name, file);
        files.push({ path: file, confd: true });
      } else {
        files.push({ path: file, confd: true, skippedNote: `${first} has the same name and comes first, so fish skips this file` });
      }
    }
  }
  files.push({ path: `${SYSCONF_DIRECTORY}/config.fish` }, { path: path.join(fishConfigDirectory(environment), 'config.fish') });
  return files;
}

/** The `*.fish` names of a directory as fish's glob returns them: no hidden files, natural order. */
function listFishFiles(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.fish') && !name.startsWith('.'))
    .sort((left, right) => left.localeCompare(right, 'en', { numeric: true }))
    .map((name) => path.join(directory, name));
}

/**
 * Lists the startup files of a fish run: the files the trace shows fish reading, in that order,
 * with the expected files it did not read (missing, masked or unreadable) at their place.
 */
export function listFishStartupFiles(sourced: SourcedFile[], environment: Record<string, string>): StartupFile[] {
  const expected = expectedFiles(environment);
  const readPaths = new Set(sourced.map((file) => file.path));
  const files: StartupFile[] = [];
  const listed = new Set<string>();
  let nextExpected = 0;

  const flushExpected = (until: number) => {
    for (; nextExpected < until; nextExpected += 1) {
      const file = expected[nextExpected]!;
      if (readPaths.has(file.path) || listed.has(file.path)) continue;
      listed.add(file.path);
      files.push(describeUnread(file, nextExpected === 0));
    }
  };

  for (const file of sourced) {
    if (listed.has(file.path)) continue;
    const position = expected.findIndex((candidate) => candidate.path === file.path);
    if (position >= nextExpected) {
      flushExpected(position);
      nextExpected = position + 1;
    }
    listed.add(file.path);
    files.push({
      path: file.path,
      status: 'read',
      note: file.autoloadedFunction ? `function file, loaded when ${file.autoloadedFunction} was first called` : null,
      sourcedFrom: file.sourcedFrom,
    });
  }
  flushExpected(expected.length);
  return files;
}

function describeUnread(file: ExpectedFile, universal: boolean): StartupFile {
  const unread = (status: StartupFile['status'], note: string): StartupFile => ({ path: file.path, status, note, sourcedFrom: null });
  let stats;
  try {
    stats = statSync(file.path);
  } catch {
    return universal
      ? unread('missing', 'no universal variables are stored (set -U and fish_add_path create this file)')
      : unread('missing', 'looked for; does not exist');
  }
  if (universal) return unread('read', 'universal variables: fish loads them before any startup file');
  if (file.skippedNote) return unread('skipped', file.skippedNote);
  if (file.confd && !stats.isFile()) return unread('skipped', 'not a regular file, so the conf.d loop skips it');
  if (!isReadable(file.path)) return unread('skipped', 'exists but is not readable by this user');
  return unread('skipped', 'exists, but the trace shows that fish did not read it');
}

function isReadable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
