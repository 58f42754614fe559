/**
 * The plain words the variable view uses for provenance facts: how they were obtained, where an
 * inherited value came from, what is wrong with a PATH entry and what a startup file's status
 * means. One table per fact, so every component uses the same words.
 */
import type {
  AssignmentVia,
  InheritedOrigin,
  PathEntryProvenance,
  ProvenanceMethod,
  StartupFile,
} from '../../src-main/shared/provenance.ts';
import type { ProbeMethod, ScanContext } from '../../src-main/shared/scan-report.ts';

/** Descriptions of the provenance methods. */
export const METHOD_WORDS: Record<ProvenanceMethod, string> = {
  traced: 'traced from the real shell run',
  'read-file': 'found by reading the file',
  'files-only': 'startup files listed; lines not traced',
};

/** Descriptions of how the probe reached the shell's environment. */
export const PROBE_METHOD_WORDS: Record<ProbeMethod, string> = {
  command: 'probe passed as a command (-c)',
  typed: 'probe typed at a real prompt',
  inherited: 'no shell: the environment is inherited as is',
};

/** Describes how a context's provenance was obtained, including when it was not obtained. */
export function describeProvenanceMethod(context: ScanContext): string {
  if ((context.mode === 'desktop' || context.mode === 'script') && context.provenance) {
    return 'no startup files: every value comes from the session';
  }
  if (context.provenance) return METHOD_WORDS[context.provenance.method];
  if (context.provenanceError) return `not explained: ${context.provenanceError}`;
  return context.shell === null
    ? 'not traced: no shell runs in this context'
    : 'not traced for this shell';
}

/** Descriptions of the origins of values that no startup file line set. */
export const INHERITED_WORDS: Record<InheritedOrigin, string> = {
  session: 'inherited from the login or desktop session',
  shell: 'set by the shell itself',
  'prompt-hook': 'changed after the startup files, e.g. by a prompt hook',
  unknown: 'origin unknown: no traced line set it and the session did not pass it in',
};

/** Labels of assignments that no ordinary line made. An ordinary line gets no label. */
export const VIA_WORDS: Record<AssignmentVia, string | null> = {
  line: null,
  eval: '(eval)',
  function: '(function)',
  'fish-universal': '(fish universal variable)',
  'prompt-hook': '(prompt hook)',
};

/** Descriptions of the problems of PATH entries. */
export const PATH_PROBLEM_WORDS: Record<NonNullable<PathEntryProvenance['problem']>, string> = {
  missing: 'does not exist',
  'not-directory': 'not a directory',
  relative: 'relative: depends on the current directory',
  tilde: 'literal ~: only bash expands it',
  empty: 'empty entry = current directory',
};

/** Status badges of startup files. */
export const STARTUP_STATUS_WORDS: Record<StartupFile['status'], string> = {
  read: 'read',
  missing: 'missing',
  skipped: 'skipped',
};

/** The warning shown when a variable is set in the shell but not passed to programs. */
export const NOT_EXPORTED_WARNING =
  'assigned but never exported: programs such as go never see it';
