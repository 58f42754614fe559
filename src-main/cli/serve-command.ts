/**
 * `go-env-lens serve`: runs the engine behind the loopback bridge, so the UI works in a browser on
 * this machine without Electron.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { createApiService } from '../engine/api-service.ts';
import type { BaseEnvironmentChoice } from '../engine/base-environment.ts';
import { startBridge } from '../server/bridge.ts';

/** The renderer build that `npm run build:renderer` writes, relative to this file. */
const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

export interface ServeOptions {
  /** TCP port on 127.0.0.1; a free port chosen by the system when omitted. */
  port?: number;
  /** Probe deadline per context for scans that name none, in milliseconds. */
  deadlineMs?: number;
  /** Shells scanned when the UI names none; every installed shell when absent. */
  shells?: string[];
  /** Environment every context starts from; `auto` when absent. */
  baseEnvironment?: BaseEnvironmentChoice;
  /** Opens the printed address in the default browser. */
  open?: boolean;
}

/** Serves the UI on 127.0.0.1 until SIGINT or SIGTERM, then stops the bridge and returns. */
export async function runServe(options: ServeOptions): Promise<void> {
  const service = createApiService({
    host: 'browser',
    defaultDeadlineMs: options.deadlineMs,
    defaultShells: options.shells,
    baseEnvironment: options.baseEnvironment,
  });
  const bridge = await startBridge({
    service,
    port: options.port,
    rendererDir: RENDERER_DIR,
    log: (line) => console.error(line),
  });

  console.log(`Go Env Lens is serving on ${bridge.url}`);
  console.log('The address works only on this machine. Press Ctrl-C to stop.');
  if (options.open) openInBrowser(bridge.url);

  const signal = await waitForStopSignal();
  console.log(`Go Env Lens received ${signal} and is stopping.`);
  await bridge.close();
}

/**
 * Resolves with the first SIGINT or SIGTERM. Both handlers are removed then, so a second Ctrl-C
 * ends the process at once if stopping hangs, for example behind a running scan.
 */
async function waitForStopSignal(): Promise<NodeJS.Signals> {
  const controller = new AbortController();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  try {
    return await Promise.race(
      signals.map(async (signal) => {
        await once(process, signal, { signal: controller.signal });
        return signal;
      }),
    );
  } finally {
    controller.abort();
  }
}

/** Commands that open an address in the default browser, by platform. */
const OPENERS: Partial<Record<NodeJS.Platform, { command: string; args: string[] }>> = {
  darwin: { command: 'open', args: [] },
  win32: { command: 'explorer.exe', args: [] },
};
const DEFAULT_OPENER = { command: 'xdg-open', args: [] };

/**
 * Opens the address in the default browser, and prints a hint when that fails.
 * NOTE: the opener and the browser get the token in their argument vectors, which other users of
 * a shared machine can read in the process list for as long as those processes run. The token is
 * the only thing between them and the bridge, so `--open` suits single-user machines.
 */
function openInBrowser(url: string): void {
  const opener = OPENERS[process.platform] ?? DEFAULT_OPENER;
  const child = spawn(opener.command, [...opener.args, url], { stdio: 'ignore', detached: true });
  child.on('error', (error) => {
    console.error(`Opening a browser with ${opener.command} failed: ${error.message}`);
    console.error('Open the address above in a browser yourself.');
  });
  child.unref();
}
