/**
 * The preload of the app's window: exposes `window.goEnvLens`, which calls the contract's methods
 * and listens to its events over IPC, and accepts no other name. It runs sandboxed, so its bundle
 * may require only `electron`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

import type { EventName, MethodName } from '../shared/contract.ts';
import {
  eventChannel,
  methodChannel,
  PRELOAD_GLOBAL_NAME,
  type CallOutcome,
  type PreloadApi,
} from '../shared/ipc-channel.ts';

// The contract's name lists, which scripts/build-main.mjs reads from the contract and writes into
// the bundle. Importing them would also bundle zod, because the contract builds its schemas when
// it loads.
declare const CONTRACT_METHOD_NAMES: readonly MethodName[];
declare const CONTRACT_EVENT_NAMES: readonly EventName[];

const methods = new Set<string>(CONTRACT_METHOD_NAMES);
const events = new Set<string>(CONTRACT_EVENT_NAMES);

function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && methods.has(name);
}

function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && events.has(name);
}

const api: PreloadApi = {
  async invoke(method, request) {
    if (!isMethodName(method)) throw new Error(`unknown API method ${JSON.stringify(method)}`);
    const outcome = (await ipcRenderer.invoke(methodChannel(method), request)) as CallOutcome;
    if ('error' in outcome) throw new Error(outcome.error.message);
    return outcome.result;
  },

  on(event, listener) {
    if (!isEventName(event)) throw new Error(`unknown API event ${JSON.stringify(event)}`);
    if (typeof listener !== 'function') {
      throw new TypeError(`the listener for ${event} is not a function`);
    }
    const channel = eventChannel(event);
    // Pass only the payload: the IPC event object would give the page a handle on ipcRenderer.
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
};

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL_NAME, api);
