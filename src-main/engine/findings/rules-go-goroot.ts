/**
 * GOROOT written in the Go env file (`go env -w GOROOT=…` is accepted by every release). It
 * overrides the Go tree the go binary belongs to, so after an upgrade or an uninstall it points
 * at an older tree (every build fails with a compile version mismatch) or at nothing (every go
 * command fails, `go env -u` included).
 */
import type { FindingSeverity } from '../../shared/findings.ts';
import type { GorootResolution } from '../../shared/go-toolchain-resolution.ts';
import { envFileLineFix, setsEnvFileKey } from './rules-go-fixes.ts';
import {
  contextIdsOf,
  contextLabels,
  evidenceValue,
  goContexts,
  locationOf,
  shownPath,
  worstSeverity,
  type GoContext,
} from './rules-go-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import { goWithVersion } from './rules-shell-support.ts';

interface GorootLine {
  file: string;
  line: number;
  value: string;
  contexts: { context: GoContext; goroot: GorootResolution }[];
}

function collectLines(facts: FindingFacts): GorootLine[] {
  const lines = new Map<string, GorootLine>();
  for (const context of goContexts(facts)) {
    const goroot = context.resolution?.goroot;
    if (goroot?.source !== 'user-env-file' || goroot.file === null || goroot.line === null) continue;
    const key = `${goroot.file}:${goroot.line}`;
    const entry = lines.get(key) ?? { file: goroot.file, line: goroot.line, value: goroot.path ?? '', contexts: [] };
    entry.contexts.push({ context, goroot });
    lines.set(key, entry);
  }
  return [...lines.values()];
}

/** Judges one context's GOROOT from the Go env file: what breaks, in words. */
function judge(goroot: GorootResolution, binaryVersion: string | null): { severity: FindingSeverity; problem: string } {
  if (goroot.startupError !== null) {
    return { severity: 'error', problem: `every go command fails, go version included: ${goroot.startupError}` };
  }
  if (goroot.mixedToolchain) {
    return {
      severity: 'error',
      problem:
        `it contains ${goroot.version ?? 'another Go version'} while the go that runs is ` +
        `${binaryVersion ?? 'a different version'}, ` +
        `so every build fails: ${goroot.mixedToolchainError ?? 'compile: version mismatch'}`,
    };
  }
  if (!goroot.isGoRoot) {
    return {
      severity: 'error',
      problem: 'it is not a Go installation (it has no pkg/tool), so builds cannot find the compiler',
    };
  }
  return {
    severity: 'hint',
    problem:
      goroot.path === goroot.executableRoot
        ? 'it names the tree go finds by itself, so the line is not needed. After an upgrade to another ' +
          'folder it would point at the old Go'
        : `go uses ${goroot.path} instead of the tree around the binary (${goroot.executableRoot ?? 'none'})`,
  };
}

async function draftOf(facts: FindingFacts, entry: GorootLine): Promise<FindingDraft> {
  const where = `${shownPath(entry.file, facts.home)}:${entry.line}`;
  const judged = entry.contexts.map(({ context, goroot }) => ({
    context,
    goroot,
    ...judge(goroot, context.resolution?.binary?.version ?? null),
  }));
  const severity = worstSeverity(judged.map((item) => item.severity));
  const worst = judged.find((item) => item.severity === severity)!;
  const contexts = judged.map((item) => item.context);
  const roots = judged.map((item) => item.goroot.executableRoot);
  const ownRoots = [...new Set(roots.filter((root): root is string => root !== null))];
  const ownRootsText = ownRoots.join(', ') || 'the folder around the go binary';

  const fix = await envFileLineFix(facts, {
    id: 'remove-env-file-line',
    title: `Delete line ${entry.line} (GOROOT) from ${shownPath(entry.file, facts.home)}`,
    file: entry.file,
    line: entry.line,
    expect: (text) => setsEnvFileKey(text, 'GOROOT'),
    replacement: null,
    effect: {
      contextIds: contextIdsOf(contexts),
      description: `go finds its own tree again (${ownRootsText}) in ${contextLabels(contexts)}`,
    },
  });

  return {
    key: `${shownPath(entry.file, facts.home)}:GOROOT`,
    severity,
    title:
      severity === 'hint'
        ? `GOROOT is written in ${where}, which go does not need`
        : `GOROOT=${entry.value} in ${where} ${worst.goroot.startupError !== null ? 'stops every go command' : 'breaks builds'}`,
    explanation:
      `Line ${entry.line} of the Go env file ${shownPath(entry.file, facts.home)} sets GOROOT=${entry.value}, ` +
      `probably from an old \`go env -w GOROOT=…\`. go normally finds its tree from where the go binary lives ` +
      `(${ownRootsText}), and this line overrides that: ${worst.problem}. ` +
      `Reinstalling Go does not touch this file. Deleting the line is the same as \`go env -u GOROOT\`, which ` +
      `cannot run while GOROOT is broken. This affects ${contextLabels(contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(contexts),
      values: [
        evidenceValue('GOROOT', entry.value, null, where),
        ...judged.map((item) =>
          evidenceValue(
            'go on PATH',
            goWithVersion(item.context.resolution?.binary?.path, item.context.resolution?.binary?.version),
            item.context.context.id,
            null,
          ),
        ),
      ],
      locations: [await locationOf(facts, entry.file, entry.line)],
    },
    fixes: fix ? [fix] : [],
  };
}

export const goEnvFileGorootRule: Rule = {
  id: 'go-env-file-goroot',
  severity: 'error',
  title: 'GOROOT is written in the Go env file',
  reads: ['go-layers', 'toolchains', 'file-system'],
  async check(facts) {
    return Promise.all(collectLines(facts).map((entry) => draftOf(facts, entry)));
  },
};
