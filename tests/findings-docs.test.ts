/**
 * docs/findings.md lists every rule of the catalogue with its severity, and the catalogue has at
 * least the 30 rules the diagnosis promises.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { RULES } from '../src-main/engine/findings/rule-table.ts';

const DOCS = readFileSync(new URL('../docs/findings.md', import.meta.url), 'utf8');

test('the catalogue has at least 30 rules with unique ids', () => {
  assert.ok(RULES.length >= 30, `${RULES.length} rules`);
  assert.equal(new Set(RULES.map((rule) => rule.id)).size, RULES.length);
});

test('docs/findings.md lists every rule with its severity', () => {
  for (const rule of RULES) {
    const row = DOCS.split('\n').find((line) => line.startsWith(`| \`${rule.id}\` |`));
    assert.ok(row, `docs/findings.md has no row for ${rule.id}`);
    assert.equal(row.split('|')[2]!.trim(), rule.severity, `severity of ${rule.id}`);
  }
});
