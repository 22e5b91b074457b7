/**
 * The connector subscription (PROTOCOL.md §2.2): keeps one SSE connection to CONNECTOR_URL open and feeds
 * every event through the same ingest use case as the push webhook, so dedupe covers replays. The last event
 * id moves forward (and is persisted) only after the events before it are committed, so a restart or a
 * reconnect resumes exactly there. Reconnects back off with jitter; 401/403/404 stop it for good and make
 * the instance unready with the reason.
 */
import type { AsyncProductRepository, AsyncSettingsRepository } from "../../db/store.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { EventSourceMessage } from "eventsource-parser";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { backoffDelay } from "./backoff.js";
import { FATAL_STATUS, redactUrl, type ConnectorStatus } from "./connector-status.js";
import { readUpstream, UpstreamStatusError } from "./connector-stream.js";
import { OwnerConflictError } from "../sessions/session-ownership.js";
import type { IngestResult, IngestService } from "./ingest-event.js";
import { describeIssues, parseAutoplayEvent } from "./parse-event.js";
import { timerDelay } from "../timers.js";
import { jsonMayHoldNul, withoutNul } from "../contracts/without-nul.js";

export interface ConnectorDeps {
  url: string;
  token: string;
  heartbeatMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxFrameChars: number;
  ingest: IngestService;
  products: AsyncProductRepository;
  defaultProductId: string;
  settings: AsyncSettingsRepository;
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

export function createConnectorClient(deps: ConnectorDeps) {
  const target = redactUrl(deps.url);
  const log = deps.logger.child({ connector: target });
  // Keyed by the stream's address: pointing CONNECTOR_URL elsewhere must not resume with a foreign id.
  const cursorKey = `connector_last_event_id:${target}`;
  // One per run: the connector runs on the leader only and starts again when this instance leads again.
  let stop = new AbortController();
  const status: ConnectorStatus = {
    // Until this instance wins the connector lease (app.ts runs the connector as a leader job).
    state: "standby", url: target, connects: 0, reconnects: 0, consecutiveFailures: 0,
    // Read from the settings when the connector starts.
    lastEventId: null, events: 0, accepted: 0, duplicates: 0, invalidFrames: 0,
    lastError: null, lastConnectedAt: null, nextRetryAt: null, fatalReason: null,
  };
  let loop: Promise<void> = Promise.resolve();

  async function toIngest(m: EventSourceMessage): Promise<IngestResult | null> {
    if (m.event !== undefined && m.event !== "message") {
      if (m.event !== "heartbeat") log.debug({ event: m.event.slice(0, 64) }, "connector: named event ignored");
      return null;
    }
    let json: unknown;
    try {
      json = JSON.parse(m.data);
      if (jsonMayHoldNul(m.data)) json = withoutNul(json);
    } catch {
      status.invalidFrames++;
      // The frame itself is untrusted user data: log its size, never its content.
      log.warn({ eventId: m.id?.slice(0, 64), bytes: m.data.length }, "connector frame is not JSON; skipped");
      return null;
    }
    const parsed = parseAutoplayEvent(json);
    if (!parsed.ok) {
      status.invalidFrames++;
      log.warn({ eventId: m.id?.slice(0, 64), problems: describeIssues(parsed.issues) }, "connector frame is not a valid Autoplay event; skipped");
      return null;
    }
    const named = parsed.value.product_id;
    const productId = named && (await deps.products.findById(named)) ? named : deps.defaultProductId;
    return deps.ingest.ingest(productId, parsed.value, "connector").catch((err: unknown) => {
      // A frame naming another user for an owned session is refused for good: skip it rather than retry it forever.
      if (!(err instanceof OwnerConflictError)) throw err;
      status.invalidFrames++;
      log.warn({ eventId: m.id?.slice(0, 64), sessionId: parsed.value.session_id.slice(0, 256) }, "connector frame names another user for an owned session; skipped");
      return null;
    });
  }

  /** Ingests a chunk's events together (one group commit), then moves the cursor past what committed. */
  async function handle(messages: EventSourceMessage[]): Promise<void> {
    const outcomes = await Promise.allSettled(messages.map((m) => toIngest(m)));
    let cursor = status.lastEventId;
    let failure: unknown;
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === "rejected") {
        failure = outcome.reason;
        break;
      }
      if (outcome.value) {
        status.events++;
        status.accepted += outcome.value.accepted;
        status.duplicates += outcome.value.duplicates;
      }
      // WHATWG semantics: an `id:` field (even an empty one) sets the last event id; no field keeps it.
      const id = messages[i]!.id;
      if (id !== undefined) cursor = id === "" ? null : id;
    }
    if (cursor !== status.lastEventId) {
      status.lastEventId = cursor;
      await deps.settings.set(cursorKey, cursor ?? "");
    }
    // Reconnect and resume after the last committed event: the failed one comes again.
    if (failure !== undefined) throw failure;
  }

  async function run(): Promise<void> {
    // Read at every start: another instance may have led (and moved the cursor) since this one last did.
    status.lastEventId = (await deps.settings.get(cursorKey)) || null;
    while (!stop.signal.aborted) {
      status.state = "connecting";
      let reason: string;
      try {
        await readUpstream({
          url: deps.url,
          token: deps.token,
          lastEventId: status.lastEventId,
          signal: stop.signal,
          watchdogMs: deps.heartbeatMs * 3,
          maxFrameChars: deps.maxFrameChars,
          onOpen() {
            status.state = "connected";
            status.connects++;
            status.consecutiveFailures = 0;
            status.lastConnectedAt = deps.clock.now();
            status.nextRetryAt = null;
            log.info({ lastEventId: status.lastEventId }, "connector subscribed");
          },
          onMessages: handle,
          onParseProblem: (e) => log.debug({ type: e.type, field: e.field?.slice(0, 64) }, "connector: unparseable SSE line ignored"),
        });
        reason = "the upstream ended the stream";
      } catch (err) {
        if (stop.signal.aborted) break;
        if (err instanceof UpstreamStatusError && FATAL_STATUS[err.status]) {
          status.state = "fatal";
          status.fatalReason = `${FATAL_STATUS[err.status]}; not retrying — fix the configuration and restart`;
          status.lastError = status.fatalReason;
          log.error({ status: err.status }, `connector stopped: ${status.fatalReason}`);
          return;
        }
        reason = describeError(err);
      }
      if (stop.signal.aborted) break;
      const delay = backoffDelay(status.consecutiveFailures, deps.backoffBaseMs, deps.backoffMaxMs, deps.random);
      status.consecutiveFailures++;
      status.reconnects++;
      status.lastError = reason;
      status.state = "backoff";
      status.nextRetryAt = deps.clock.now() + delay;
      log.warn({ reason, retryInMs: delay, failures: status.consecutiveFailures }, "connector disconnected; reconnecting");
      try {
        await sleep(timerDelay(delay), undefined, { signal: stop.signal });
      } catch {
        break; // stopped while waiting
      }
    }
    status.state = "stopped";
  }

  return {
    start(): void {
      stop = new AbortController();
      loop = run().catch((err: unknown) => {
        status.state = "fatal";
        status.fatalReason = `connector crashed: ${describeError(err)}`;
        log.error({ err }, "connector crashed");
      });
    },
    /** A copy of the current status (for /readyz and /metrics). */
    status: (): ConnectorStatus => ({ ...status }),
    /** Resolves when the connector has given up (fatal) or stopped. */
    done: (): Promise<void> => loop,
    /** Aborts the connection or the backoff wait, lets an in-flight commit finish, and resolves. */
    async stop(): Promise<void> {
      stop.abort();
      await loop;
      if (status.state !== "fatal") status.state = "stopped";
    },
    /**
     * Marks the connector as waiting for the lease again (after stop(), when the lease was lost rather than the
     * instance shut down). A fatal state stays: the configuration is still wrong wherever the connector runs.
     */
    standBy(): void {
      if (status.state !== "fatal") status.state = "standby";
    },
  };
}

export type ConnectorClient = ReturnType<typeof createConnectorClient>;

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch wraps network failures as "fetch failed" with the useful part in `cause`.
  const cause = err.cause instanceof Error ? `: ${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message}` : "";
  return `${err.message}${cause}`;
}
