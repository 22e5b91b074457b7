/**
 * The capture contract shared with client/capture (PROTOCOL.md §2.3). The browser imports these with
 * `import type` only, so no server code reaches the bundle.
 */
export type { CaptureBatch, RawEvent, RawEventType, RawTarget } from "../ingest/raw-events/raw-event.schema.js";
