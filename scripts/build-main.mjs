/**
 * Bundles the Electron main process and the preload into out/main with esbuild.
 *
 * - out/main/electron-main.cjs: the main process, with the engine and zod inside. Only
 *   `electron` (provided by the runtime) and `node-pty` (a native addon, unpacked from the asar
 *   archive by electron-builder) stay outside.
 * - out/main/preload.cjs: the preload. A sandboxed preload can require only `electron`, so the
 *   build fails if the bundle would require or contain anything else.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { tsImport } from 'tsx/esm/api';

const projectRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const outDir = path.join(projectRoot, 'out', 'main');

/**
 * Language level of the bundles: Node 20, the oldest Node that package.json accepts, so the
 * tests can load the bundles in it. Electron runs a newer Node, which accepts the same code.
 */
const TARGET = 'node20';

const common = {
  absWorkingDir: projectRoot,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: TARGET,
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
};

/** Runs the builds, and exits with code 1 when one fails, after esbuild has printed why. */
async function buildAll(builds) {
  try {
    return await Promise.all(builds);
  } catch (error) {
    if (!Array.isArray(error?.errors)) throw error;
    console.error(`build-main: ${error.errors.length} error(s), listed above`);
    process.exit(1);
  }
}

/** Exits with code 1 unless the preload bundle needs nothing but `electron` at run time. */
function checkPreload(metafile) {
  const required = Object.values(metafile.outputs).flatMap((output) =>
    output.imports.filter((entry) => entry.external).map((entry) => entry.path),
  );
  const forbidden = required.filter((name) => name !== 'electron');
  if (forbidden.length > 0) {
    console.error(
      `build-main: the preload requires ${forbidden.join(', ')}, which a sandboxed preload ` +
        'cannot load. Import only types from the modules that need them.',
    );
    process.exit(1);
  }

  const packages = Object.keys(metafile.inputs).filter((input) => input.includes('node_modules/'));
  if (packages.length > 0) {
    console.error(
      `build-main: the preload bundles ${packages.join(', ')}. Keep its run-time imports to ` +
        'electron and src-main/shared/ipc-channel.ts.',
    );
    process.exit(1);
  }
}

// The preload needs the contract's method and event names, but importing the contract would
// bundle zod, so the names are read here and written into the preload as constants.
const { methodNames, eventNames } = await tsImport(
  '../src-main/shared/contract.ts',
  import.meta.url,
);

await rm(outDir, { recursive: true, force: true });

const [, preload] = await buildAll([
  build({
    ...common,
    entryPoints: ['src-main/electron/main.ts'],
    outfile: path.join(outDir, 'electron-main.cjs'),
    external: ['electron', 'node-pty'],
    // A CommonJS bundle has no import.meta, so modules that locate files relative to themselves
    // get the bundle's own address instead. out/main is two levels below the project root, like
    // src-main/engine, so a path such as '../../package.json' still reaches the same file.
    // NOTE: a module at another depth (src-main/engine/probe, for one) that locates a file this
    // way reaches the wrong path in the bundle, and a file outside out/ is not packaged at all.
    define: { 'import.meta.url': 'bundleUrl' },
    banner: { js: "const bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  build({
    ...common,
    entryPoints: ['src-main/electron/preload.ts'],
    outfile: path.join(outDir, 'preload.cjs'),
    external: ['electron'],
    define: {
      CONTRACT_METHOD_NAMES: JSON.stringify(methodNames),
      CONTRACT_EVENT_NAMES: JSON.stringify(eventNames),
    },
  }),
]);
checkPreload(preload.metafile);

console.log(`build-main: wrote ${path.relative(projectRoot, outDir)}/{electron-main,preload}.cjs`);
