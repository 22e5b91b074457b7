/**
 * Who may join which session and conversation (PROTOCOL.md §3.3): the one place these rules live. The socket
 * edge authenticates (product key, Origin, userHash, token signature) and hands the verified identity here.
 *
 * - An owned session or conversation is reachable only by its owner (verified); an anonymous one by whoever
 *   holds its id (session) or token (conversation): those ids are bearer secrets.
 * - A verified user naming an anonymous session becomes its owner; its anonymous conversation is adopted only
 *   with that conversation's token, the way a messenger merges a visitor into the user on login.
 * - An anonymous widget must name its session. A verified one may leave it to the server: it is bound to the
 *   user's most recently active session (activity within USER_SESSION_ACTIVE_S), or to a fresh random one,
 *   and follows the user into a newer session when that one becomes active.
 *
 * Every check runs before anything is written, so a refused join stores nothing.
 */
import crypto from "node:crypto";
import type { Conversation } from "../../db/conversation.repository.js";
import type { Repositories } from "../../db/repositories.js";
import type { Session } from "../../db/session.repository.js";
import type { Clock } from "../clock.js";
import { AppError } from "../errors.js";
import type { ConversationMapping } from "./conversation-mapping.js";
import { claimSession } from "./session-ownership.js";

/** Why a widget is in its session: it named it, or the server chose the user's active one, a new one, or followed the user. */
export type BindReason = "named" | "active" | "new" | "followed";

export interface JoinRequest {
  productId: string;
  /** The verified user (identity verification passed), or null for an anonymous widget. */
  userId: string | null;
  /** The session the widget names; verified widgets may leave it out. */
  sessionKey?: string | undefined;
  /** Resuming a conversation: its id and the token issued with conversation:linked (signature not yet checked). */
  resume?: { conversationId: string; token: string } | undefined;
}

export interface Binding {
  productId: string;
  userId: string | null;
  sessionRef: number;
  sessionKey: string;
  reason: BindReason;
  /** The server chose the session, so it follows the user's activity into newer sessions. */
  follows: boolean;
  /** The conversation the widget is in (null until the session has one). */
  conversationId: string | null;
}

/** The widget may not join: `code` is the handshake's refusal code. */
export class AccessDeniedError extends AppError {
  constructor(code: "session_forbidden" | "invalid_conversation_token" | "invalid_auth", message: string) {
    super(code, message, 403);
  }
}

export interface AccessDeps {
  repos: Repositories;
  clock: Clock;
  mapping: ConversationMapping;
  /** USER_SESSION_ACTIVE_S in ms: how recent a user's activity must be for a verified widget to be bound to it. */
  activeWindowMs: number;
}

/** A fresh session id: 128 random bits, like the browser's (PROTOCOL.md §3.3: at least 122). */
export const newSessionKey = (): string => `ps_${crypto.randomBytes(16).toString("hex")}`;

/** How many of a user's recent sessions are considered when binding a verified widget that names none. */
const ACTIVE_CANDIDATES = 5;

