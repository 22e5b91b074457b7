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
import type { RepositoryPorts, Store, Transaction } from "../../db/store.js";
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
  repos: Store;
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
  async function refusal(tx: RepositoryPorts, session: Session, userId: string | null, resumeId: string | undefined): Promise<AccessDeniedError | null> {
    if (session.ownerId !== null && session.ownerId !== userId) {
      return new AccessDeniedError("session_forbidden", "this session belongs to another user: start a new session (a new sessionId)");
    }
    const conversation = await mapping.conversationOf(session.id, tx);
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
  async function resumable(productId: string, userId: string | null, resume: JoinRequest["resume"]): Promise<Conversation | undefined> {
    if (!resume) return undefined;
    const conversation = await mapping.verifyResume(productId, resume.conversationId, resume.token);
    if (!conversation) throw new AccessDeniedError("invalid_conversation_token", "conversationToken is not valid for this conversation");
    if (conversation.userId !== null && conversation.userId !== userId) {
      throw new AccessDeniedError("invalid_conversation_token", "this conversation belongs to another user");
    }
    return conversation;
  }

  /** The user's most recently active session the widget may join, if any is active enough. */
  async function activeSession(tx: RepositoryPorts, productId: string, userId: string, resumeId: string | undefined): Promise<Session | undefined> {
    const since = clock.now() - deps.activeWindowMs;
    for (const ref of await tx.userSessions.recent(productId, userId, since, ACTIVE_CANDIDATES)) {
      const session = await tx.sessions.findById(ref.sessionRef);
      if (session && !(await refusal(tx, session, userId, resumeId))) return session;
    }
    return undefined;
  }

  /**
   * The conversation the session's widgets are in: its own; else the one being resumed; else, for a verified
   * user, their latest (cross-device resume). An anonymous conversation a verified user may enter (checked
   * before) becomes theirs.
   */
  async function bindConversation(
    tx: Transaction,
    productId: string,
    sessionRef: number,
    userId: string | null,
    resume: Conversation | undefined,
    defer: (announcement: () => void) => void,
  ): Promise<string | null> {
    const target = (await mapping.conversationOf(sessionRef, tx)) ?? resume ?? (userId ? await tx.conversations.latestForUser(productId, userId) : undefined);
    if (!target) return null;
    if (userId !== null && target.userId === null) await tx.conversations.claimForUser(target.id, userId);
    return (await mapping.resume(productId, sessionRef, target.id, defer, tx)).conversationId;
  }

  /** Runs `fn` in one transaction and makes the link announcements it deferred once that has committed. */
  async function inTransaction<T>(fn: (tx: Transaction, defer: (announcement: () => void) => void) => Promise<T>): Promise<T> {
    const later: (() => void)[] = [];
    const result = await repos.transaction((tx) => fn(tx, (a) => later.push(a)));
    for (const announcement of later) announcement();
    return result;
  }

  return {
    /** Decides whether a widget may connect and binds it. Throws AccessDeniedError (nothing written) when not. */
    async join(req: JoinRequest): Promise<Binding> {
      const { productId, userId } = req;
      if (userId === null && req.sessionKey === undefined) {
        throw new AccessDeniedError("invalid_auth", "sessionId is required: only a verified widget (userId with userHash) may leave the session to the server");
      }
      const resume = await resumable(productId, userId, req.resume);
      // Check, create, claim and link in one transaction: nothing written when refused, no race between checks.
      return inTransaction(async (tx, defer) => {
        let sessionKey: string;
        let reason: BindReason;
        if (req.sessionKey !== undefined) {
          const existing = await tx.sessions.findByKey(productId, req.sessionKey);
          const refused = existing && (await refusal(tx, existing, userId, resume?.id));
          if (refused) throw refused;
          [sessionKey, reason] = [req.sessionKey, "named"];
        } else {
          const active = await activeSession(tx, productId, userId!, resume?.id);
          [sessionKey, reason] = active ? [active.sessionKey, "active"] : [newSessionKey(), "new"];
        }
        const now = clock.now();
        const sessionRef = await tx.sessions.touch({ productId, sessionKey, userId, email: null, now });
        if (userId !== null) await claimSession(tx, { productId, sessionRef, ownerId: userId, now });
        const conversationId = await bindConversation(tx, productId, sessionRef, userId, resume, defer);
        return { productId, userId, sessionRef, sessionKey, reason, follows: req.sessionKey === undefined, conversationId };
      });
    },

    /**
     * A verified widget that follows its user moves into `sessionRef`, where the user has just been active.
     * Returns the new binding, or undefined when that session is not the user's to enter.
     */
    async follow(current: Binding, sessionRef: number): Promise<Binding | undefined> {
      if (!current.follows || current.userId === null || current.sessionRef === sessionRef) return undefined;
      const userId = current.userId;
      return inTransaction(async (tx, defer) => {
        const session = await tx.sessions.findById(sessionRef);
        if (!session || session.productId !== current.productId || session.ownerId !== userId || (await refusal(tx, session, userId, undefined))) return undefined;
        const conversationId = await bindConversation(tx, current.productId, session.id, userId, undefined, defer);
        return { ...current, sessionRef: session.id, sessionKey: session.sessionKey, reason: "followed" as const, conversationId };
      });
    },

    /** The verified owner of a session (null when anonymous or locked), for following activity. */
    async ownerOf(sessionRef: number): Promise<string | null> {
      return (await repos.sessions.findById(sessionRef))?.ownerId || null;
    },
  };
}

export type SessionAccess = ReturnType<typeof createSessionAccess>;
