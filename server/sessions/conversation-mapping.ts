/**
 * Session ↔ conversation mapping (PROTOCOL.md §3.2). A conversation is created lazily — on the first user
 * message or the first proactive suggestion for a session, never on connect — and then kept stable; many
 * sessions (tabs, reloads, devices) may link to one. Links are persisted with their time and kind.
 */
import crypto from "node:crypto";
import type { Conversation, ConversationLink } from "../../db/conversation.repository.js";
import type { Message, MessageRole } from "../../db/message.repository.js";
import type { RepositoryPorts, Store, Transaction } from "../../db/store.js";
import type { Clock } from "../clock.js";
import { issueConversationToken, verifyConversationToken } from "./conversation-token.js";

/** Told when a session gets linked, so the transport can move that session's sockets into the conversation. */
export type LinkListener = (event: { productId: string; sessionRef: number; conversationId: string; token: string }) => void;

export interface MappingDeps {
  repos: Store;
  clock: Clock;
  tokenSecret: string;
  onLinked: LinkListener;
}

export const newConversationId = () => `cv_${crypto.randomBytes(12).toString("base64url")}`;
export const newMessageId = () => `m_${crypto.randomBytes(12).toString("base64url")}`;

export function createConversationMapping(deps: MappingDeps) {
  const { repos, clock } = deps;
  const token = (productId: string, conversationId: string) => issueConversationToken(deps.tokenSecret, productId, conversationId);

  function announce(productId: string, link: ConversationLink): void {
    deps.onLinked({ productId, sessionRef: link.sessionRef, conversationId: link.conversationId, token: token(productId, link.conversationId) });
  }

  /** Links the session (to its owner's latest conversation, or a new one) unless it is linked; inside `tx`. */
  async function ensureIn(
    tx: Transaction,
    productId: string,
    sessionRef: number,
    defer: (announcement: () => void) => void,
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const current = await conversationOf(sessionRef, tx);
    if (current) return { conversation: current, created: false };
    const owner = (await tx.sessions.findById(sessionRef))?.ownerId ?? null;
    const theirs = owner ? await tx.conversations.latestForUser(productId, owner) : undefined;
    const now = clock.now();
    const id = theirs ? theirs.id : newConversationId();
    if (!theirs) await tx.conversations.create({ id, productId, userId: owner, now });
    // A session linked meanwhile (by another instance) keeps that link: `link` returns the one in force.
    const link = await tx.conversations.link(sessionRef, id, theirs ? "resumed" : "new", now);
    // Lost the race: the conversation made above would be an empty orphan owned by the user.
    if (!theirs && link.conversationId !== id) await tx.conversations.discardUnlinked(id);
    defer(() => announce(productId, link));
    return { conversation: (await tx.conversations.findById(link.conversationId))!, created: !theirs && link.conversationId === id };
  }

  /** The conversation the session is linked to, if any. */
  async function conversationOf(sessionRef: number, via?: RepositoryPorts): Promise<Conversation | undefined> {
    const r = via ?? repos;
    const link = await r.conversations.linkOf(sessionRef);
    return link && (await r.conversations.findById(link.conversationId));
  }

  return {
    token,

    /** The conversation the session is linked to, if any (`via`: the caller's open transaction). */
    conversationOf,

    /**
     * Checks a widget's resume request. Returns the conversation when the token is genuine and the
     * conversation belongs to the product; undefined otherwise (forged, foreign or unknown).
     */
    async verifyResume(productId: string, conversationId: string, presented: string): Promise<Conversation | undefined> {
      if (!verifyConversationToken(deps.tokenSecret, productId, conversationId, presented)) return undefined;
      const conversation = await repos.conversations.findById(conversationId);
      return conversation?.productId === productId ? conversation : undefined;
    },

    /**
     * Links a session to an existing conversation (a resume: reload, new tab, other device). A session that
     * is already linked keeps its own conversation. Returns the link in force.
     */
    async resume(productId: string, sessionRef: number, conversationId: string, defer?: (announcement: () => void) => void, via?: Transaction): Promise<ConversationLink> {
      const r = via ?? repos;
      const existing = await r.conversations.linkOf(sessionRef);
      if (existing) return existing;
      const link = await r.conversations.link(sessionRef, conversationId, "resumed", clock.now());
      if (defer) defer(() => announce(productId, link));
      else announce(productId, link);
      return link;
    },

    /**
     * The session's conversation, linked now if it has none: an owned session joins its owner's latest
     * conversation (one thread per user, whichever device or source the session came from), else gets a new
     * one that belongs to the session's owner (or to nobody, for an anonymous session). Check and create run
     * in one transaction (a savepoint of `via`, the caller's, when given), so two callers never create two.
     * A caller inside a larger transaction passes `defer`, which receives the link's announcement to make
     * once that has committed.
     */
    async ensure(
      productId: string,
      sessionRef: number,
      defer?: (announcement: () => void) => void,
      via?: Transaction,
    ): Promise<{ conversation: Conversation; created: boolean }> {
      const current = await conversationOf(sessionRef, via);
      if (current) return { conversation: current, created: false };
      const later: (() => void)[] = [];
      const result = await (via ?? repos).transaction((tx) => ensureIn(tx, productId, sessionRef, (a) => later.push(a)));
      for (const announcement of later) {
        if (defer) defer(announcement);
        else announcement();
      }
      return result;
    },

    /** Appends a message with the conversation's next seq (in one transaction: a savepoint of `via`, when given). */
    append(input: {
      conversationId: string;
      role: MessageRole;
      text: string;
      sessionRef: number | null;
      id?: string;
      clientMessageId?: string | null;
      suggestionId?: number | null;
    }, via?: Transaction): Promise<Message> {
      const now = clock.now();
      return (via ?? repos).transaction(async (tx) =>
        tx.messages.insert({
          id: input.id ?? newMessageId(),
          conversationId: input.conversationId,
          seq: await tx.conversations.nextSeq(input.conversationId, now),
          role: input.role,
          text: input.text,
          sessionRef: input.sessionRef,
          clientMessageId: input.clientMessageId ?? null,
          suggestionId: input.suggestionId ?? null,
          createdAt: now,
        }),
      );
    },
  };
}

export type ConversationMapping = ReturnType<typeof createConversationMapping>;