export function createSessionAccess(deps: AccessDeps) {
  const { repos, clock, mapping } = deps;

  /** Why `userId` (null: anonymous) may not be in the session, or null when it may. */
  function refusal(session: Session, userId: string | null, resumeId: string | undefined): AccessDeniedError | null {
    if (session.ownerId !== null && session.ownerId !== userId) {
      return new AccessDeniedError("session_forbidden", "this session belongs to another user: start a new session (a new sessionId)");
    }
    const conversation = mapping.conversationOf(session.id);
    if (!conversation) return null;
    if (conversation.userId !== null && conversation.userId !== userId) {
      return new AccessDeniedError("session_forbidden", "this session's conversation belongs to another user: start a new session (a new sessionId)");
    }
    if (conversation.userId === null && userId !== null && resumeId !== conversation.id) {
      return new AccessDeniedError(
        "session_forbidden",
        "this session's conversation was started anonymously: a signed-in widget takes it over only with its conversationId and conversationToken",
      );
    }
    return null;
  }

  /** The conversation a resume request names, when its token is genuine and the widget may have it. */
  function resumable(productId: string, userId: string | null, resume: JoinRequest["resume"]): Conversation | undefined {
    if (!resume) return undefined;
    const conversation = mapping.verifyResume(productId, resume.conversationId, resume.token);
    if (!conversation) throw new AccessDeniedError("invalid_conversation_token", "conversationToken is not valid for this conversation");
    if (conversation.userId !== null && conversation.userId !== userId) {
      throw new AccessDeniedError("invalid_conversation_token", "this conversation belongs to another user");
    }
    return conversation;
  }

  /** The user's most recently active session the widget may join, if any is active enough. */
  function activeSession(productId: string, userId: string, resumeId: string | undefined): Session | undefined {
    const since = clock.now() - deps.activeWindowMs;
    for (const ref of repos.userSessions.recent(productId, userId, since, ACTIVE_CANDIDATES)) {
      const session = repos.sessions.findById(ref.sessionRef);
      if (session && !refusal(session, userId, resumeId)) return session;
    }
    return undefined;
  }

  /**
   * The conversation the session's widgets are in: its own; else the one being resumed; else, for a verified
   * user, their latest (cross-device resume). An anonymous conversation a verified user may enter (checked
   * before) becomes theirs.
   */
  function bindConversation(productId: string, sessionRef: number, userId: string | null, resume: Conversation | undefined): string | null {
    const target = mapping.conversationOf(sessionRef) ?? resume ?? (userId ? repos.conversations.latestForUser(productId, userId) : undefined);
    if (!target) return null;
    if (userId !== null && target.userId === null) repos.conversations.claimForUser(target.id, userId);
    return mapping.resume(productId, sessionRef, target.id).conversationId;
  }

  return {
    /** Decides whether a widget may connect and binds it. Throws AccessDeniedError (nothing written) when not. */
    join(req: JoinRequest): Binding {
      const { productId, userId } = req;
      if (userId === null && req.sessionKey === undefined) {
        throw new AccessDeniedError("invalid_auth", "sessionId is required: only a verified widget (userId with userHash) may leave the session to the server");
      }
      const resume = resumable(productId, userId, req.resume);
      let sessionKey: string;
      let reason: BindReason;
      if (req.sessionKey !== undefined) {
        const existing = repos.sessions.findByKey(productId, req.sessionKey);
        const refused = existing && refusal(existing, userId, resume?.id);
        if (refused) throw refused;
        [sessionKey, reason] = [req.sessionKey, "named"];
      } else {
        const active = activeSession(productId, userId!, resume?.id);
        [sessionKey, reason] = active ? [active.sessionKey, "active"] : [newSessionKey(), "new"];
      }

      const now = clock.now();
      const sessionRef = repos.transaction(() => {
        const ref = repos.sessions.touch({ productId, sessionKey, userId, email: null, now });
        if (userId !== null) claimSession(repos, { productId, sessionRef: ref, ownerId: userId, now });
        return ref;
      });
      const conversationId = bindConversation(productId, sessionRef, userId, resume);
      return { productId, userId, sessionRef, sessionKey, reason, follows: req.sessionKey === undefined, conversationId };
    },

    /**
     * A verified widget that follows its user moves into `sessionRef`, where the user has just been active.
     * Returns the new binding, or undefined when that session is not the user's to enter.
     */
    follow(current: Binding, sessionRef: number): Binding | undefined {
      if (!current.follows || current.userId === null || current.sessionRef === sessionRef) return undefined;
      const session = repos.sessions.findById(sessionRef);
      if (!session || session.productId !== current.productId || session.ownerId !== current.userId || refusal(session, current.userId, undefined)) return undefined;
      const conversationId = bindConversation(current.productId, session.id, current.userId, undefined);
      return { ...current, sessionRef: session.id, sessionKey: session.sessionKey, reason: "followed", conversationId };
    },

    /** The verified owner of a session (null when anonymous or locked), for following activity. */
    ownerOf(sessionRef: number): string | null {
      return repos.sessions.findById(sessionRef)?.ownerId || null;
    },
  };
}

export type SessionAccess = ReturnType<typeof createSessionAccess>;
