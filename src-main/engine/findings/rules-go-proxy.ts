/**
 * Module download settings: GOPROXY lists that turn downloads off or cannot work, GOSUMDB=off,
 * and GOPRIVATE, GONOPROXY and GONOSUMDB patterns that never match or that cover a whole public
 * host. A company proxy alone is a normal setup and is not reported. GOPROXY URLs may carry a
 * password, so every value shown here is masked.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FindingSeverity } from '../../shared/findings.ts';
import { replaceSiteValueFix } from './rules-go-fixes.ts';
import {
  contextIdsOf,
  contextLabels,
  sentence,
  settingSites,
  shownValue,
  siteLocation,
  siteValues,
  worstSeverity,
  type SettingSite,
} from './rules-go-support.ts';
import type { FindingDraft, FindingFacts, Rule } from './rule.ts';

interface Problem {
  severity: FindingSeverity;
  /** A few words for the title. */
  summary: string;
  reason: string;
}

/** Public module proxies, which serve only public modules. */
const PUBLIC_PROXY_HOSTS = new Set(['proxy.golang.org', 'goproxy.io', 'goproxy.cn', 'mirrors.aliyun.com']);

/** Hosts of public modules; a GOPRIVATE pattern covering one of them whole is a mistake. */
const PUBLIC_MODULE_HOSTS = [
  'github.com',
  'gitlab.com',
  'bitbucket.org',
  'golang.org',
  'google.golang.org',
  'gopkg.in',
  'go.googlesource.com',
  'gitee.com',
  'codeberg.org',
  'git.sr.ht',
  'k8s.io',
  'sigs.k8s.io',
  'go.uber.org',
  'go.opentelemetry.io',
  'cloud.google.com',
  'honnef.co',
  'go.etcd.io',
];

