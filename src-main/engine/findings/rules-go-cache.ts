/**
 * Build and module caches the user cannot write. A go command run as root with the user's HOME
 * (`sudo -E go build`, sudo keeping HOME, a container that mounts the home) leaves GOCACHE and
 * GOMODCACHE entries owned by root. The user's own builds then fail with "permission denied".
 * The fix is a command, because only an administrator can give the files back.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

import type { FindingSeverity } from '../../shared/findings.ts';
import { shellQuote } from './rules-go-fixes.ts';
import {
  contextIdsOf,
  contextLabels,
  evidenceValue,
  goContexts,
  layeredVariable,
  shownPath,
  type GoContext,
} from './rules-go-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';

/**
 * Entries checked per cache before giving up, breadth first. A root-run go leaves root-owned
 * folders near the top (the 256 folders of GOCACHE, module folders of GOMODCACHE), which a
 * breadth-first walk reaches within a few hundred entries. A large cache contains hundreds of
 * thousands of files, and checking them all would make a diagnosis take seconds.
 */
const MAX_ENTRIES_CHECKED = 5000;

const CACHES = [
  { name: 'GOCACHE', what: 'build cache' },
  { name: 'GOMODCACHE', what: 'module cache' },
] as const;

/** The first place in a cache the user cannot write, with its owner. */
interface Blocker {
  path: string;
  uid: number | null;
  /** True when the cache folder does not exist and cannot be created. */
  cannotCreate: boolean;
}

