/**
 * Tests of the Electron wiring through the real bundles that `npm run build:main` writes. The
 * Electron binary is not installed on every test machine, so each bundle runs in Node against a
 * small stand-in for the `electron` module that records the bundle's calls.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { before, describe, test } from 'node:test';

import { eventNames, methodNames } from '../src-main/shared/contract.ts';
import {
  eventChannel,
  methodChannel,
  PRELOAD_GLOBAL_NAME,
  type PreloadApi,
} from '../src-main/shared/ipc-channel.ts';

const projectRoot = path.resolve(import.meta.dirname, '..');
const mainBundle = path.join(projectRoot, 'out', 'main', 'electron-main.cjs');
const preloadBundle = path.join(projectRoot, 'out', 'main', 'preload.cjs');
const indexFile = path.join(projectRoot, 'dist', 'renderer', 'index.html');

before(() => {
  const build = spawnSync(process.execPath, ['scripts/build-main.mjs'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, `build-main failed:\n${build.stdout}\n${build.stderr}`);
});

/** Runs a CommonJS bundle the way Node's module loader would, with a chosen `require`. */
function runBundle(file: string, requireModule: (name: string) => unknown): void {
  const source = readFileSync(file, 'utf8');
  const wrapper = vm.runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: file },
  ) as (...args: unknown[]) => void;
  const module = { exports: {} };
  wrapper(module.exports, requireModule, module, file, path.dirname(file));
}

interface PreloadRun {
  exposed: Map<string, unknown>;
  required: string[];
  invoked: Array<{ channel: string; request: unknown }>;
  listeners: Map<string, Set<(...args: unknown[]) => void>>;
  /** What the stand-in `ipcRenderer.invoke` resolves with, by channel. */
  replies: Map<string, unknown>;
}

function loadPreload(): PreloadRun {
  const run: PreloadRun = {
    exposed: new Map(),
    required: [],
    invoked: [],
    listeners: new Map(),
    replies: new Map(),
  };
  const electron = {
    contextBridge: {
      exposeInMainWorld(name: string, api: unknown) {
        run.exposed.set(name, api);
      },
    },
    ipcRenderer: {
      async invoke(channel: string, request: unknown) {
        run.invoked.push({ channel, request });
        return run.replies.get(channel);
      },
      on(channel: string, listener: (...args: unknown[]) => void) {
        const set = run.listeners.get(channel) ?? new Set();
        run.listeners.set(channel, set.add(listener));
      },
      removeListener(channel: string, listener: (...args: unknown[]) => void) {
        run.listeners.get(channel)?.delete(listener);
      },
    },
  };
  runBundle(preloadBundle, (name) => {
    run.required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  });
  return run;
}

function exposedApi(run: PreloadRun): PreloadApi {
  const api = run.exposed.get(PRELOAD_GLOBAL_NAME);
  assert.ok(api, `the preload exposed no ${PRELOAD_GLOBAL_NAME}`);
  return api as PreloadApi;
}

