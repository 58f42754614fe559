/**
 * Rules about which `go` each context finds: go missing in some contexts, a desktop session that
 * started before ~/.profile got its Go lines, and different go binaries in different contexts.
 */
import type { EvidenceValue, Fix, FixFileEdit } from '../../shared/findings.ts';
import type { ScanContext } from '../../shared/scan-report.ts';
import { ShellValueError, type ShellName } from '../files/managed-block.ts';
import { managedBlockEdit, renderHomePathEntry, startupFileSyntax } from './fix-edits.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import {
  compareGoVersions,
  contextLabels,
  displayPath,
  firstHomeFile,
  goDirectory,
  goValues,
  goWithVersion,
  idsOf,
  inheritsSession,
  isHomeFile,
  listedLabel,
  listWords,
  pathEntryLocations,
  pathEntryOf,
  probedContexts,
  profilePath,
  sentence,
  sessionFiles,
  sessionReader,
  skipsProfile,
  verbFor,
  whenProfileReaches,
} from './rules-shell-support.ts';

/**
 * Reports whether every context that finds go got its directory from a home file that the desktop
 * session never reads. The rc-only rule explains that case better than a list of contexts.
 */
function goOnlyFromUnreadFiles(facts: FindingFacts, withGo: ScanContext[]): boolean {
  const session = sessionFiles(facts);
  return withGo.every((context) => {
    const directory = goDirectory(context);
    const addedBy = directory === null ? null : pathEntryOf(context, directory)?.addedBy;
    if (!addedBy) return false;
    return isHomeFile(addedBy.location.file, facts.home) && !session.has(addedBy.location.file);
  });
}

/** Returns edits that put `directory` first on PATH in the managed block of each file. */
async function prependEdits(
  facts: FindingFacts,
  files: Iterable<string>,
  directory: string,
): Promise<FixFileEdit[]> {
  const edits: FixFileEdit[] = [];
  for (const file of files) {
    const shell: ShellName =
      file === profilePath(facts) ? 'sh' : startupFileSyntax(file, facts.report.contexts);
    try {
      const line = renderHomePathEntry(shell, directory, 'prepend', facts.home);
      edits.push(await managedBlockEdit(facts.files, file, shell, [line]));
    } catch (error) {
      // A directory the shell cannot spell (a colon, a line break) gets no edit.
      if (!(error instanceof ShellValueError)) throw error;
    }
  }
  return edits;
}

/**
 * Returns the file where a line reaches a context missing go: ~/.profile, except for a bash login
 * shell that reads its own ~/.bash_profile instead.
 */
function fileReaching(facts: FindingFacts, context: ScanContext): string {
  const own = skipsProfile(facts, context) ? firstHomeFile(facts, context) : null;
  return own ?? profilePath(facts);
}

const goMissing: Rule = {
  id: 'go-missing',
  severity: 'warning',
  title: 'The go command is found in some contexts but not in others',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const probed = probedContexts(facts);
    const withGo = probed.filter((context) => context.go?.path);
    const without = probed.filter((context) => !context.go?.path);
    if (withGo.length === 0 || without.length === 0) return [];

    const reader = sessionReader(facts);
    const sessionHasGo = !!reader?.go?.path;
    if (!sessionHasGo && goOnlyFromUnreadFiles(facts, withGo)) return [];
    // Contexts that get go at the next login, and bash login shells that skip ~/.profile, are
    // explained by the session-outdated and bash-profile-hides-profile rules.
    const missing = without.filter(
      (context) => !(sessionHasGo && (inheritsSession(context) || skipsProfile(facts, context))),
    );
    if (missing.length === 0) return [];

    const loginWithGo = withGo.find((context) => context.mode === 'login');
    const source = sessionHasGo ? reader! : (loginWithGo ?? withGo[0]!);
    const directory = goDirectory(source)!;
    const files = new Set(missing.map((context) => fileReaching(facts, context)));
    const edits = await prependEdits(facts, files, directory);
    const shownFiles = listWords(edits.map((edit) => displayPath(edit.path, facts.home)));
    const goPaths = listWords([...new Set(withGo.map((context) => context.go!.path!))]);
    const fixes: Fix[] = [];
    if (edits.length > 0) {
      fixes.push({
        id: 'add-to-path',
        title: `Put ${directory} on PATH in ${shownFiles}`,
        edits,
        command: null,
        effect: {
          contextIds: idsOf(missing),
          description:
            `${sentence(contextLabels(missing))} ${verbFor(missing, 'finds', 'find')} go (${source.go!.path}, ` +
            `${source.go!.version ?? 'version unknown'}): ${whenProfileReaches(facts, missing)}.`,
        },
      });
    }
    const draft: FindingDraft = {
      key: 'go',
      title: `The go command is not found in ${contextLabels(missing)}`,
      explanation:
        `${sentence(contextLabels(withGo))} ${verbFor(withGo, 'finds', 'find')} go at ${goPaths}, but ` +
        `${contextLabels(missing)} ${verbFor(missing, 'does', 'do')} not, ` +
        'because no directory on their PATH contains go. Programs started there, such as editors, ' +
        'build scripts and terminals, report "go: command not found". ' +
        `The directory ${directory} has to be on PATH in the startup file those contexts read.`,
      evidence: {
        contextIds: idsOf(missing),
        values: goValues([...withGo, ...missing]),
        locations: await pathEntryLocations(facts, withGo, goDirectory),
      },
      fixes,
    };
    return [draft];
  },
};

