/**
 * The shape of a diagnosis rule and the facts every rule reads. Rules are listed in one table
 * (rule-table.ts). Each reads the facts and returns findings without their ids, because the engine
 * derives the ids from the rule id and the finding's key.
 */
import type { EditableFile } from '../../shared/editing.ts';
import type { Finding, FindingSeverity, RuleInfo } from '../../shared/findings.ts';
import type { GoLayersReport } from '../../shared/go-layers.ts';
import type { ToolchainResolution } from '../../shared/go-toolchain-resolution.ts';
import type { ToolchainInventory } from '../../shared/go-toolchains.ts';
import type { ScanContext, ScanReport } from '../../shared/scan-report.ts';

/** One context of the scan with Go's view of it. */
export interface ContextFacts {
  context: ScanContext;
  /** Null when the context was not probed or has no go. */
  resolution: ToolchainResolution | null;
  layers: GoLayersReport | null;
  layersError: string | null;
}

/** Reads files for rules and fixes; each file is read once per diagnosis. */
export interface FileReader {
  /** The file as the editor would open it; null when it cannot be read (exists false when missing). */
  read(path: string): Promise<EditableFile | null>;
}

/** Everything a rule may read. */
export interface FindingFacts {
  report: ScanReport;
  /** The home folder of the scanned user. */
  home: string;
  contexts: ContextFacts[];
  toolchains: ToolchainInventory;
  /** The project folder Go settings were evaluated in, or null. */
  project: string | null;
  files: FileReader;
}

/** A finding as a rule returns it: the engine adds the id, the rule and the default severity. */
export interface FindingDraft extends Omit<Finding, 'id' | 'rule' | 'severity'> {
  /** The subject of the finding, stable across scans: e.g. `~/.profile:GOPATH` or `GOPATH`. */
  key: string;
  /** Overrides the rule's severity for this finding. */
  severity?: FindingSeverity;
}

/** A rule of the catalogue. */
export interface Rule extends RuleInfo {
  check(facts: FindingFacts): Promise<FindingDraft[]>;
}
