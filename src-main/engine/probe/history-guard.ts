/**
 * Keeps probe commands out of the user's shell history. Probes set HISTFILE=/dev/null, but a
 * startup file can set HISTFILE again, and then a shell typed at a prompt (or ksh93 even with
 * `-c`) records the probe's command there, and fish or xonsh create new history files. Before a
 * probe, the history files the shell could write are read. Afterwards every line that names a
 * probe directory is removed again, and a file the probe created is deleted.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { NotRegularFileError, readRegularFile } from '../files/regular-file.ts';
import { startupFileLines } from '../trace/redirect-guard.ts';

/** Text in every line a probe adds to a history file: its private directory's name. */
export const PROBE_MARKER = 'go-env-lens-probe-';

/** Largest history file kept in memory to compare; larger files are only cleaned by append. */
const MAX_REMEMBERED_BYTES = 16 * 1024 * 1024;

interface Snapshot {
  file: string;
  /** The content before the probe, or null when the file did not exist. */
  before: Buffer | null;
  /**
   * The path named something other than a regular file (a named pipe, a device), which is
   * neither read nor cleaned: reading a named pipe blocks until another process writes to it.
   */
  irregular: boolean;
  /** The file was too large to keep in memory, so `before` is empty. */
  large: boolean;
  mode: number | null;
}

/**
 * Reads the history files a shell family could write, and returns a function that removes what
 * the probe added to them.
 */
export async function guardHistoryFiles(
  family: string,
  login: boolean,
  environment: Record<string, string>,
): Promise<() => Promise<void>> {
  const files = new Set(await Promise.all([...historyFiles(family, login, environment)].map(followLinks)));
  const snapshots = await Promise.all([...files].map(shareSnapshot));
  const sessionDirectory = xonshSessionDirectory(environment);
  const sessionsBefore = sessionDirectory ? await listDirectory(sessionDirectory) : null;
  return async () => {
    for (const snapshot of snapshots) await releaseSnapshot(snapshot);
    if (sessionDirectory && sessionsBefore) {
      // xonsh's JSON backend writes one new file per session.
      for (const name of await listDirectory(sessionDirectory)) {
        if (sessionsBefore.has(name)) continue;
        const file = path.join(sessionDirectory, name);
        const content = await readRegularFile(file).catch(() => null);
        if (content?.includes(PROBE_MARKER)) await fs.rm(file, { force: true });
      }
    }
  };
}

/**
 * The file a history path leads to. The cleanup renames a cleaned copy over the file, which
 * would turn a symbolic link (a history file kept in a synced folder, or a link in the editor
 * preview's stand-in home) into a plain file and leave the linked file with the probe's lines.
 */
async function followLinks(file: string): Promise<string> {
  const real = await fs.realpath(file).catch(() => null);
  if (real) return real;
  const directory = await fs.realpath(path.dirname(file)).catch(() => null);
  return directory ? path.join(directory, path.basename(file)) : file;
}

function xonshSessionDirectory(environment: Record<string, string>): string | null {
  const home = environment.HOME;
  if (!home || !home.startsWith('/')) return null;
  const dataDirectory =
    environment.XONSH_DATA_DIR || path.join(environment.XDG_DATA_HOME || path.join(home, '.local/share'), 'xonsh');
  return path.join(dataDirectory, 'history_json');
}

async function listDirectory(directory: string): Promise<Set<string>> {
  try {
    return new Set(await fs.readdir(directory));
  } catch {
    return new Set();
  }
}