function isWritable(file: string): Promise<boolean> {
  return fs.access(file, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Finds the first entry of `directory`, breadth first, that another user owns and this one cannot
 * write, or the parent that keeps the missing directory from being created.
 */
async function findBlocker(directory: string, uid: number): Promise<Blocker | null> {
  const top = await fs.lstat(directory).catch(() => null);
  if (top === null) {
    let parent = path.dirname(directory);
    while (!(await fs.stat(parent).then(() => true, () => false)) && parent !== path.dirname(parent)) {
      parent = path.dirname(parent);
    }
    const stat = await fs.stat(parent).catch(() => null);
    return (await isWritable(parent)) ? null : { path: parent, uid: stat?.uid ?? null, cannotCreate: true };
  }
  const queue = [directory];
  let checked = 0;
  while (queue.length > 0 && checked < MAX_ENTRIES_CHECKED) {
    const entry = queue.shift()!;
    const stat = await fs.lstat(entry).catch(() => null);
    checked++;
    if (stat === null) continue;
    // Another owner matters only where this user cannot write, so a group-writable shared cache is fine.
    if (stat.uid !== uid && !(await isWritable(entry))) return { path: entry, uid: stat.uid, cannotCreate: false };
    if (!stat.isDirectory()) continue;
    const names = await fs.readdir(entry).catch(() => null);
    if (names === null) return { path: entry, uid: stat.uid, cannotCreate: false };
    queue.push(...names.sort().map((name) => path.join(entry, name)));
  }
  return (await isWritable(directory)) ? null : { path: directory, uid: top.uid, cannotCreate: false };
}

/** Returns the highest folder above `directory` inside the home that `uid` does not own, or `directory`. */
async function chownTarget(directory: string, blocker: Blocker, uid: number, home: string): Promise<string> {
  if (blocker.cannotCreate) return blocker.path;
  let target = directory;
  for (let parent = path.dirname(target); parent.startsWith(`${home}/`); parent = path.dirname(parent)) {
    const stat = await fs.stat(parent).catch(() => null);
    if (stat === null || stat.uid === uid) break;
    target = parent;
  }
  return target;
}

/** Returns the user name of a uid from /etc/passwd, or `uid N`. */
async function userName(uid: number | null): Promise<string> {
  if (uid === null) return 'another user';
  const passwd = await fs.readFile('/etc/passwd', 'utf8').catch(() => '');
  const entry = passwd.split('\n').find((line) => line.split(':')[2] === String(uid));
  return entry ? `${entry.split(':')[0]} (uid ${uid})` : `uid ${uid}`;
}

function severityFor(name: string, directory: string, blocker: Blocker): FindingSeverity {
  if (name === 'GOCACHE' || blocker.cannotCreate) return 'error';
  const relative = path.relative(directory, blocker.path);
  // The module cache folder itself and its download cache are written by every download.
  const nearTop = relative === '' || relative.startsWith('..') || ['cache', path.join('cache', 'download')].includes(relative);
  return nearTop ? 'error' : 'warning';
}

async function cacheDraft(
  facts: FindingFacts,
  cache: (typeof CACHES)[number],
  directory: string,
  contexts: GoContext[],
): Promise<FindingDraft | null> {
  const uid = facts.report.host.uid;
  const blocker = await findBlocker(directory, uid);
  if (blocker === null) return null;
  const target = await chownTarget(directory, blocker, uid, facts.home);
  const owner = await userName(blocker.uid);
  const user = facts.report.host.user;
  const shown = shownPath(directory, facts.home);
  const blockedAt = shownPath(blocker.path, facts.home);
  const consequence =
    cache.name === 'GOCACHE'
      ? 'go cannot write its build results there, so builds and tests fail with "permission denied"'
      : 'go cannot add or remove modules there, so downloads and `go clean -modcache` fail with "permission denied"';
  return {
    key: shown,
    severity: severityFor(cache.name, directory, blocker),
    title: blocker.cannotCreate
      ? `The ${cache.what} ${shown} (${cache.name}) cannot be created: ${blockedAt} belongs to ${owner}`
      : `The ${cache.what} ${shown} (${cache.name}) has entries owned by ${owner}, not by ${user}`,
    explanation:
      (blocker.cannotCreate
        ? `${shown} does not exist yet and ${blockedAt}, where go would create it, belongs to ${owner}. `
        : `${blockedAt} in the ${cache.what} ${shown} belongs to ${owner}, not to ${user}. `) +
      `That happens when a go command runs as root with this home folder (\`sudo -E go …\`, sudo keeping ` +
      `HOME, or a container that mounts the home without --user). Now ${consequence}. Giving the folder ` +
      `back to ${user} needs administrator rights, so the fix is a command. This affects ` +
      `${contextLabels(contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(contexts),
      values: [
        evidenceValue(cache.name, directory, null, null),
        evidenceValue('owner', `${blockedAt}: ${owner}`, null, null),
      ],
      locations: [{ file: blocker.path, line: null, text: null }],
    },
    fixes: [
      {
        id: 'chown-cache',
        title: `Give ${shownPath(target, facts.home)} back to ${user}`,
        edits: [],
        command: `sudo chown -R ${shellQuote(user)}: ${shellQuote(target)}`,
        effect: {
          contextIds: contextIdsOf(contexts),
          description: `go can write the ${cache.what} again in ${contextLabels(contexts)}`,
        },
      },
    ],
  };
}

export const goCacheNotWritableRule: Rule = {
  id: 'go-cache-not-writable',
  severity: 'error',
  title: 'The Go build or module cache is not writable by the user',
  reads: ['go-layers', 'file-system'],
  async check(facts) {
    // root can write anything, so root-owned entries only matter to other users.
    if (facts.report.host.uid === 0) return [];
    const drafts: FindingDraft[] = [];
    for (const cache of CACHES) {
      const byDirectory = new Map<string, GoContext[]>();
      for (const context of goContexts(facts)) {
        const directory = layeredVariable(context.layers, cache.name)?.value ?? '';
        if (!path.isAbsolute(directory)) continue;
        byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), context]);
      }
      for (const [directory, contexts] of byDirectory) {
        const draft = await cacheDraft(facts, cache, directory, contexts);
        if (draft) drafts.push(draft);
      }
    }
    return drafts;
  },
};