/** Reports whether any directory of a context's PATH has an executable `git`. */
async function hasGit(env: Record<string, string>): Promise<boolean> {
  for (const directory of (env.PATH ?? '').split(':')) {
    if (!directory.startsWith('/')) continue;
    const found = await fs.access(path.join(directory, 'git'), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return true;
  }
  return false;
}

async function proxyProblems(site: SettingSite): Promise<Problem[]> {
  const entries = site.value
    .split(/[,|]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries[0] === 'off') {
    return [
      {
        severity: 'hint',
        summary: 'module downloads are turned off',
        reason:
          'GOPROXY=off turns every module download off: go fails with "module lookup disabled by GOPROXY=off", ' +
          'and a toolchain download fails with "toolchain not available", which does not name the cause',
      },
    ];
  }
  const problems: Problem[] = [];
  if (entries.length === 1 && entries[0] === 'direct') {
    const withoutGit = [];
    for (const context of site.contexts) if (!(await hasGit(context.context.env))) withoutGit.push(context);
    if (withoutGit.length > 0) {
      problems.push({
        severity: 'warning',
        summary: 'downloads need git, which is not on PATH',
        reason:
          `GOPROXY=direct downloads every module from its version control repository, which needs git, and git ` +
          `is not on PATH in ${contextLabels(withoutGit)}, so module downloads fail there`,
      });
    }
  }
  for (const entry of entries) {
    if (!entry.startsWith('file://')) continue;
    let directory: string | null = null;
    try {
      directory = fileURLToPath(entry);
    } catch {
      directory = null;
    }
    const exists = directory !== null && (await fs.stat(directory).then((stat) => stat.isDirectory(), () => false));
    if (!exists) {
      problems.push({
        severity: 'warning',
        summary: 'its file:// folder does not exist',
        reason: `the GOPROXY entry ${entry} names a folder that does not exist, so downloads through it fail`,
      });
    }
  }
  const urls = entries.filter((entry) => /^https?:\/\//.test(entry));
  const publicOnly =
    urls.length === entries.length &&
    urls.every((url) => {
      try {
        return PUBLIC_PROXY_HOSTS.has(new URL(url).hostname);
      } catch {
        return false;
      }
    });
  if (publicOnly && urls.length > 0) {
    problems.push({
      severity: 'hint',
      summary: 'modules the public proxy lacks cannot be fetched',
      reason:
        'GOPROXY lists only public proxies and no direct, so modules they do not serve (private repositories, ' +
        'new tags not fetched yet) fail with "404 Not Found" instead of being fetched from their repository',
    });
  }
  return problems;
}

/** Returns the value with the problems of proxyProblems fixed, or null to remove the setting. */
function repairedProxy(site: SettingSite, problems: Problem[]): string | null {
  if (problems.every((problem) => problem.summary.startsWith('modules the public proxy'))) return `${site.value.trim()},direct`;
  return null;
}

async function proxyDraft(facts: FindingFacts, site: SettingSite): Promise<FindingDraft | null> {
  const problems = await proxyProblems(site);
  if (problems.length === 0) return null;
  const repaired = repairedProxy(site, problems);
  const fix = await replaceSiteValueFix(facts, site, repaired, {
    title: repaired === null ? `Remove GOPROXY from ${site.where}` : `Add ",direct" to GOPROXY in ${site.where}`,
    effect: {
      contextIds: contextIdsOf(site.contexts),
      description:
        repaired === null
          ? `GOPROXY goes back to the default of $GOROOT/go.env in ${contextLabels(site.contexts)}`
          : `go fetches modules the proxies lack from their repositories in ${contextLabels(site.contexts)}`,
    },
  });
  return draftOf(facts, site, problems, fix ? [fix] : [], 'GOPROXY');
}

async function draftOf(
  facts: FindingFacts,
  site: SettingSite,
  problems: Problem[],
  fixes: FindingDraft['fixes'],
  subject: string,
): Promise<FindingDraft> {
  const location = await siteLocation(facts, site);
  const severity = worstSeverity(problems.map((problem) => problem.severity));
  const worst = problems.find((problem) => problem.severity === severity)!;
  return {
    key: site.key,
    severity,
    title: `${site.name}=${shownValue(site.name, site.value)} from ${site.where}: ${worst.summary}`,
    explanation:
      `${site.name} is set to ${shownValue(site.name, site.value)} by ${site.where}. ` +
      `${problems.map((problem) => sentence(problem.reason)).join('. ')}. ${subject} applies to every project. ` +
      `This affects ${contextLabels(site.contexts)}.`,
    evidence: {
      contextIds: contextIdsOf(site.contexts),
      values: siteValues(site),
      locations: location ? [location] : [],
    },
    fixes,
  };
}

export const goproxyRule: Rule = {
  id: 'goproxy-downloads',
  severity: 'warning',
  title: 'GOPROXY turns module downloads off or cannot reach modules',
  reads: ['go-layers', 'provenance', 'file-system'],
  async check(facts) {
    const sites = settingSites(facts, 'GOPROXY', (value) => value.trim() !== '');
    const drafts = await Promise.all(sites.map((site) => proxyDraft(facts, site)));
    return drafts.filter((draft): draft is FindingDraft => draft !== null);
  },
};

export const gosumdbOffRule: Rule = {
  id: 'gosumdb-off',
  severity: 'hint',
  title: 'GOSUMDB=off turns off checksum verification of downloaded modules',
  reads: ['go-layers', 'provenance'],
  async check(facts) {
    const sites = settingSites(facts, 'GOSUMDB', (value) => value.trim() === 'off');
    return Promise.all(
      sites.map(async (site) => {
        const fix = await replaceSiteValueFix(facts, site, null, {
          title: `Remove GOSUMDB=off from ${site.where}`,
          effect: {
            contextIds: contextIdsOf(site.contexts),
            description: `go checks downloads against sum.golang.org again in ${contextLabels(site.contexts)}`,
          },
        });
        const problem: Problem = {
          severity: 'hint',
          summary: 'downloads are not checked against the checksum database',
          reason:
            'go no longer checks downloaded modules against the public checksum database, so a tampered or ' +
            'changed module version goes unnoticed on first download; to skip the check for private modules only, ' +
            'list them in GONOSUMDB or GOPRIVATE instead',
        };
        return draftOf(facts, site, [problem], fix ? [fix] : [], 'GOSUMDB');
      }),
    );
  },
};

/** Turns a path.Match pattern element into a regular expression; null for a malformed pattern. */
function globElement(pattern: string): RegExp | null {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]!;
    if (character === '*') source += '[^/]*';
    else if (character === '?') source += '[^/]';
    else if (character === '\\') {
      if (index + 1 >= pattern.length) return null;
      source += `\\${pattern[++index]}`;
    } else if (character === '[') {
      const close = pattern.indexOf(']', index + 2);
      if (close < 0) return null;
      const body = pattern.slice(index + 1, close).replace(/^\^/, '^');
      source += `[${body.startsWith('^') ? `^${body.slice(1)}` : body}]`;
      index = close;
    } else source += character.replace(/[.+(){}|$^]/g, '\\$&');
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    return null;
  }
}

