/**
 * Keeps the layers of the code base apart: shared code uses no Node, DOM or Electron, the engine
 * never imports Electron, and the renderer reaches the engine only through the shared contract.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(path.join(root, directory)).flatMap((name) => {
    const relative = path.join(directory, name);
    if (statSync(path.join(root, relative)).isDirectory()) return sourceFiles(relative);
    return /\.(ts|svelte)$/.test(name) ? [relative] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
    (match) => match[1]!,
  );
}

function violations(directory: string, isForbidden: (specifier: string, file: string) => boolean): string[] {
  return sourceFiles(directory).flatMap((file) =>
    importsOf(file)
      .filter((specifier) => isForbidden(specifier, file))
      .map((specifier) => `${file} imports ${specifier}`),
  );
}

test('layering: shared code imports no Node, Electron or engine module', () => {
  const found = violations('src-main/shared', (specifier) =>
    specifier.startsWith('node:') || specifier === 'electron' || specifier.includes('/engine/'),
  );
  assert.deepEqual(found, []);
});

test('layering: the engine never imports Electron or a transport', () => {
  const found = violations('src-main/engine', (specifier) =>
    specifier === 'electron' || /\/(electron|server|cli)\//.test(specifier),
  );
  assert.deepEqual(found, []);
});

test('layering: the renderer imports only shared code from src-main', () => {
  const found = violations('src-renderer', (specifier) =>
    specifier.startsWith('node:') || (specifier.includes('src-main/') && !specifier.includes('src-main/shared/')),
  );
  assert.deepEqual(found, []);
});

test('layering: the checks see the imports they are meant to check', () => {
  // Guards against a pattern that silently matches nothing.
  assert.ok(importsOf('src-main/engine/scan.ts').some((specifier) => specifier.startsWith('node:')));
  assert.ok(importsOf('src-main/electron/main.ts').includes('electron'));
});
