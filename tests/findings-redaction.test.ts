/**
 * Secrets never reach the text of a finding: a GOPROXY with a password and a GITHUB_TOKEN are
 * masked in titles, explanations, evidence and fix texts. A fix's file edit keeps the user's file
 * exactly, because applying it writes the text back.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { diagnose } from '../src-main/engine/findings/diagnose.ts';
import { gatherFacts } from '../src-main/engine/findings/facts.ts';
import { findingForLog, MASK, redactText } from '../src-main/engine/findings/redact.ts';
import type { FindingFacts, Rule } from '../src-main/engine/findings/rule.ts';
import { runScan } from '../src-main/engine/scan.ts';
import type { Finding } from '../src-main/shared/findings.ts';
import { GO_INSTALLS } from './fixtures/cases.ts';
import { cleanEnvironment, createHome } from './helpers/throwaway-home.ts';

const PASSWORD = 's3cr3t-Pa55word';
const TOKEN = 'ghp_R4nd0mT0kenValue1234567890abcdefXYZ';
const PROXY = `https://dev:${PASSWORD}@proxy.example.test/mod,direct`;

/** Returns every text of a finding that a user or a log gets: all of it but the edits' file texts. */
function shownText(finding: Finding): string {
  return JSON.stringify({
    ...finding,
    fixes: finding.fixes.map((fix) => ({ ...fix, edits: fix.edits.map((edit) => edit.path) })),
  });
}

function assertNoSecret(findings: Finding[]): void {
  for (const finding of findings) {
    const text = shownText(finding);
    assert.ok(!text.includes(PASSWORD), `${finding.id} shows the GOPROXY password: ${text}`);
    assert.ok(!text.includes(TOKEN), `${finding.id} shows the GITHUB_TOKEN: ${text}`);
  }
}

describe('redactText', () => {
  const cases: [string, string][] = [
    [`GOPROXY=${PROXY}`, `GOPROXY=https://dev:${MASK}@proxy.example.test/mod,direct`],
    [`export GITHUB_TOKEN="${TOKEN}"`, `export GITHUB_TOKEN="${MASK}"`],
    [`set -gx GITHUB_TOKEN ${TOKEN}`, `set -gx GITHUB_TOKEN ${MASK}`],
    ['setenv DB_PASSWORD hunter2', `setenv DB_PASSWORD ${MASK}`],
    ['https://proxy.example.test/?token=abc123&x=1', `https://proxy.example.test/?token=${MASK}&x=1`],
    [`https://${TOKEN}@github.com/org/repo`, `https://${MASK}@github.com/org/repo`],
    [`a token ${TOKEN} in a sentence`, `a token ${MASK} in a sentence`],
  ];
  for (const [input, expected] of cases) {
    test(`masks ${input.slice(0, 40)}`, () => assert.equal(redactText(input), expected));
  }

  test('keeps paths, plain URLs and hashes', () => {
    const plain = [
      'GOPATH=/home/dev/go PATH=/usr/local/go/bin:/usr/bin',
      'GOPROXY=https://proxy.golang.org,direct',
      'GOSUMDB=sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ug5FDQJ+obscuuuuu',
      'sha256 3b2a1c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b',
      'GOAUTH=netrc',
    ];
    for (const text of plain) assert.equal(redactText(text), text);
  });
});

test('diagnose masks secrets in every text a rule writes', async () => {
  const fileText = `export GITHUB_TOKEN=${TOKEN}\nexport GOPROXY=${PROXY}\n`;
  const leaky: Rule = {
    id: 'leaky',
    severity: 'warning',
    title: 'writes secrets everywhere',
    reads: ['contexts'],
    check: async () => [
      {
        key: 'GOPROXY',
        title: `GOPROXY is ${PROXY}`,
        explanation: `GITHUB_TOKEN=${TOKEN} and GOPROXY=${PROXY}`,
        evidence: {
          contextIds: ['bash-login'],
          values: [
            { name: 'GOPROXY', value: PROXY, contextId: null, source: `set to ${PROXY}` },
            { name: 'GITHUB_TOKEN', value: 'plain-looking-value', contextId: null, source: null },
          ],
          locations: [{ file: '/home/dev/.profile', line: 1, text: `export GITHUB_TOKEN=${TOKEN}` }],
        },
        fixes: [
          {
            id: 'fix',
            title: `Set GOPROXY to ${PROXY}`,
            edits: [{ path: '/home/dev/.profile', expectedHash: 'x', before: fileText, after: fileText, exists: true }],
            command: `go env -w GOPROXY=${PROXY} GITHUB_TOKEN=${TOKEN}`,
            effect: { contextIds: [], description: `uses ${PROXY}` },
          },
        ],
      },
    ],
  };
  const result = await diagnose({} as FindingFacts, [leaky]);
  assertNoSecret(result.findings);
  const [finding] = result.findings;
  assert.equal(finding!.evidence.values[1]!.value, MASK, 'a variable with a secret name is masked whole');
  assert.equal(finding!.fixes[0]!.edits[0]!.before, fileText, 'the file text of an edit is kept exactly');
  assert.equal(finding!.fixes[0]!.edits[0]!.after, fileText);
  assert.ok(!JSON.stringify(findingForLog(finding!)).includes(TOKEN), 'findingForLog leaks the token');
});

test('a rule that throws with a secret in its message is reported masked', async () => {
  const failing: Rule = {
    id: 'failing',
    severity: 'error',
    title: 'fails',
    reads: ['contexts'],
    check: async () => {
      throw new Error(`cannot reach ${PROXY}`);
    },
  };
  const result = await diagnose({} as FindingFacts, [failing]);
  assert.deepEqual(result.findings, []);
  assert.equal(result.ruleErrors.length, 1);
  assert.ok(!result.ruleErrors[0]!.message.includes(PASSWORD), result.ruleErrors[0]!.message);
});

test('secrets in real startup files stay out of every finding', async () => {
  const go123 = GO_INSTALLS.go123.goroot;
  const home = await createHome({
    // Windows line endings make the file-format rule quote every line of ~/.profile.
    '.profile': [`export PATH="${go123}/bin:$PATH"`, `export GITHUB_TOKEN=${TOKEN}`, `GOPROXY=${PROXY}`, ''].join('\r\n'),
    '.bashrc': [
      "case $- in *i*) ;; *) return;; esac",
      `export GOPROXY=${PROXY}`,
      `export GITHUB_TOKEN="${TOKEN}"`,
      '',
    ].join('\n'),
  });
  try {
    const report = await runScan({
      deadlineMs: 20_000,
      environment: cleanEnvironment(home.path),
      baseEnvironment: 'self',
      shells: ['bash'],
    });
    const result = await diagnose(await gatherFacts(report, { project: null }));
    assert.deepEqual(result.ruleErrors, []);
    const everything = result.findings.map(shownText).join('\n');
    assert.ok(everything.includes('proxy.example.test'), 'no finding shows GOPROXY at all, so the check proves nothing');
    assert.ok(everything.includes('GITHUB_TOKEN'), 'no finding shows the GITHUB_TOKEN line, so the check proves nothing');
    assertNoSecret(result.findings);
    const edits = result.findings.flatMap((finding) => finding.fixes.flatMap((fix) => fix.edits));
    assert.ok(
      edits.some((edit) => edit.before.includes(TOKEN)),
      'an edit of ~/.profile lost the exact text it writes back',
    );
  } finally {
    await home.remove();
  }
});
