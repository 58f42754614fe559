/**
 * Checks docs/scan-schema.json against real `scan --json` output, and that the schema rejects
 * reports that break it, so the published schema and the product cannot drift apart unnoticed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

import { SCAN_SCHEMA_ID, SCAN_SCHEMA_VERSION } from '../src-main/shared/scan-report.ts';
import type { ContextProvenance } from '../src-main/shared/provenance.ts';
import type { ScanReport } from '../src-main/shared/scan-report.ts';
import { C01, C16 } from './fixtures/cases.ts';
import { runCli, scanJson } from './helpers/run-cli.ts';
import { cleanEnvironment, createHome, type ThrowawayHome } from './helpers/throwaway-home.ts';

type JsonSchema = Record<string, unknown>;

const SCHEMA_FILE = new URL('../docs/scan-schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as JsonSchema;

/** Compiles the schema in strict mode, so a keyword typo in the schema fails here. */
function compileSchema(): ValidateFunction {
  // Formats are documentation only here: ajv-formats is not installed, and createdAt also
  // carries a pattern that checks the timestamp shape.
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    allowUnionTypes: true,
    validateFormats: false,
  });
  return ajv.compile(schema);
}

/** Returns every subschema of the document, each with its JSON pointer. */
function subschemas(node: unknown, pointer = ''): Array<{ pointer: string; node: JsonSchema }> {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) {
    return node.flatMap((item, index) => subschemas(item, `${pointer}/${index}`));
  }
  const found = [{ pointer, node: node as JsonSchema }];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'enum' || key === 'const' || key === 'required') continue;
    if (key === 'properties' || key === '$defs') {
      for (const [name, child] of Object.entries(value as JsonSchema)) {
        found.push(...subschemas(child, `${pointer}/${key}/${name}`));
      }
    } else {
      found.push(...subschemas(value, `${pointer}/${key}`));
    }
  }
  return found;
}

