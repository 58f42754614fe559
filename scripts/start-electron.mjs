/**
 * Starts the app in Electron (`npm start`, after the build). When the Electron binary is missing,
 * after an offline install or one with ELECTRON_SKIP_BINARY_DOWNLOAD, it prints how to install it
 * and which commands work without it, and exits with code 1.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const require = createRequire(import.meta.url);
const signals = ['SIGINT', 'SIGTERM'];

/**
 * Returns the path of the Electron binary, or null when it is not installed. The electron
 * package exports the path as a string, but throws when its postinstall never downloaded the
 * binary, and returns a path that does not exist when ELECTRON_OVERRIDE_DIST_PATH is wrong.
 */
function findElectron() {
  try {
    const executable = require('electron');
    return typeof executable === 'string' && existsSync(executable) ? executable : null;
  } catch {
    return null;
  }
}

const electron = findElectron();
if (electron === null) {
  console.error(
    [
      'Go Env Lens cannot start its window: the Electron binary is not installed.',
      'That happens after an offline install or one run with ELECTRON_SKIP_BINARY_DOWNLOAD=1.',
      '',
      'To install it, with network access, run:',
      '  node node_modules/electron/install.js',
      'or reinstall without ELECTRON_SKIP_BINARY_DOWNLOAD set.',
      '',
      'These commands work without Electron:',
      '  npx go-env-lens serve    the same UI in your browser',
      '  npx go-env-lens doctor   the findings in the terminal',
    ].join('\n'),
  );
  process.exit(1);
}

// With ELECTRON_RUN_AS_NODE set, Electron would run the app as a plain Node script.
const environment = { ...process.env };
delete environment.ELECTRON_RUN_AS_NODE;

const child = spawn(electron, [projectRoot], { stdio: 'inherit', env: environment });
for (const signal of signals) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  console.error(`Go Env Lens could not start ${electron}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (code === null) {
    console.error(`Electron was stopped by ${signal}.`);
    process.exit(1);
  }
  process.exit(code);
});
