/**
 * Honest delivery of proactive suggestions (PROTOCOL.md §3.3). The engine stores what its gates let through
 * as `pending`; this module shows it to the widgets of its session or user and records `delivered` only
 * when one of them acknowledged `suggestion:created`. Without a widget there, the suggestion waits — and no
 * conversation is created for it — until such a widget connects within SUGGESTION_TTL_S; after that it is
 * `expired`. A suggestion enters its conversation (as a `suggestion` message) the first time it is shown.
 */
import type { Message } from "../../db/message.repository.js";
import type { Store, Transaction } from "../../db/store.js";
import { isUniqueViolation } from "../../db/unique-violation.js";
import type { PendingSuggestion } from "../../db/suggestion.repository.js";
import type { Clock } from "../clock.js";
import type { SuggestionCreated } from "../contracts/realtime.js";
import type { Logger } from "../logger.js";
import type { ConversationMapping } from "../sessions/conversation-mapping.js";
import type { PublishedSuggestion, RetractedSuggestion } from "../suggest/publisher.js";
import type { ConversationOutbox } from "./chat-service.js";
import { presentMessage } from "./present.js";

export type DeliveryState = "delivered" | "pending" | "expired";

/** Where a suggestion is shown: its session's widgets, its conversation's, and (for an owned session) its owner's. */
export interface ReachTarget {
  productId: string;
  sessionRef: number;
  conversationId: string | null;
  ownerId: string | null;
}

/** How the transport reaches widgets; implemented by the realtime gateway. */
export interface WidgetReach {
  /** Whether any widget of this instance is bound to the session, is in the conversation, or is verified as the owner. */
  reachable(target: ReachTarget): boolean;
  /**
   * Server mode: the same question put to the other instances (a round trip through Redis). Never asked while
   * a transaction is open. Absent in one process, where `reachable` is the whole answer.
   */
  reachableElsewhere?(target: ReachTarget): Promise<boolean>;
  /** Emits suggestion:created to those widgets; resolves with how many acknowledged it in time. */
  offer(target: ReachTarget & { conversationId: string }, suggestion: SuggestionCreated): Promise<number>;
}

/** Offers a suggestion to one widget; resolves true when it acknowledged. */
export type OfferToWidget = (suggestion: SuggestionCreated) => Promise<boolean>;

/** A connected widget, as delivery needs it. */
export interface WidgetBinding {
  productId: string;
  sessionRef: number;
  userId: string | null;
  conversationId: string | null;
}

export interface DeliveryDeps {
  /** The store; acknowledged deliveries are recorded in its group commit (`write`). */
  repos: Store;
  clock: Clock;
  logger: Logger;
  mapping: ConversationMapping;
  outbox: ConversationOutbox;
  reach: WidgetReach;
  /** SUGGESTION_TTL_S in ms. */
  ttlMs: number;
  /** Told of every state a suggestion enters (metrics). */
  onState?: (state: DeliveryState, count: number) => void;
}

/** Pending suggestions shown to one widget when it connects: the newest ones. */
const SHOWN_ON_CONNECT = 10;
/** Suggestions expired per statement of the sweep. */
const EXPIRE_BATCH = 500;

type Deliverable = Pick<PendingSuggestion, "id" | "productId" | "sessionRef" | "sessionId" | "text" | "source" | "createdAt"> & { evidence: number[] };