function errorSummary(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath} ${error.keyword}`);
}

describe('scan schema', () => {
  const validate = compileSchema();
  let home: ThrowawayHome;
  let report: ScanReport;

  before(async () => {
    home = await createHome(C01.files);
    // In C01 bash finds go, and elvish adds a context that is not applicable (no login mode).
    report = await scanJson(['--shell', 'bash', '--shell', 'elvish'], cleanEnvironment(home.path));
  });
  after(() => home?.remove());

  /** Returns a deep copy of the real report, changed by `change`. */
  function alteredReport(change: (copy: ScanReport) => void): ScanReport {
    const copy = structuredClone(report);
    change(copy);
    return copy;
  }

  test('doctor --json report with findings matches the schema', async () => {
    const stale = await createHome(C16.files);
    try {
      const result = await runCli(['doctor', '--json', '--shell', 'dash'], cleanEnvironment(stale.path));
      const withFindings = JSON.parse(result.stdout) as ScanReport & { findings: { findings: unknown[] } };
      assert.ok(withFindings.findings.findings.length > 0, 'C16 has no finding');
      const valid = validate(withFindings);
      assert.deepEqual(errorSummary(validate.errors), []);
      assert.equal(valid, true);
    } finally {
      await stale.remove();
    }
  });

  test('schema matches product id and version', () => {
    const properties = schema.properties as Record<string, JsonSchema>;
    assert.equal(properties.schema!.const, SCAN_SCHEMA_ID);
    assert.equal(properties.schemaVersion!.const, SCAN_SCHEMA_VERSION);
  });

  test('every schema property has a description', () => {
    const missing: string[] = [];
    for (const { pointer, node } of subschemas(schema)) {
      const isProperty = /\/(properties|\$defs)\/[^/]+$/.test(pointer);
      if (isProperty && typeof node.description !== 'string') missing.push(pointer);
    }
    assert.deepEqual(missing, []);
  });

  test('every object with named properties is closed', () => {
    const open = subschemas(schema)
      .filter(({ node }) => node.properties !== undefined && node.additionalProperties !== false)
      .map(({ pointer }) => pointer || '/');
    assert.deepEqual(open, []);
  });

  test('real scan report matches the schema', () => {
    const valid = validate(report);
    assert.deepEqual(errorSummary(validate.errors), []);
    assert.equal(valid, true);

    // The report must exercise the branches that matter, or the check above proves little.
    const ids = report.contexts.map((context) => context.id).sort();
    assert.deepEqual(ids, [
      'bash-login',
      'bash-non-login',
      'desktop',
      'elvish-login',
      'elvish-non-login',
      'script',
    ]);
    const elvishLogin = report.contexts.find((context) => context.id === 'elvish-login')!;
    assert.equal(elvishLogin.error?.code, 'not-applicable');
    const bashLogin = report.contexts.find((context) => context.id === 'bash-login')!;
    assert.equal(bashLogin.go?.candidates.length, 1);
    assert.equal(typeof bashLogin.go?.env?.GOPATH, 'string');
  });

  test('schema accepts typed provenance', () => {
    // The real report may have no provenance and no startup files, so a typed value covers their
    // schema. The type checker ties it to the product's types, and the schema must accept it.
    const assignment = {
      location: { file: `${home.path}/.bashrc`, line: 3 },
      via: 'line' as const,
      command: 'export GOPATH="$HOME/work/go"',
      value: `${home.path}/work/go`,
      exported: true,
    };
    const provenance: ContextProvenance = {
      method: 'traced',
      variables: {
        GOPATH: {
          name: 'GOPATH',
          finalValue: `${home.path}/work/go`,
          chain: [assignment],
          winner: 0,
          inherited: null,
          notExported: false,
        },
      },
      path: [
        {
          entry: '/usr/bin',
          index: 0,
          addedBy: null,
          inherited: 'session',
          duplicateOf: null,
          problem: null,
        },
        {
          entry: '~/bin',
          index: 1,
          addedBy: assignment,
          inherited: null,
          duplicateOf: null,
          problem: 'tilde',
        },
      ],
    };
    const altered = alteredReport((copy) => {
      copy.contexts[0]!.provenance = provenance;
      copy.contexts[0]!.startupFiles = [
        { path: `${home.path}/.profile`, status: 'read', note: null, sourcedFrom: null },
        {
          path: `${home.path}/.bashrc`,
          status: 'read',
          note: null,
          sourcedFrom: { file: `${home.path}/.profile`, line: 1 },
        },
      ];
    });
    const valid = validate(altered);
    assert.deepEqual(errorSummary(validate.errors), []);
    assert.equal(valid, true);
  });

  test('schema rejects schemaVersion 2', () => {
    const altered = alteredReport((copy) => {
      (copy as { schemaVersion: number }).schemaVersion = 2;
    });
    assert.equal(validate(altered), false);
    assert.deepEqual(errorSummary(validate.errors), ['/schemaVersion const']);
  });

  test('schema rejects a context without id', () => {
    const altered = alteredReport((copy) => {
      delete (copy.contexts[0] as Partial<ScanReport['contexts'][number]>).id;
    });
    assert.equal(validate(altered), false);
    assert.deepEqual(errorSummary(validate.errors), ['/contexts/0 required']);
    assert.equal(validate.errors?.[0]?.params.missingProperty, 'id');
  });

  test('schema rejects an undocumented context field', () => {
    const altered = alteredReport((copy) => {
      (copy.contexts[1] as unknown as Record<string, unknown>).undocumentedField = {};
    });
    assert.equal(validate(altered), false);
    assert.deepEqual(errorSummary(validate.errors), ['/contexts/1 additionalProperties']);
  });

  test('schema rejects a non-string env value', () => {
    const altered = alteredReport((copy) => {
      (copy.contexts[0]!.env as Record<string, unknown>).SHLVL = 1;
    });
    assert.equal(validate(altered), false);
    assert.deepEqual(errorSummary(validate.errors), ['/contexts/0/env/SHLVL type']);
  });

  test('schema rejects an unknown context mode', () => {
    const altered = alteredReport((copy) => {
      (copy.contexts[0] as { mode: string }).mode = 'tty';
    });
    assert.equal(validate(altered), false);
    assert.deepEqual(errorSummary(validate.errors), ['/contexts/0/mode enum']);
  });
});
