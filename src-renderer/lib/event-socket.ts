/**
 * The bridge's event stream: a WebSocket that delivers `{ "event": name, "payload": value }` text
 * messages to subscribers, and reconnects with growing delays whenever it closes.
 */

/** Wait before the first reconnect, in milliseconds, so a restarted bridge is found quickly. */
const FIRST_RECONNECT_DELAY_MS = 500;
/** Maximum wait between reconnects, in milliseconds, so a bridge that returns is found soon. */
const MAX_RECONNECT_DELAY_MS = 10_000;

type Listener = (payload: unknown) => void;

/** A reconnecting WebSocket that is open while it has at least one subscriber. */
export class EventSocket {
  readonly #url: string;
  readonly #listeners = new Map<string, Set<Listener>>();
  #socket: WebSocket | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
  /** Set while reconnecting, so one outage is logged once rather than on every attempt. */
  #outageLogged = false;
  /** Set after the first malformed message, which is logged once per page. */
  #malformedLogged = false;

  constructor(url: string) {
    this.#url = url;
  }

  /** Adds a listener for one event name and returns the function that removes it. */
  subscribe(event: string, listener: Listener): () => void {
    let listeners = this.#listeners.get(event);
    if (!listeners) this.#listeners.set(event, (listeners = new Set()));
    listeners.add(listener);
    if (!this.#socket && !this.#reconnectTimer) this.#open();

    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(event);
      if (this.#listeners.size === 0) this.#close();
    };
  }

  #open(): void {
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
      if (this.#outageLogged) console.info(`Event stream ${this.#url} reconnected`);
      this.#outageLogged = false;
    };
    socket.onmessage = (message) => this.#deliver(message.data);
    // Every failed or dropped connection ends in `close`, so reconnecting is handled there alone.
    socket.onclose = (closing) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#scheduleReconnect(closing.code);
    };
  }

  #scheduleReconnect(closeCode: number): void {
    const delayMs = this.#reconnectDelayMs;
    if (!this.#outageLogged) {
      console.warn(
        `Event stream ${this.#url} closed (code ${closeCode}); ` +
          `reconnecting with growing delays, first in ${delayMs} ms`,
      );
      this.#outageLogged = true;
    }
    this.#reconnectDelayMs = Math.min(delayMs * 2, MAX_RECONNECT_DELAY_MS);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#open();
    }, delayMs);
  }

  #close(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
  }

  #deliver(data: unknown): void {
    const message = parseEventMessage(data);
    if (!message) {
      if (!this.#malformedLogged) {
        console.warn(`Event stream ${this.#url} sent a message that is not JSON with an "event"`);
        this.#malformedLogged = true;
      }
      return;
    }
    for (const listener of this.#listeners.get(message.event) ?? []) {
      try {
        listener(message.payload);
      } catch (error) {
        console.error(`A listener for event ${message.event} failed`, error);
      }
    }
  }
}

function parseEventMessage(data: unknown): { event: string; payload: unknown } | null {
  if (typeof data !== 'string') return null;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof message !== 'object' || message === null) return null;
  const { event, payload } = message as Record<string, unknown>;
  return typeof event === 'string' ? { event, payload } : null;
}
