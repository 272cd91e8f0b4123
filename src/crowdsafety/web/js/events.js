// Server-Sent Events read with fetch(), so that the request carries the API key in a header
// (EventSource cannot send headers, and a key in its URL would reach the server's logs).
// The body is read as a stream and parsed as text/event-stream: ``event:``, ``data:``, ``retry:``
// fields, ``:`` comments, an empty line ends an event. When the stream ends or fails, it
// connects again after the server's ``retry`` delay; a 401 stops it for good.
import { authHeaders, reportUnauthorised } from "./api.js";

/** Milliseconds before connecting again until the server sends its own ``retry``. */
const DEFAULT_RETRY_MS = 3000;

/** Incremental text/event-stream parser: feed it text as it arrives, get whole events back. */
export class EventParser {
  constructor() {
    this.buffer = "";
    this.type = "";
    this.data = [];
    this.retry = null; // ms, once the server has said
  }

  /** The events completed by ``text``: ``[{type, data}]`` (``type`` "message" when unnamed). */
  push(text) {
    let pending = this.buffer + text;
    // A CR at the very end may be the first half of a CRLF: keep it for the next piece.
    const tail = pending.endsWith("\r") ? "\r" : "";
    if (tail) pending = pending.slice(0, -1);
    const lines = pending.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() + tail;
    const events = [];
    for (const line of lines) {
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  line(line) {
    if (line === "") {
      const event = this.data.length ? { type: this.type || "message", data: this.data.join("\n") } : null;
      this.type = "";
      this.data = [];
      return event;
    }
    if (line.startsWith(":")) return null; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.type = value;
    else if (field === "data") this.data.push(value);
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
    return null; // "id" and unknown fields are ignored
  }
}

/** A live connection to ``url``; ``on(type, handler)`` receives each event's data (text);
 * ``onState(open)`` hears when the stream opens and when it drops. */
export class EventStream {
  constructor(url, { onState = () => {} } = {}) {
    this.url = url;
    this.onState = onState;
    this.handlers = new Map();
    this.retryMs = DEFAULT_RETRY_MS;
    this.controller = null;
    this.timer = null;
    this.closed = false;
  }

  on(type, handler) {
    this.handlers.set(type, handler);
    return this;
  }

  start() {
    this.connect();
    return this;
  }

  /** Stop for good: the open request is aborted and no reconnection follows. */
  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.controller) this.controller.abort();
  }

  async connect() {
    if (this.closed) return;
    this.controller = new AbortController();
    try {
      const response = await fetch(this.url, {
        headers: authHeaders({ Accept: "text/event-stream" }), cache: "no-store", signal: this.controller.signal,
      });
      if (response.status === 401) {
        this.close();
        reportUnauthorised();
        return;
      }
      if (response.ok && response.body) {
        this.onState(true);
        await this.read(response.body.getReader());
      }
    } catch {
      // the network failed or the stream was aborted: connect again below unless closed
    }
    this.onState(false);
    if (!this.closed) this.timer = setTimeout(() => this.connect(), this.retryMs);
  }

  async read(reader) {
    const decoder = new TextDecoder();
    const parser = new EventParser();
    for (;;) {
      const { done, value } = await reader.read();
      if (done || this.closed) return;
      for (const event of parser.push(decoder.decode(value, { stream: true }))) {
        const handler = this.handlers.get(event.type);
        if (handler) handler(event.data);
      }
      if (parser.retry !== null) this.retryMs = parser.retry;
    }
  }
}
