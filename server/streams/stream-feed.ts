/**
 * The outbound stream's server mode (several instances): one feed per product a hub serves — a cursor into
 * the shared event log that only moves forward. A commit on any instance is announced on the bus
 * (`events:<productId>` with the new highest id, coalesced per event-loop turn); every hub, on hearing it (its
 * own included), reads the log after its cursor and hands the entries to the hub's fan-out in id order, so the
 * hub's replay-to-live handoff works as in process. Ids are commit-ordered (PostgreSQL takes an advisory lock
 * for them), so a read after the cursor never skips an entry that commits later with a smaller id. A notice
 * lost while the bus was away is made up for on the next one, or at the latest on the next heartbeat, which
 * reads every feed (and subscribes again where subscribing failed).
 */
import { z } from "zod";
import type { RepositoryPorts } from "../../db/store.js";
import type { Bus, Unsubscribe } from "../cluster/bus.js";
import type { IngestedEvent } from "../ingest/ingest-event.js";
import type { Logger } from "../logger.js";

/** Entries read per feed query. */
const FEED_PAGE = 500;
const commitNotice = z.object({ id: z.number().int().nonnegative() });
const channelOf = (productId: string) => `events:${productId}`;
/** Not positioned yet: nothing is read before the head is known. */
const UNPOSITIONED = Number.MAX_SAFE_INTEGER;

/** The session an event-log entry belongs to (its outbound JSON carries `session_id`). */
const sessionOfData = (data: string): string | undefined => {
  try {
    const id = (JSON.parse(data) as { session_id?: unknown }).session_id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
};

export interface FeedEntry {
  productId: string;
  logId: number;
  data: string;
  /** The entry's session; "" when no subscriber of the product filters by session (not parsed then). */
  sessionId: string;
}

export interface StreamFeedDeps {
  repos: RepositoryPorts;
  bus: Bus;
  logger: Logger;
  /** How often every feed is read regardless of notices (STREAM_HEARTBEAT_MS). */
  catchUpMs: number;
  /** The hub's fan-out: live subscribers and replays listening. */
  fanOut: (entry: FeedEntry) => void;
  /** Whether a subscriber of the product filters by session (then each entry's session is parsed). */
  bySession: (productId: string) => boolean;
}

interface Feed {
  /** The log has been fanned out through here. */
  cursor: number;
  /** Resolves once subscribed (or given up on for now) and positioned. */
  ready: Promise<void>;
  pulling: boolean;
  /** A notice arrived during a pull: read again when it ends. */
  again: boolean;
  /** Set while subscribed to the product's channel. */
  unsubscribe?: Unsubscribe;
  subscribing: boolean;
}

export function createStreamFeeds(deps: StreamFeedDeps) {
  const { repos, bus, logger } = deps;
  const feeds = new Map<string, Feed>();
  /** Commits of this instance not yet announced, by product: the highest id (one notice per turn). */
  const unannounced = new Map<string, number>();
  let closed = false;

  /** Without the bus (Redis away) the feed still works, on this instance's own commits and on the catch-up reads. */
  async function subscribe(productId: string, feed: Feed): Promise<void> {
    if (feed.unsubscribe || feed.subscribing) return;
    feed.subscribing = true;
    try {
      feed.unsubscribe = await bus.subscribe(channelOf(productId), commitNotice, (notice) => {
        if (notice.id > feed.cursor) void pull(productId);
      });
      if (closed) await feed.unsubscribe();
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err), productId }, "stream feed: subscribing to commit notices failed; reading the log on each heartbeat until it works");
    } finally {
      feed.subscribing = false;
    }
  }

  /** Reads the log after the feed's cursor and fans it out in id order; one read at a time per product. */
  async function pull(productId: string): Promise<void> {
    const feed = feeds.get(productId);
    if (!feed || closed || feed.cursor === UNPOSITIONED) return;
    if (feed.pulling) {
      feed.again = true;
      return;
    }
    feed.pulling = true;
    try {
      do {
        feed.again = false;
        for (;;) {
          const page = await repos.eventLog.after(productId, feed.cursor, FEED_PAGE, null);
          if (closed) return;
          const parse = deps.bySession(productId);
          for (const entry of page.entries) {
            deps.fanOut({ productId, logId: entry.id, data: entry.data, sessionId: parse ? (sessionOfData(entry.data) ?? "") : "" });
          }
          feed.cursor = Math.max(feed.cursor, page.through);
          if (page.end) break;
        }
      } while (feed.again && !closed);
    } catch (err) {
      logger.error({ err, productId }, "stream feed: reading the event log failed (the next notice or heartbeat reads again)");
    } finally {
      feed.pulling = false;
    }
  }

  const catchUp = setInterval(() => {
    for (const [productId, feed] of feeds) {
      if (!feed.unsubscribe) void subscribe(productId, feed);
      void pull(productId);
    }
  }, deps.catchUpMs);
  catchUp.unref();

  return {
    /**
     * The product's feed, created on first use: subscribed to its channel first, then positioned at the log's
     * head, so nothing committed after this resolves can pass it unheard.
     */
    ready(productId: string): Promise<void> {
      const existing = feeds.get(productId);
      if (existing) return existing.ready;
      const feed: Feed = { cursor: UNPOSITIONED, ready: Promise.resolve(), pulling: false, again: false, subscribing: false };
      feeds.set(productId, feed);
      feed.ready = (async () => {
        await subscribe(productId, feed);
        feed.cursor = await repos.eventLog.head();
      })();
      feed.ready.catch(() => feeds.delete(productId)); // the next open tries again
      return feed.ready;
    },

    /** The ingest listener: this instance committed an event; announce it to every instance (coalesced per turn). */
    committed(event: IngestedEvent): void {
      const pending = unannounced.get(event.productId);
      if (pending !== undefined && pending >= event.logId) return;
      if (unannounced.size === 0) {
        setImmediate(() => {
          const notices = [...unannounced];
          unannounced.clear();
          for (const [productId, id] of notices) {
            // Our own hub hears it back over the bus; pulling now saves that round trip.
            void pull(productId);
            bus.publish(channelOf(productId), { id }).catch((err: unknown) =>
              logger.warn({ err: err instanceof Error ? err.message : String(err), productId }, "announcing committed events failed; other instances catch up on their next notice or heartbeat"),
            );
          }
        });
      }
      unannounced.set(event.productId, event.logId);
    },

    /** Stops reading and unsubscribes. */
    close(): void {
      if (closed) return;
      closed = true;
      clearInterval(catchUp);
      for (const feed of feeds.values()) void feed.unsubscribe?.().catch(() => undefined);
      feeds.clear();
      unannounced.clear();
    },
  };
}

export type StreamFeeds = ReturnType<typeof createStreamFeeds>;
