/**
 * Electron IPC channel names and message shapes, derived from the API contract. The main process
 * and the preload both build channels with these functions, so no channel string is spelled
 * anywhere else. This module imports only types from the contract, so the sandboxed preload can
 * bundle it without zod.
 */
import type { EventName, MethodName } from './contract.ts';

/** Prefix of every channel, which keeps the app's channels apart from Electron's own. */
const CHANNEL_PREFIX = 'go-env-lens';

/** Name of the global object that the preload exposes to the renderer (`window.goEnvLens`). */
export const PRELOAD_GLOBAL_NAME = 'goEnvLens';

/** Returns the `ipcMain.handle` channel that carries calls of one API method. */
export function methodChannel(method: MethodName): string {
  return `${CHANNEL_PREFIX}:call:${method}`;
}

/** Returns the `webContents.send` channel that carries one API event. */
export function eventChannel(event: EventName): string {
  return `${CHANNEL_PREFIX}:event:${event}`;
}

/**
 * The reply of an IPC call: the result, or the error message. Main returns failures as data, so
 * the renderer gets the engine's message without Electron's "Error invoking remote method" prefix.
 * The loopback bridge sends the same two shapes as JSON bodies.
 */
export type CallOutcome = { result: unknown } | { error: { message: string } };

/**
 * The object that the preload exposes as `window.goEnvLens`. Arguments are typed loosely because
 * they come from the renderer, so the preload and main check them instead of trusting a type.
 */
export interface PreloadApi {
  /** Calls one API method and returns its result, or rejects with the engine's message. */
  invoke(method: string, request: unknown): Promise<unknown>;
  /** Listens to one API event and returns a function that stops listening. */
  on(event: string, listener: (payload: unknown) => void): () => void;
}