describe('preload bundle', () => {
  test('requires only electron and bundles no package', () => {
    const run = loadPreload();
    assert.deepEqual(run.required, ['electron']);
    assert.doesNotMatch(readFileSync(preloadBundle, 'utf8'), /node_modules\//);
  });

  test('exposes one object with invoke and on', () => {
    const run = loadPreload();
    assert.deepEqual([...run.exposed.keys()], [PRELOAD_GLOBAL_NAME]);
    assert.deepEqual(Object.keys(exposedApi(run)).sort(), ['invoke', 'on']);
  });

  test('invokes every contract method on its channel', async () => {
    const run = loadPreload();
    const api = exposedApi(run);
    for (const method of methodNames) {
      run.replies.set(methodChannel(method), { result: `result of ${method}` });
      assert.equal(await api.invoke(method, { n: 1 }), `result of ${method}`);
    }
    assert.deepEqual(
      run.invoked,
      methodNames.map((method) => ({ channel: methodChannel(method), request: { n: 1 } })),
    );
  });

  test('rejects names outside the contract', async () => {
    const run = loadPreload();
    const api = exposedApi(run);
    for (const name of ['no.such.method', '__proto__', 'constructor', eventNames[0]]) {
      await assert.rejects(api.invoke(name as string, {}), {
        message: `unknown API method ${JSON.stringify(name)}`,
      });
    }
    await assert.rejects(api.invoke(42 as unknown as string, {}), {
      message: 'unknown API method 42',
    });
    assert.deepEqual(run.invoked, []);
  });

  test('turns an error reply into a rejection', async () => {
    const run = loadPreload();
    const method = methodNames[0]!;
    run.replies.set(methodChannel(method), { error: { message: `invalid request for ${method}` } });
    await assert.rejects(exposedApi(run).invoke(method, { bogus: 1 }), {
      message: `invalid request for ${method}`,
    });
  });

  test('forwards only the payload of contract events', () => {
    const run = loadPreload();
    const api = exposedApi(run);
    for (const event of eventNames) {
      const received: unknown[][] = [];
      const stop = api.on(event, (...args) => received.push(args));
      const listeners = [...(run.listeners.get(eventChannel(event)) ?? [])];
      assert.equal(listeners.length, 1, `listeners on ${eventChannel(event)}`);
      listeners[0]!({ sender: 'the IPC event object' }, { step: 1 });
      assert.deepEqual(received, [[{ step: 1 }]]);
      stop();
      assert.equal(run.listeners.get(eventChannel(event))?.size, 0);
    }
    assert.deepEqual(
      [...run.listeners.keys()].sort(),
      eventNames.map((event) => eventChannel(event)).sort(),
    );
  });

  test('rejects events outside the contract', () => {
    const run = loadPreload();
    const api = exposedApi(run);
    for (const name of ['no.such.event', '__proto__', methodNames[0]!]) {
      assert.throws(() => api.on(name, () => {}), {
        message: `unknown API event ${JSON.stringify(name)}`,
      });
    }
    assert.equal(run.listeners.size, 0);
  });
});

interface FakeFrame {
  url: string;
}

/** The parts of the `electron` module that the main bundle uses, recording every call. */
function createFakeElectron() {
  const handlers = new Map<string, (event: unknown, request: unknown) => Promise<unknown>>();
  const windows: FakeWindow[] = [];
  const permissions: {
    request?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
    check?: (contents: unknown, permission: string) => boolean;
  } = {};
  const app = Object.assign(new EventEmitter(), {
    sandboxEnabled: false,
    requestSingleInstanceLock: () => true,
    enableSandbox() {
      app.sandboxEnabled = true;
    },
    whenReady: () => Promise.resolve(),
    isReady: () => true,
    getAppPath: () => projectRoot,
    quit() {},
    exit(code: number) {
      throw new Error(`app.exit(${code}) was called`);
    },
  });

  class FakeWebContents extends EventEmitter {
    mainFrame: FakeFrame = { url: 'about:blank' };
    sent: Array<{ channel: string; payload: unknown }> = [];
    windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      this.windowOpenHandler = handler;
    }
    send(channel: string, payload: unknown) {
      this.sent.push({ channel, payload });
    }
  }

  class FakeWindow extends EventEmitter {
    webContents = new FakeWebContents();
    loadedFile: string | null = null;
    constructor(public options: { webPreferences: Record<string, unknown> }) {
      super();
      windows.push(this);
      // Electron announces every new web contents, which is where the main process restricts it.
      app.emit('web-contents-created', {}, this.webContents);
    }
    async loadFile(file: string) {
      this.loadedFile = file;
      this.webContents.mainFrame.url = pathToFileURL(file).href;
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    show() {}
    focus() {}
    restore() {}
  }

  const electron = {
    app,
    BrowserWindow: FakeWindow,
    dialog: {
      showErrorBox(title: string, content: string) {
        throw new Error(`dialog: ${title}: ${content}`);
      },
    },
    ipcMain: {
      handle(channel: string, handler: (event: unknown, request: unknown) => Promise<unknown>) {
        assert.ok(!handlers.has(channel), `second handler for ${channel}`);
        handlers.set(channel, handler);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler(handler: typeof permissions.request) {
          permissions.request = handler;
        },
        setPermissionCheckHandler(handler: typeof permissions.check) {
          permissions.check = handler;
        },
      },
    },
  };
  return { electron, app, handlers, windows, permissions };
}

describe('main process bundle', () => {
  let fake: ReturnType<typeof createFakeElectron>;

  before(async () => {
    fake = createFakeElectron();
    const requireFromBundle = createRequire(mainBundle);
    runBundle(mainBundle, (name) =>
      name === 'electron' ? fake.electron : requireFromBundle(name),
    );
    // The bundle sets up its window once app.whenReady() resolves.
    await new Promise((resolve) => setImmediate(resolve));
  });

  function window() {
    assert.equal(fake.windows.length, 1, 'windows created');
    return fake.windows[0]!;
  }

  /** Builds the IPC event that Electron passes for a call from `frame` in the app's window. */
  function callEvent(frame: FakeFrame) {
    return { sender: window().webContents, senderFrame: frame };
  }

  test('opens one sandboxed, isolated window without Node', () => {
    assert.deepEqual(window().options.webPreferences, {
      preload: preloadBundle,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    assert.equal(fake.app.sandboxEnabled, true);
    assert.equal(window().loadedFile, indexFile);
  });

  test('handles exactly the contract methods', () => {
    assert.deepEqual([...fake.handlers.keys()], methodNames.map(methodChannel));
  });

  test('serves a call from the main frame', async () => {
    const handler = fake.handlers.get(methodChannel('app.info'))!;
    const outcome = (await handler(callEvent(window().webContents.mainFrame), {})) as {
      result: { host: string };
    };
    assert.equal(outcome.result.host, 'electron');
  });

  test('returns an invalid request as an error reply', async () => {
    const handler = fake.handlers.get(methodChannel('app.info'))!;
    const outcome = (await handler(callEvent(window().webContents.mainFrame), { bogus: 1 })) as {
      error: { message: string };
    };
    assert.match(outcome.error.message, /^invalid request for app\.info: /);
  });

  test('rejects calls from other frames and pages', async () => {
    const handler = fake.handlers.get(methodChannel('app.info'))!;
    const mainFrame = window().webContents.mainFrame;
    const callers = [
      { name: 'a subframe', event: callEvent({ url: mainFrame.url }) },
      { name: 'a closed frame', event: callEvent(null as unknown as FakeFrame) },
      { name: 'another web contents', event: { sender: {}, senderFrame: mainFrame } },
    ];
    for (const caller of callers) {
      await assert.rejects(handler(caller.event, {}), {
        message: 'app.info may be called only from the Go Env Lens window',
      });
    }

    const appUrl = mainFrame.url;
    mainFrame.url = pathToFileURL(path.join(os.tmpdir(), 'elsewhere.html')).href;
    try {
      await assert.rejects(handler(callEvent(mainFrame), {}), {
        message: 'app.info may be called only from the Go Env Lens window',
      });
    } finally {
      mainFrame.url = appUrl;
    }
  });

  test('denies new windows and navigation away', () => {
    const contents = window().webContents;
    assert.deepEqual(contents.windowOpenHandler?.({ url: 'file:///tmp/popup.html' }), {
      action: 'deny',
    });

    const navigate = (url: string) => {
      let prevented = false;
      contents.emit('will-frame-navigate', { url, preventDefault: () => (prevented = true) });
      return prevented;
    };
    assert.equal(navigate('file:///tmp/elsewhere.html'), true);
    assert.equal(navigate(`${pathToFileURL(indexFile).href}#findings`), false);

    let webviewPrevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (webviewPrevented = true) });
    assert.equal(webviewPrevented, true);
  });

  test('denies permissions except clipboard writes', () => {
    const granted = (permission: string) => {
      let answer: boolean | undefined;
      fake.permissions.request?.({}, permission, (value) => (answer = value));
      return answer;
    };
    assert.equal(granted('media'), false);
    assert.equal(granted('geolocation'), false);
    assert.equal(granted('clipboard-sanitized-write'), true);
    assert.equal(fake.permissions.check?.({}, 'notifications'), false);
    assert.equal(fake.permissions.check?.({}, 'clipboard-sanitized-write'), true);
  });
});

describe('start-electron script', () => {
  test('explains a missing Electron binary', () => {
    // An empty override directory makes the electron package point at a binary that does not
    // exist, whether or not this machine has the real one.
    const emptyDist = mkdtempSync(path.join(os.tmpdir(), 'go-env-lens-no-electron-'));
    try {
      const run = spawnSync(process.execPath, ['scripts/start-electron.mjs'], {
        cwd: projectRoot,
        encoding: 'utf8',
        env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: emptyDist },
      });
      assert.equal(run.status, 1);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /the Electron binary is not installed/);
      assert.match(run.stderr, /ELECTRON_SKIP_BINARY_DOWNLOAD/);
      assert.match(run.stderr, /^ {2}node node_modules\/electron\/install\.js$/m);
      assert.match(run.stderr, /^ {2}npx go-env-lens serve /m);
      assert.match(run.stderr, /^ {2}npx go-env-lens doctor /m);
    } finally {
      rmSync(emptyDist, { recursive: true, force: true });
    }
  });

  test('runs Electron on the project', () => {
    // A shell script in place of the Electron binary prints what it was started with.
    const fakeDist = mkdtempSync(path.join(os.tmpdir(), 'go-env-lens-fake-electron-'));
    const fakeElectron = path.join(fakeDist, 'electron');
    writeFileSync(
      fakeElectron,
      '#!/bin/sh\necho "args: $*"\necho "run as node: ${ELECTRON_RUN_AS_NODE-unset}"\nexit 3\n',
      { mode: 0o755 },
    );
    try {
      const run = spawnSync(process.execPath, ['scripts/start-electron.mjs'], {
        cwd: projectRoot,
        encoding: 'utf8',
        env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: fakeDist, ELECTRON_RUN_AS_NODE: '1' },
      });
      assert.equal(run.status, 3);
      assert.equal(run.stdout, `args: ${projectRoot}\nrun as node: unset\n`);
    } finally {
      rmSync(fakeDist, { recursive: true, force: true });
    }
  });
});
