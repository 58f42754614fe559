/**
 * Serves the API contract to the renderer over Electron IPC: one `ipcMain.handle` per method and
 * one `webContents.send` channel per event. Only the main frame of the app's window, showing the
 * app's own page, may call the engine.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';

import type { ApiService } from '../engine/api-service.ts';
import { ApiRequestError, dispatch, eventNames, methodNames } from '../shared/contract.ts';
import { eventChannel, methodChannel, type CallOutcome } from '../shared/ipc-channel.ts';

export interface ApiIpcOptions {
  service: ApiService;
  /** Returns the app's window, or null while none is open. */
  window: () => BrowserWindow | null;
  /** Reports whether an address is the app's own page, which alone may call the engine. */
  isAppPage: (url: string) => boolean;
}

/** Registers a handler for every method of the contract and forwards every event to the window. */
export function registerApiIpc(options: ApiIpcOptions): void {
  for (const method of methodNames) {
    ipcMain.handle(methodChannel(method), async (event, request: unknown): Promise<CallOutcome> => {
      if (!isFromAppMainFrame(event, options)) {
        const sender = event.senderFrame?.url ?? 'a closed frame';
        console.error(`Rejected an IPC call of ${method} from ${sender}`);
        throw new Error(`${method} may be called only from the Go Env Lens window`);
      }
      try {
        return { result: await dispatch(options.service.handlers, method, request) };
      } catch (error) {
        if (!(error instanceof ApiRequestError)) console.error(`${method} failed:`, error);
        return { error: { message: error instanceof Error ? error.message : String(error) } };
      }
    });
  }

  for (const event of eventNames) {
    options.service.on(event, (payload) => {
      const window = options.window();
      if (window === null || window.isDestroyed()) return;
      window.webContents.send(eventChannel(event), payload);
    });
  }
}

/**
 * Reports whether a call comes from the main frame of the app's window while it shows the app's
 * page. Subframes and other windows are rejected, because they may show content from elsewhere.
 */
function isFromAppMainFrame(event: IpcMainInvokeEvent, options: ApiIpcOptions): boolean {
  const window = options.window();
  if (window === null || window.isDestroyed()) return false;
  const frame = event.senderFrame;
  return (
    frame !== null &&
    event.sender === window.webContents &&
    frame === window.webContents.mainFrame &&
    options.isAppPage(frame.url)
  );
}
