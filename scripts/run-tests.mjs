#!/usr/bin/env node
// Runs every test file with node's test runner (through tsx) and ends with the line
// "N passed, N failed" that CI reads. Builds the renderer first when its build is missing or
// older than its sources, because the browser test serves it. Extra arguments select test files.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const projectRoot = path.resolve(import.meta.dirname, '..');
const testsDirectory = path.join(projectRoot, 'tests');
const artifactsDirectory = path.join(projectRoot, 'test-artifacts');
const tapFile = path.join(artifactsDirectory, 'test-results.tap');

/** The file the renderer build writes last and the inputs that it is built from. */
const RENDERER_BUILD = path.join(projectRoot, 'dist', 'renderer', 'index.html');
const RENDERER_INPUTS = ['src-renderer', 'src-main/shared', 'vite.config.ts', 'svelte.config.js', 'package-lock.json'];

/**
 * Time one test or hook may take, in milliseconds. The slowest tests scan every installed shell
 * and take seconds, so five minutes only stops a hung test from holding CI until its own limit.
 */
const TEST_TIMEOUT_MS = 5 * 60 * 1000;

const selected = process.argv.slice(2);
const files = selected.length > 0
  ? selected
  : readdirSync(testsDirectory)
      .filter((name) => name.endsWith('.test.ts'))
      .sort()
      .map((name) => path.join('tests', name));

if (!buildRendererIfStale()) {
  // A failed build counts as one failed test, so the summary line never reads as a clean run.
  console.log('0 passed, 1 failed');
  process.exit(1);
}

mkdirSync(artifactsDirectory, { recursive: true });
// A report left by an earlier run must not stand in for this one if the runner dies early.
rmSync(tapFile, { force: true });
const child = spawn(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=1',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { stdio: ['ignore', 'inherit', 'inherit'], cwd: projectRoot },
);

child.on('close', (code, signal) => {
  const counts = readCounts();
  if (counts === null) {
    console.error(`The test runner wrote no results to ${tapFile} (exit ${code ?? signal}).`);
  }
  const passed = counts?.passed ?? 0;
  const failed = counts === null ? 1 : counts.failed + counts.cancelled;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});

/** Reads the totals from the closing lines of the TAP report, or null when there are none. */
function readCounts() {
  if (!existsSync(tapFile)) return null;
  const tap = readFileSync(tapFile, 'utf8');
  const total = (name) => {
    const match = new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap);
    return match ? Number(match[1]) : null;
  };
  const passed = total('pass');
  if (passed === null) return null;
  return { passed, failed: total('fail') ?? 0, cancelled: total('cancelled') ?? 0 };
}

/** Runs `npm run build:renderer` unless the build is newer than every input; false on failure. */
function buildRendererIfStale() {
  if (existsSync(RENDERER_BUILD)) {
    const built = statSync(RENDERER_BUILD).mtimeMs;
    const newestInput = Math.max(...RENDERER_INPUTS.map((input) => newestModification(path.join(projectRoot, input))));
    if (newestInput <= built) return true;
  }
  console.log('Building the renderer (dist/renderer is missing or older than its sources)…');
  const build = spawnSync('npm', ['run', '--silent', 'build:renderer'], { cwd: projectRoot, stdio: 'inherit' });
  if (build.status === 0) return true;
  console.error(`npm run build:renderer failed (exit ${build.status ?? build.signal}).`);
  return false;
}

/** Returns the latest modification time of a file or, recursively, of a directory's files. */
function newestModification(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    newest = Math.max(newest, newestModification(path.join(target, entry)));
  }
  return newest;
}