/** Returns the variables the session reader got from the files the desktop session reads. */
function sessionVariables(facts: FindingFacts, reader: ScanContext): string[] {
  const session = sessionFiles(facts);
  return Object.entries(reader.provenance?.variables ?? {})
    .filter(([name, variable]) => {
      const winner = variable.winner === null ? null : variable.chain[variable.winner];
      return name !== 'PATH' && reader.env[name] !== undefined && !!winner && session.has(winner.location.file);
    })
    .map(([name]) => name);
}

const sessionOutdated: Rule = {
  id: 'session-outdated',
  severity: 'hint',
  title: 'The desktop session started before the latest change to ~/.profile',
  reads: ['contexts', 'provenance', 'startup-files'],
  async check(facts) {
    const reader = sessionReader(facts);
    if (reader === null) return [];
    const names = sessionVariables(facts, reader);
    const directory = goDirectory(reader);
    const stale = probedContexts(facts).filter((context) => {
      if (context === reader || !inheritsSession(context)) return false;
      const missesGo = directory !== null && !context.go?.path;
      return missesGo || names.some((name) => context.env[name] === undefined);
    });
    if (stale.length === 0) return [];

    const values: EvidenceValue[] = [];
    if (directory !== null) {
      const source = displayPath(profilePath(facts), facts.home);
      values.push({ name: 'go on PATH', value: goWithVersion(reader.go!.path, reader.go!.version), contextId: reader.id, source });
    }
    for (const name of names) {
      values.push({ name, value: reader.env[name]!, contextId: reader.id, source: null });
    }
    const settings = listWords(values.map((value) => value.name));
    return [
      {
        key: 'session',
        title: 'Log out and back in so the desktop session gets the Go settings of ~/.profile',
        explanation:
          `A new login reads ~/.profile and gets ${settings}, as ${listedLabel(reader.label)} shows. ` +
          `${sentence(contextLabels(stale))} ${verbFor(stale, 'starts', 'start')} from the desktop session that is running now, which ` +
          'began before ~/.profile had these lines, so they do not have them yet. Logging out ' +
          'and back in starts a session that does.',
        evidence: { contextIds: idsOf(stale), values, locations: [] },
        fixes: [],
      },
    ];
  },
};

/** Returns the files where a line puts `directory` before each older go's own directory. */
function filesAddingOlderGo(facts: FindingFacts, older: ScanContext[]): Set<string> {
  const files = new Set<string>();
  for (const context of older) {
    const own = goDirectory(context);
    const addedBy = own === null ? null : pathEntryOf(context, own)?.addedBy;
    const inHome = addedBy && isHomeFile(addedBy.location.file, facts.home);
    files.add(inHome ? addedBy.location.file : profilePath(facts));
  }
  return files;
}

const goDiffers: Rule = {
  id: 'go-differs',
  severity: 'warning',
  title: 'Contexts run different go binaries or versions',
  reads: ['contexts', 'provenance'],
  async check(facts) {
    const withGo = probedContexts(facts).filter((context) => context.go?.path);
    const binaryOf = (context: ScanContext) => context.go!.candidates[0]?.realPath ?? context.go!.path!;
    if (new Set(withGo.map(binaryOf)).size < 2) return [];
    const versions = [...new Set(withGo.map((context) => context.go!.version ?? 'unknown'))];
    const newest = withGo.reduce((best, context) =>
      compareGoVersions(context.go!.version, best.go!.version) > 0 ? context : best,
    );
    const older = withGo.filter(
      (context) => compareGoVersions(context.go!.version, newest.go!.version) < 0,
    );
    // A context with the newest go later on its PATH is go-shadowed's finding, with a better fix.
    const hasNewestLater = (context: ScanContext) =>
      context.go!.candidates.some(
        (candidate) => compareGoVersions(candidate.version, newest.go!.version) >= 0,
      );
    if (older.length > 0 && older.every(hasNewestLater)) return [];

    const described = withGo.map(
      (context) => `${listedLabel(context.label)}: ${context.go!.path} (${context.go!.version ?? 'version unknown'})`,
    );
    const newestDirectory = goDirectory(newest)!;
    const edits =
      older.length === 0
        ? []
        : await prependEdits(facts, filesAddingOlderGo(facts, older), newestDirectory);
    const fixes: Fix[] = [];
    if (edits.length > 0) {
      fixes.push({
        id: 'prefer-newest',
        title: `Put ${newestDirectory} first on PATH where an older go wins`,
        edits,
        command: null,
        effect: {
          contextIds: idsOf(older),
          description: `${sentence(contextLabels(older))} ${verbFor(older, 'runs', 'run')} ${newest.go!.path} (${newest.go!.version}) instead.`,
        },
      });
    }
    const severalVersions = versions.length > 1;
    return [
      {
        key: 'go',
        severity: severalVersions ? 'warning' : 'hint',
        title: severalVersions
          ? `Different contexts run different Go versions (${listWords(versions)})`
          : 'Different contexts run different copies of the same Go version',
        explanation:
          `Each context runs the first go on its PATH: ${described.join('; ')}. ` +
          (severalVersions
            ? 'A build in the terminal and the same build started by an editor or a script then ' +
              'use different compilers and standard libraries, so they can behave differently.'
            : 'They are the same version, so builds behave alike, but an upgrade of one copy ' +
              'will not reach the others.'),
        evidence: {
          contextIds: idsOf(withGo),
          values: goValues(withGo),
          locations: await pathEntryLocations(facts, withGo, goDirectory),
        },
        fixes,
      },
    ];
  },
};

/** The rules about which go each context finds. */
export const SHELL_GO_RULES: Rule[] = [goMissing, sessionOutdated, goDiffers];
