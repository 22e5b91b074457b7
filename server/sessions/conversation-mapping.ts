/**
 * Session ↔ conversation mapping (PROTOCOL.md §3.2). A conversation is created lazily — on the first user
 * message or the first proactive suggestion for a session, never on connect — and then kept stable; many
 * sessions (tabs, reloads, devices) may link to one. Links are persisted with their time and kind.
 */
import crypto from "node:crypto";
import type { Conversation, ConversationLink } from "../../db/conversation.repository.js";
import type { Message, MessageRole } from "../../db/message.repository.js";
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import { issueConversationToken, verifyConversationToken } from "./conversation-token.js";

/** Told when a session gets linked, so the transport can move that session's sockets into the conversation. */
export type LinkListener = (event: { productId: string; sessionRef: number; conversationId: string; token: string }) => void;

export interface MappingDeps {
  repos: Repositories;
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

  return {
    token,

    /** The conversation the session is linked to, if any. */
    conversationOf(sessionRef: number): Conversation | undefined {
      const link = repos.conversations.linkOf(sessionRef);
      return link && repos.conversations.findById(link.conversationId);
    },

    /**
     * Checks a widget's resume request. Returns the conversation when the token is genuine and the
     * conversation belongs to the product; undefined otherwise (forged, foreign or unknown).
     */
    verifyResume(productId: string, conversationId: string, presented: string): Conversation | undefined {
      if (!verifyConversationToken(deps.tokenSecret, productId, conversationId, presented)) return undefined;
      const conversation = repos.conversations.findById(conversationId);
      return conversation?.productId === productId ? conversation : undefined;
    },

    /**
     * Links a session to an existing conversation (a resume: reload, new tab, other device). A session that
     * is already linked keeps its own conversation. Returns the link in force.
     */
    resume(productId: string, sessionRef: number, conversationId: string, defer?: (announcement: () => void) => void): ConversationLink {
      const existing = repos.conversations.linkOf(sessionRef);
      if (existing) return existing;
      const link = repos.conversations.link(sessionRef, conversationId, "resumed", clock.now());
      if (defer) defer(() => announce(productId, link));
      else announce(productId, link);
      return link;
    },

    /**
     * The session's conversation, linked now if it has none: an owned session joins its owner's latest
     * conversation (one thread per user, whichever device or source the session came from), else gets a new
     * one that belongs to the session's owner (or to nobody, for an anonymous session). A caller inside a larger
     * transaction passes `defer`, which receives the link's announcement to make once that has committed.
     */
    ensure(productId: string, sessionRef: number, defer?: (announcement: () => void) => void): { conversation: Conversation; created: boolean } {
      const current = this.conversationOf(sessionRef);
      if (current) return { conversation: current, created: false };
      const owner = repos.sessions.findById(sessionRef)?.ownerId ?? null;
      const theirs = owner ? repos.conversations.latestForUser(productId, owner) : undefined;
      if (theirs) {
        const link = this.resume(productId, sessionRef, theirs.id, defer);
        return { conversation: repos.conversations.findById(link.conversationId)!, created: false };
      }
      const now = clock.now();
      const id = newConversationId();
      const link = repos.transaction(() => {
        repos.conversations.create({ id, productId, userId: owner, now });
        return repos.conversations.link(sessionRef, id, "new", now);
      });
      if (defer) defer(() => announce(productId, link));
      else announce(productId, link);
      return { conversation: repos.conversations.findById(id)!, created: true };
    },

    /** Appends a message with the conversation's next seq (in one transaction). */
    append(input: {
      conversationId: string;
      role: MessageRole;
      text: string;
      sessionRef: number | null;
      id?: string;
      clientMessageId?: string | null;
      suggestionId?: number | null;
    }): Message {
      const now = clock.now();
      return repos.transaction(() =>
        repos.messages.insert({
          id: input.id ?? newMessageId(),
          conversationId: input.conversationId,
          seq: repos.conversations.nextSeq(input.conversationId, now),
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
