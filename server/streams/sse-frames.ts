/**
 * Server-sent events framing (WHATWG HTML §9.2). Frames are encoded once and the same Buffer is written to
 * every subscriber.
 */

const LINE_BREAK = /\r\n|\r|\n/g;
const HAS_LINE_BREAK = /[\r\n]/;

/** `id:` + `data:` frame. A line break inside `data` (never produced by JSON.stringify) becomes a new data line. */
export function eventFrame(id: number, data: string): Buffer {
  const body = HAS_LINE_BREAK.test(data) ? data.replace(LINE_BREAK, "\ndata: ") : data;
  return Buffer.from(`id: ${id}\ndata: ${body}\n\n`);
}

/** A named event with an empty `data:` line: dispatched by WHATWG clients (as `heartbeat`), carries no id. */
export const HEARTBEAT_FRAME = Buffer.from("event: heartbeat\ndata:\n\n");

/** Tells the client how long to wait before reconnecting. */
export const retryFrame = (ms: number): string => `retry: ${ms}\n\n`;

/** A comment: ignored by every SSE client, visible to a person reading the stream with curl. */
export const commentFrame = (text: string): string => `: ${text.replace(LINE_BREAK, " ")}\n\n`;
