/**
 * Types of the diagnosis: findings over a scan, each with evidence, a plain explanation and fixes
 * that are concrete edits (or, where no edit applies, a command to run).
 */

export type FindingSeverity = 'error' | 'warning' | 'hint';

/** A place in a file that a finding points at. */
export interface EvidenceLocation {
  file: string;
  /** 1-based; null when the finding is about the whole file. */
  line: number | null;
  /** The line's text, secrets masked. */
  text: string | null;
}

/** One value a finding is about, in one context. Secrets are masked. */
export interface EvidenceValue {
  /** A variable name, `go env` name, or a short label such as `go on PATH`. */
  name: string;
  value: string | null;
  contextId: string | null;
  /** The layer or source that set it, in words (`~/.profile:2`, `Go env file`, `$GOROOT/go.env`, `default`). */
  source: string | null;
}

export interface FindingEvidence {
  /** The contexts where the finding holds. */
  contextIds: string[];
  values: EvidenceValue[];
  locations: EvidenceLocation[];
}

/** One file changed by a fix: the exact text before and after. */
export interface FixFileEdit {
  path: string;
  /** SHA-256 of the file's bytes the edit was computed from; saving refuses a file changed since. */
  expectedHash: string;
  /** The file's text before and after, with `\n` line endings (as the editor shows them). */
  before: string;
  after: string;
  /** False when the edit creates the file. */
  exists: boolean;
  /**
   * Set by fixes that repair the file's format: `lf` writes `\n` line endings even where the file
   * has CRLF ones. Absent: the save keeps the file's line endings.
   */
  lineEnding?: 'lf';
  /** Set to false by fixes that remove a UTF-8 byte order mark. Absent: the save keeps it. */
  bom?: false;
}

/** A way to make a finding go away. */
export interface Fix {
  /** Stable within the finding, e.g. `remove-line`, `add-to-profile`. */
  id: string;
  /** The fix's action, in one line. */
  title: string;
  /** File edits, applied together through the safe save. Empty for a command-only fix. */
  edits: FixFileEdit[];
  /** A command the user runs instead (or after the edits); null when the edits are the whole fix. */
  command: string | null;
  /** The contexts whose values change, and how, in words. */
  effect: { contextIds: string[]; description: string };
}

/** One problem found in a scan. */
export interface Finding {
  /** Stable across scans of the same setup: the rule id plus what it is about, e.g. `goroot-stale:~/.profile:GOROOT`. */
  id: string;
  /** The rule that produced it. */
  rule: string;
  severity: FindingSeverity;
  /** One line in plain words. */
  title: string;
  /** The explanation for a newcomer: what happens, where, and why. */
  explanation: string;
  evidence: FindingEvidence;
  fixes: Fix[];
}

/** A rule of the catalogue, as listed for documentation and the UI. */
export interface RuleInfo {
  id: string;
  severity: FindingSeverity;
  title: string;
  /** The facts the rule reads. */
  reads: ('contexts' | 'provenance' | 'startup-files' | 'go-layers' | 'toolchains' | 'project' | 'file-system')[];
}

/** Every finding of a scan. */
export interface FindingsReport {
  findings: Finding[];
  /** The project folder the Go settings were evaluated in, or null. */
  project: string | null;
  /** Rules that failed to run, with the reason; their findings are missing. */
  ruleErrors: { rule: string; message: string }[];
}

/** The result of applying a fix and scanning the affected contexts again. */
export interface FixOutcome {
  findingId: string;
  fixId: string;
  /** The files written, with the backup taken of each. */
  saved: { path: string; backupId: string }[];
  /** True when the finding is gone from the new scan. */
  resolved: boolean;
  /** Findings the new scan has that the old one did not (should be none). */
  introduced: Finding[];
  /** Plain words for the user: what changed, or why the finding is still there and how to undo. */
  message: string;
}
