/**
 * The Electron main process: one sandboxed window showing the renderer, with the engine behind
 * IPC. It holds the single-instance lock, so a second launch focuses the open window.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { app, BrowserWindow, dialog, session, type WebContents } from 'electron';

import { createApiService } from '../engine/api-service.ts';
import { registerApiIpc } from './api-ipc.ts';

/** The bundle that `npm run build:main` writes next to this file's own bundle. */
const PRELOAD_FILE = path.join(app.getAppPath(), 'out', 'main', 'preload.cjs');
/** The page that `npm run build:renderer` writes. */
const INDEX_FILE = path.join(app.getAppPath(), 'dist', 'renderer', 'index.html');
const INDEX_URL = pathToFileURL(INDEX_FILE).href;

/** Initial window size in pixels: room for two contexts side by side on a laptop screen. */
const WINDOW_SIZE = { width: 1280, height: 800 };
/** Smallest window size in pixels at which one context and its findings still fit. */
const MIN_WINDOW_SIZE = { width: 720, height: 480 };

/** Permissions the page may use: writing to the clipboard, for its "copy" buttons. */
const GRANTED_PERMISSIONS = new Set<string>(['clipboard-sanitized-write']);

let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.enableSandbox();
  app.on('second-instance', focusMainWindow);
  app.on('web-contents-created', (_event, contents) => restrictWebContents(contents));
  app.on('window-all-closed', () => {
    // macOS apps stay open without windows until the user quits them.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && mainWindow === null) mainWindow = createMainWindow();
  });
  app
    .whenReady()
    .then(() => {
      restrictPermissions();
      registerApiIpc({
        service: createApiService({ host: 'electron' }),
        window: () => mainWindow,
        isAppPage,
      });
      mainWindow = createMainWindow();
    })
    .catch((error: unknown) => {
      console.error('Go Env Lens failed to start:', error);
      app.exit(1);
    });
}

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    ...WINDOW_SIZE,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Go Env Lens',
    show: false,
    webPreferences: {
      preload: PRELOAD_FILE,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  window.loadFile(INDEX_FILE).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    dialog.showErrorBox(
      'Go Env Lens cannot show its window',
      `Loading ${INDEX_FILE} failed: ${reason}\n\nRun \`npm run build\` and start the app again.`,
    );
    app.quit();
  });
  return window;
}

function focusMainWindow(): void {
  if (mainWindow === null) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

/** Reports whether an address is the app's own page, whatever its query or fragment. */
function isAppPage(url: string): boolean {
  try {
    const address = new URL(url);
    address.search = '';
    address.hash = '';
    return address.href === INDEX_URL;
  } catch {
    return false;
  }
}

/**
 * Keeps every web contents on the app's page: no new windows, no webviews and no navigation
 * elsewhere. A link in a finding must not replace the UI with a web page that gets the preload.
 */
function restrictWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    console.error(`Blocked a new window for ${url}`);
    return { action: 'deny' };
  });
  contents.on('will-frame-navigate', (event) => {
    if (isAppPage(event.url)) return;
    console.error(`Blocked navigation to ${event.url}`);
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Denies every permission request (camera, location, notifications...) but GRANTED_PERMISSIONS. */
function restrictPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(GRANTED_PERMISSIONS.has(permission));
  });
  session.defaultSession.setPermissionCheckHandler((_contents, permission) =>
    GRANTED_PERMISSIONS.has(permission),
  );
}