export function createSuggestionDelivery(deps: DeliveryDeps) {
  const { repos, clock, mapping, outbox, reach } = deps;
  const onState = deps.onState ?? (() => undefined);
  let timer: NodeJS.Timeout | undefined;
  // Acknowledgements may time out after shutdown closed the database: nothing is written then.
  let stopped = false;

  /**
   * The suggestion's message in its session's conversation (linked or created now); stored once. `defer`
   * receives a new link's announcement when the caller commits later (see `store`).
   */
  async function place(
    s: Deliverable,
    defer?: (announcement: () => void) => void,
    via?: Transaction,
  ): Promise<{ payload: SuggestionCreated; message: Message | undefined }> {
    let stored = await (via ?? repos).messages.bySuggestion(s.id);
    let message: Message | undefined;
    if (!stored) {
      try {
        message = await mapping.append(
          { conversationId: (await mapping.ensure(s.productId, s.sessionRef, defer, via)).conversation.id, role: "suggestion", text: s.text, sessionRef: s.sessionRef, suggestionId: s.id },
          via,
        );
      } catch (err) {
        // Placed meanwhile (a widget connecting while the engine delivers, or another instance): one message per
        // suggestion (a unique index), so use that one. append ran in a savepoint: `via` is still usable.
        if (!isUniqueViolation(err)) throw err;
        stored = await (via ?? repos).messages.bySuggestion(s.id);
        if (!stored) throw err;
      }
    }
    const conversationId = (stored ?? message)!.conversationId;
    return {
      payload: { id: s.id, conversationId, sessionId: s.sessionId, text: s.text, source: s.source, createdAt: new Date(s.createdAt).toISOString(), evidence: s.evidence },
      message,
    };
  }

  /**
   * Records the outcome of an offer: delivered when acknowledged (in the group commit, when there is one: a
   * busy server receives many acknowledgements a turn); still pending (counted once) otherwise.
   */
  async function settle(id: number, acknowledged: boolean, countPending: boolean): Promise<void> {
    if (stopped) return;
    if (acknowledged) {
      let changed: boolean;
      try {
        changed = await repos.write((tx) => tx.suggestions.markDelivered(id, clock.now()));
      } catch (err) {
        deps.logger.error({ err, suggestionId: id }, "recording a delivery failed");
        return;
      }
      if (changed) onState("delivered", 1);
    } else if (countPending && (await repos.suggestions.findById(id))?.status === "pending") {
      onState("pending", 1);
    }
  }

  const failed = (id: number) => (err: unknown) => deps.logger.error({ err, suggestionId: id }, "offering a suggestion failed");

  async function placeIfElsewhere(s: PublishedSuggestion, target: ReachTarget, elsewhere: NonNullable<WidgetReach["reachableElsewhere"]>): Promise<void> {
    try {
      if (!(await elsewhere(target))) return onState("pending", 1);
      if (stopped) return;
      // Found: placed and offered now (the offer goes to every instance's widgets through the adapter).
      (await repos.transaction((tx) => storeIf(s, tx, "found")))();
    } catch (err) {
      failed(s.id)(err);
    }
  }

  async function expireNow(): Promise<number> {
    let total = 0;
    const before = clock.now() - deps.ttlMs;
    for (let n = EXPIRE_BATCH; n === EXPIRE_BATCH; total += n) n = await repos.suggestions.expirePending(before, EXPIRE_BATCH);
    if (total > 0) onState("expired", total);
    return total;
  }

  /**
   * The engine's deliverer, inside the evaluation's transaction: when a widget of the suggestion's session is
   * there, links the conversation and stores the suggestion's message (what showing it needs). Returns what to
   * do once that has committed: offer it to those widgets and announce the message — or count it pending.
   */
  async function store(s: PublishedSuggestion, tx: Transaction): Promise<() => void> {
    return storeIf(s, tx, reach.reachableElsewhere);
  }

  /**
   * `store`, where no widget of this instance is there: with `elsewhere` (server mode), the other instances are
   * asked after the caller's commit — never while it holds the database (on PostgreSQL that commit holds the
   * event log's lock, which every ingest needs) — and, when one of them has such a widget, the suggestion is
   * placed and offered in a transaction of its own.
   */
  async function storeIf(s: PublishedSuggestion, tx: Transaction, elsewhere: WidgetReach["reachableElsewhere"] | "found"): Promise<() => void> {
    // A locked session ('' owner, from migrated disputes) has no owner anyone can be verified as.
    const ownerId = (await tx.sessions.findById(s.sessionRef))?.ownerId || null;
    const conversationId = (await mapping.conversationOf(s.sessionRef, tx))?.id ?? null;
    const target = { productId: s.productId, sessionRef: s.sessionRef, conversationId, ownerId };
    if (elsewhere !== "found" && !reach.reachable(target)) {
      if (!elsewhere) return () => onState("pending", 1);
      return () => void placeIfElsewhere(s, target, elsewhere);
    }
    const links: (() => void)[] = [];
    const { payload, message } = await place(s, (announce) => links.push(announce), tx);
    return () => {
      for (const announce of links) announce();
      const acks = reach.offer({ productId: s.productId, sessionRef: s.sessionRef, conversationId: payload.conversationId, ownerId }, payload);
      if (message) outbox.emit(payload.conversationId, "message:created", presentMessage(message));
      acks.then((n) => settle(s.id, n > 0, true)).catch(failed(s.id));
    };
  }

  return {
    store,

    /** Shows the suggestion now if a widget of its session is there, else leaves it pending (`store`, then its announcement). */
    async publish(s: PublishedSuggestion): Promise<void> {
      (await repos.transaction((tx) => store(s, tx)))();
    },

    /**
     * A widget connected (or followed its user into another session): shows it the pending suggestions of its
     * session, of its conversation's sessions and of its user, from the last SUGGESTION_TTL_S.
     */
    async showPending(widget: WidgetBinding, offer: OfferToWidget): Promise<void> {
      const pending = await repos.suggestions.pendingFor({
        since: clock.now() - deps.ttlMs,
        sessionRef: widget.sessionRef,
        conversationId: widget.conversationId,
        productId: widget.productId,
        userId: widget.userId,
        limit: SHOWN_ON_CONNECT,
      });
      for (const p of pending) {
        const { payload, message } = await place({ ...p, evidence: p.evidence.indexes });
        offer(payload)
          .then((ok) => settle(p.id, ok, false))
          .catch(failed(p.id));
        if (message) outbox.emit(payload.conversationId, "message:created", presentMessage(message));
      }
    },

    /** Feedback proves the user saw it: a pending (or expired) suggestion in the widget's thread counts as delivered. */
    async confirmShown(id: number): Promise<void> {
      if (await repos.suggestions.markDelivered(id, clock.now())) onState("delivered", 1);
    },

    /** The engine's retractor: tells the conversation's widgets that a shown suggestion no longer applies. */
    async retract(r: RetractedSuggestion): Promise<void> {
      const message = await repos.messages.bySuggestion(r.id);
      if (message) outbox.emit(message.conversationId, "suggestion:retracted", { id: r.id, reason: r.reason });
    },

    /** Marks pending suggestions older than the TTL as expired; returns how many. */
    expireNow,

    /**
     * Sweeps expired suggestions in the background (a tenth of the TTL, between 1 s and 1 min), on the leader
     * only (app.ts); startable again after stopSweep().
     */
    start(): void {
      if (timer || stopped) return;
      const every = Math.min(60_000, Math.max(1_000, Math.floor(deps.ttlMs / 10)));
      const tick = async () => {
        try {
          await expireNow();
        } catch (err) {
          deps.logger.error({ err }, "expiring pending suggestions failed");
        }
        if (stopped) return;
        timer = setTimeout(() => void tick(), every);
        timer.unref();
      };
      timer = setTimeout(() => void tick(), every);
      timer.unref();
    },

    /** Stops the sweep only (this instance is no longer the leader). */
    stopSweep(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },

    /** Stops the sweep; acknowledgements arriving later change nothing. */
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

export type SuggestionDelivery = ReturnType<typeof createSuggestionDelivery>;