/** Lists the usual history files of every shell, plus each HISTFILE a startup file assigns. */
function historyFiles(family: string, login: boolean, environment: Record<string, string>): Set<string> {
  const home = environment.HOME;
  if (!home || !home.startsWith('/')) return new Set();
  const dataHome = environment.XDG_DATA_HOME || path.join(home, '.local/share');
  const files = new Set(
    [
      '.bash_history', '.zsh_history', '.zhistory', '.histfile', '.sh_history', '.ksh_history',
      '.mksh_history', '.yash_history', '.history',
    ].map((name) => path.join(home, name)),
  );
  for (const name of ['fish_history', 'default_history']) files.add(path.join(dataHome, 'fish', name));
  files.add(path.join(dataHome, 'xonsh', 'xonsh-history.sqlite'));
  for (const { text } of startupFileLines(family, login, environment)) {
    const assigned = /(?:^|[\s;])(?:export\s+)?HISTFILE=["']?([^"'\s;]+)/.exec(text)?.[1];
    if (!assigned) continue;
    const resolved = assigned.replace(/^~(?=\/)/, home).replace(/\$\{?HOME\}?/g, home);
    if (resolved.startsWith('/') && !/[$`]/.test(resolved)) files.add(resolved);
  }
  return files;
}

/**
 * Snapshots taken by probes still running, by file. Probes run side by side, and a probe that
 * started after another's shell had already written to a file must not take that as the
 * original, so the first snapshot is shared, and the file is cleaned when the last probe ends.
 */
const activeSnapshots = new Map<string, { snapshot: Promise<Snapshot>; users: number }>();

function shareSnapshot(file: string): Promise<Snapshot> {
  const active = activeSnapshots.get(file);
  if (active) {
    active.users += 1;
    return active.snapshot;
  }
  const snapshot = takeSnapshot(file);
  activeSnapshots.set(file, { snapshot, users: 1 });
  return snapshot;
}

async function releaseSnapshot(snapshot: Snapshot): Promise<void> {
  const active = activeSnapshots.get(snapshot.file);
  if (active) {
    active.users -= 1;
    if (active.users > 0) return;
    activeSnapshots.delete(snapshot.file);
  }
  await cleanHistoryFile(snapshot);
}

async function takeSnapshot(file: string): Promise<Snapshot> {
  const missing = { file, before: null, irregular: false, large: false, mode: null };
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return { ...missing, irregular: true };
    const large = stat.size > MAX_REMEMBERED_BYTES;
    const before = large ? Buffer.alloc(0) : await readRegularFile(file);
    return { file, before, irregular: false, large, mode: stat.mode & 0o7777 };
  } catch (error) {
    // The stat showed a regular file, but another process put something else in its place.
    if (error instanceof NotRegularFileError) return { ...missing, irregular: true };
    return missing;
  }
}

async function cleanHistoryFile(snapshot: Snapshot): Promise<void> {
  if (snapshot.irregular) return;
  let now: Buffer;
  try {
    // Skips anything the probe's shell may have made at the path that is not a regular file.
    now = await readRegularFile(snapshot.file);
  } catch {
    return;
  }
  if (snapshot.before === null) {
    // Created during the probe, so by the probe's shell.
    await fs.rm(snapshot.file, { force: true });
    return;
  }
  if (!snapshot.large && now.equals(snapshot.before)) return;
  // A database is not made of lines; an existing one is left alone.
  if (snapshot.file.endsWith('.sqlite')) return;
  // A shell that appended leaves the old content in front, and only the probe's lines go. One
  // that rewrote the file (ksh93 turns any file into its history format) does not, and then the
  // old content is put back.
  // NOTE: a real shell of the user's that rewrites the same file during the probe (well under a
  // second) loses that write.
  const appended = snapshot.large || now.subarray(0, snapshot.before.length).equals(snapshot.before);
  if (appended && !now.includes(PROBE_MARKER)) return;
  const cleaned = withoutProbeLines(appended ? now : snapshot.before);
  // A temporary name of its own, in case another Go Env Lens process cleans the same file.
  const temporary = `${snapshot.file}.go-env-lens-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await fs.writeFile(temporary, cleaned, { mode: snapshot.mode ?? 0o600 });
    await fs.chmod(temporary, snapshot.mode ?? 0o600);
    await fs.rename(temporary, snapshot.file);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

/**
 * Removes every line that names a probe directory, with the indented lines that continue it
 * (fish writes `- cmd: ...` followed by `  when: ...`).
 */
export function withoutProbeLines(content: Buffer): Buffer {
  const lines = content.toString('latin1').split('\n');
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (line.includes(PROBE_MARKER)) {
      dropping = true;
      continue;
    }
    if (dropping && /^[ \t]/.test(line)) continue;
    dropping = false;
    kept.push(line);
  }
  return Buffer.from(kept.join('\n'), 'latin1');
}