function neverMatches(pattern: string, why: string): Problem {
  return {
    severity: 'warning',
    summary: 'a pattern never matches',
    reason: `the pattern ${JSON.stringify(pattern)} ${why}, so it never matches`,
  };
}

/** Judges one pattern of a GOPRIVATE-style list; null when it is fine. */
function patternProblem(name: string, pattern: string): Problem | null {
  if (/\s/.test(pattern)) {
    return neverMatches(pattern, 'contains white space, which go keeps');
  }
  if (/["']/.test(pattern)) {
    return neverMatches(pattern, 'contains quotes, which go keeps');
  }
  if (pattern.includes('://')) {
    return neverMatches(pattern, 'has a URL scheme, but patterns are module path prefixes');
  }
  const elements = pattern.replace(/\/$/, '').split('/');
  const host = globElement(elements[0]!);
  if (host === null || elements.slice(1).some((element) => globElement(element) === null)) {
    return neverMatches(pattern, 'is not a valid glob pattern');
  }
  const coversHost = elements.slice(1).every((element) => element === '*');
  const publicHost = PUBLIC_MODULE_HOSTS.find((candidate) => host.test(candidate));
  if (coversHost && publicHost !== undefined) {
    const what =
      name === 'GONOSUMDB'
        ? 'none of them is checked against the checksum database'
        : 'they skip the module proxy (downloads need git and are slower) and the checksum database';
    return {
      severity: 'warning',
      summary: `a pattern covers every module on ${publicHost}`,
      reason:
        `the pattern ${JSON.stringify(pattern)} covers every module on ${publicHost}, so ${what}. ` +
        `Name the private part instead, for example ${publicHost}/your-org`,
    };
  }
  return null;
}

/** Rewrites a pattern that never matches into the one meant, or returns null to drop it. */
function repairedPattern(pattern: string, problem: Problem): string | null {
  if (problem.summary.startsWith('a pattern covers')) return null;
  const repaired = pattern
    .trim()
    .replace(/^(["'])(.*)\1$/, '$2')
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/$/, '');
  return repaired !== '' && patternProblem('GOPRIVATE', repaired) === null ? repaired : null;
}

async function privateDraft(facts: FindingFacts, site: SettingSite): Promise<FindingDraft | null> {
  const patterns = site.value.split(',').filter((pattern) => pattern !== '');
  const judged = patterns.map((pattern) => ({ pattern, problem: patternProblem(site.name, pattern) }));
  const problems = judged.map((item) => item.problem).filter((problem): problem is Problem => problem !== null);
  if (problems.length === 0) return null;
  const kept = judged
    .map(({ pattern, problem }) => (problem === null ? pattern : repairedPattern(pattern, problem)))
    .filter((pattern): pattern is string => pattern !== null);
  const value = kept.length === 0 ? null : kept.join(',');
  const fix = await replaceSiteValueFix(facts, site, value, {
    title:
      value === null
        ? `Remove ${site.name} from ${site.where}`
        : `Set ${site.name}=${shownValue(site.name, value)} in ${site.where}`,
    effect: {
      contextIds: contextIdsOf(site.contexts),
      description:
        `${site.name} becomes ${value === null ? 'unset' : shownValue(site.name, value)} ` +
        `in ${contextLabels(site.contexts)}`,
    },
  });
  return draftOf(facts, site, problems, fix ? [fix] : [], site.name);
}

export const goprivatePatternsRule: Rule = {
  id: 'goprivate-patterns',
  severity: 'warning',
  title: 'GOPRIVATE, GONOPROXY or GONOSUMDB has patterns that never match or cover a public host',
  reads: ['go-layers', 'provenance'],
  async check(facts) {
    const drafts: (FindingDraft | null)[] = [];
    for (const name of ['GOPRIVATE', 'GONOPROXY', 'GONOSUMDB']) {
      const sites = settingSites(facts, name, (value, source) => value !== '' && source.layer !== 'default');
      drafts.push(...(await Promise.all(sites.map((site) => privateDraft(facts, site)))));
    }
    return drafts.filter((draft): draft is FindingDraft => draft !== null);
  },
};
