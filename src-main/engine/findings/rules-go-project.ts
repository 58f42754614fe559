/**
 * A project folder whose go.mod or go.work requires a newer Go than the go on PATH: with
 * GOTOOLCHAIN=auto, go switches to that version inside the project and stays on the PATH version
 * outside it, so `go version` and `go env GOROOT` depend on the current directory, and tools built
 * outside the project use the older Go.
 */
import type { Fix } from '../../shared/findings.ts';
import type { ToolchainOrigin } from '../../shared/go-toolchain-resolution.ts';
import { compareGoVersions, versionFromToolchain } from '../go/go-layers-version.ts';
import { managedBlockEdit, renderHomePathEntry, startupFileSyntax } from './fix-edits.ts';
import { contextIdsOf, contextLabels, evidenceValue, goContexts, type GoContext } from './rules-go-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';
import { goWithVersion } from './rules-shell-support.ts';

/** The origin of the toolchain go switches to, in words for evidence. */
const ORIGIN_WORDS: Record<ToolchainOrigin, string | null> = {
  'running-binary': null,
  path: 'a go1.X.Y program on PATH',
  'module-cache': 'the module cache',
  'file-proxy': 'a file:// GOPROXY',
  'network-download': 'a download',
  none: null,
};

/** Returns the contexts where go switches toolchains because of the project's go or toolchain line. */
function switchingContexts(facts: FindingFacts): GoContext[] {
  return goContexts(facts).filter((context) => {
    const selection = context.resolution?.selection;
    return (
      selection !== null &&
      selection !== undefined &&
      selection.switched &&
      selection.error === null &&
      (selection.decidedBy === 'go-line' || selection.decidedBy === 'toolchain-line')
    );
  });
}

/** The Go root of an installed toolchain of this version (e.g. `go1.23.5`), or null. */
function installedRootOf(facts: FindingFacts, toolchain: string): string | null {
  const wanted = versionFromToolchain(toolchain);
  if (wanted === null) return null;
  const match = facts.toolchains.toolchains.find((installed) => {
    const version = installed.goBinary?.buildVersion ?? installed.version?.value ?? null;
    const parsed = version === null ? null : versionFromToolchain(version);
    return installed.goroot !== null && installed.complete && parsed !== null && compareGoVersions(parsed, wanted) === 0;
  });
  return match?.goroot ?? null;
}

async function projectSwitchDrafts(facts: FindingFacts): Promise<FindingDraft[]> {
  if (facts.project === null) return [];
  const contexts = switchingContexts(facts);
  if (contexts.length === 0) return [];
  const selection = contexts[0]!.resolution!.selection!;
  const requirement = selection.requirement;
  const chosen = selection.chosen ?? 'a newer Go';
  const local = selection.localToolchain ?? 'the go on PATH';
  const decidingLine = requirement
    ? selection.decidedBy === 'toolchain-line'
      ? requirement.toolchainLine
      : requirement.goLine
    : null;
  const where = requirement ? `${requirement.file}${decidingLine === null ? '' : `:${decidingLine}`}` : facts.project;

  const fixes: Fix[] = [];
  const root = installedRootOf(facts, chosen);
  const profile = `${facts.home}/.profile`;
  const readsProfile = contexts.every((context) =>
    context.context.startupFiles.some((file) => file.path === profile && file.status === 'read'),
  );
  if (root !== null && readsProfile) {
    const shell = startupFileSyntax(profile, facts.report.contexts);
    fixes.push({
      id: 'prefer-project-go',
      title: `Put ${root}/bin first on PATH in ~/.profile`,
      edits: [await managedBlockEdit(facts.files, profile, shell, [renderHomePathEntry(shell, `${root}/bin`, 'prepend', facts.home)])],
      command: null,
      effect: {
        contextIds: contextIdsOf(contexts),
        description: `go is ${chosen} inside and outside the project in ${contextLabels(contexts)}, so tools you build match it`,
      },
    });
  }
  fixes.push({
    id: 'rebuild-tools',
    title: `Rebuild the tools you installed with go install using ${chosen}`,
    edits: [],
    command: `cd ${facts.project} && go install TOOL@latest   # for each tool in $(go env GOPATH)/bin`,
    effect: { contextIds: contextIdsOf(contexts), description: 'tools such as gopls are built with the Go the project uses' },
  });

  return [
    {
      key: facts.project,
      title: `In ${facts.project}, go switches from ${local} to ${chosen}`,
      explanation:
        `${where} requires ${chosen}, newer than the go on PATH (${local}), and GOTOOLCHAIN lets go switch. ` +
        `So go version and go env GOROOT print ${chosen} inside the project and ${local} outside it, in ` +
        `${contextLabels(contexts)}. Tools installed with go install from outside the project are built with ` +
        `${local}, and editors can report a different Go than your terminal. Nothing is broken, but the two ` +
        'versions are easy to mix up.',
      evidence: {
        contextIds: contextIdsOf(contexts),
        values: contexts.flatMap((context) => [
          evidenceValue('go on PATH', goWithVersion(context.resolution?.binary?.path, local), context.context.id, null),
          evidenceValue(
            'go in the project',
            goWithVersion(selection.executable ?? chosen, selection.executable ? chosen : null),
            context.context.id,
            ORIGIN_WORDS[selection.origin],
          ),
        ]),
        locations: requirement
          ? [
              {
                file: requirement.file,
                line: decidingLine,
                text:
                  selection.decidedBy === 'toolchain-line'
                    ? `toolchain ${requirement.toolchain ?? ''}`
                    : `go ${requirement.goVersion ?? ''}`,
              },
            ]
          : [],
      },
      fixes,
    },
  ];
}

export const projectToolchainSwitchRule: Rule = {
  id: 'project-toolchain-switch',
  severity: 'hint',
  title: 'The go command switches to a newer toolchain inside the project folder',
  reads: ['go-layers', 'toolchains', 'project', 'startup-files'],
  check: projectSwitchDrafts,
};
