/**
 * The storage port: every repository behind an async interface, so use cases run unchanged on the embedded
 * SQLite file (db/sqlite/) or on PostgreSQL (DATABASE_URL). Use cases see a `Store`, never a driver.
 *
 * The method shapes are the SQLite repositories' own (their ReturnType, below), each made to return a promise
 * of what it returned. An adapter must keep each method's meaning, including:
 * - `actions.insertNew` reports only newly stored rows (dedupe by (session_ref, dedupe_key)), in input order;
 * - `eventLog.append` ids grow with commit order (the outbound stream's cursor);
 * - `conversations.link` keeps an existing link (first writer wins) and returns the link in force;
 * - `attempts.assign` keeps the first assignment; `summaries.insert` is undefined for a duplicate.
 *
 * Reshaped methods: none. Every SQLite repository method already takes plain values and returns plain values
 * (no iterators, prepared statements or callbacks), so `AsyncOf` maps each one as it is.
 *
 * Additions to the shape in the brief, and why:
 * - `Transaction` (what `transaction()`/`write()` hand to their callback) is `RepositoryPorts` plus a nested
 *   `transaction()` (a savepoint). Code reached from inside a transaction only holds `tx`; calling the root
 *   store from there would wait for the very transaction it runs in (the connection is held), so nesting has
 *   to be reachable through `tx`. A callback typed `(tx: RepositoryPorts) => …` still fits.
 * - `schemaVersion()`: readiness (/readyz) reports it and must fail once the store is closed; rejects then.
 */
import type { ActionRepository } from "./action.repository.js";
import type { ActivitySeriesRepository } from "./activity-series.repository.js";
import type { AdminFeedRepository } from "./admin-feed.repository.js";
import type { AdminSearchRepository } from "./admin-search.repository.js";
import type { AttemptRepository } from "./attempt.repository.js";
import type { ConversationRepository } from "./conversation.repository.js";
import type { EventLogRepository } from "./event-log.repository.js";
import type { GateRepository } from "./gate.repository.js";
import type { LiftRepository } from "./lift.repository.js";
import type { MessageRepository } from "./message.repository.js";
import type { ProductRepository } from "./product.repository.js";
import type { RetentionRepository } from "./retention.repository.js";
import type { SessionRepository } from "./session.repository.js";
import type { SettingsRepository } from "./settings.repository.js";
import type { SuggestionRepository } from "./suggestion.repository.js";
import type { SummaryRepository } from "./summary.repository.js";
import type { UserSessionRepository } from "./user-session.repository.js";
import type { WorkflowRepository } from "./workflow.repository.js";

export type {
  ActionRepository, ActivitySeriesRepository, AdminFeedRepository, AdminSearchRepository, AttemptRepository,
  ConversationRepository, EventLogRepository, GateRepository, LiftRepository, MessageRepository, ProductRepository,
  RetentionRepository, SessionRepository, SettingsRepository, SuggestionRepository, SummaryRepository,
  UserSessionRepository, WorkflowRepository,
};

/** A repository's methods, each returning a promise of what the SQLite implementation returns. */
export type AsyncOf<R> = { [K in keyof R]: R[K] extends (...a: infer A) => infer T ? (...a: A) => Promise<Awaited<T>> : never };

export interface RepositoryPorts {
  products: AsyncOf<ProductRepository>;
  settings: AsyncOf<SettingsRepository>;
  sessions: AsyncOf<SessionRepository>;
  actions: AsyncOf<ActionRepository>;
  summaries: AsyncOf<SummaryRepository>;
  conversations: AsyncOf<ConversationRepository>;
  messages: AsyncOf<MessageRepository>;
  userSessions: AsyncOf<UserSessionRepository>;
  suggestions: AsyncOf<SuggestionRepository>;
  gates: AsyncOf<GateRepository>;
  retention: AsyncOf<RetentionRepository>;
  eventLog: AsyncOf<EventLogRepository>;
  adminFeed: AsyncOf<AdminFeedRepository>;
  activitySeries: AsyncOf<ActivitySeriesRepository>;
  workflows: AsyncOf<WorkflowRepository>;
  adminSearch: AsyncOf<AdminSearchRepository>;
  attempts: AsyncOf<AttemptRepository>;
  lift: AsyncOf<LiftRepository>;
}

/** The repositories of one open transaction. */
export interface Transaction extends RepositoryPorts {
  /** A savepoint inside this transaction: `fn` throwing rolls back its own writes only (and rethrows). */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

export interface Store extends RepositoryPorts {
  readonly dialect: "sqlite" | "postgres";
  /**
   * One transaction; repositories reached through `tx` belong to it. Nested calls (`tx.transaction`) become
   * savepoints. Calls on the store itself (not `tx`) made meanwhile do not join it: they wait (SQLite, one
   * connection) or run on another connection (PostgreSQL).
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Group commit: writes queued in one event-loop turn share one transaction; resolves after the commit.
   * A piece that throws rolls back alone (rejecting its own promise). A piece may be run twice (the group is
   * retried with a savepoint per piece after a failure), so it must have no effects outside the database.
   */
  write<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * A job's transaction — reads that must agree and the few writes that follow from them, off the request path
   * (an evaluation's reads and user memory's sync). Where it runs is the adapter's call: SQLite has one
   * connection and one writer, so it is a piece of the group commit (no commit of its own; the same rules as
   * `write`); PostgreSQL runs it as a transaction of its own on the pool, outside the group commit, whose
   * groups go one at a time under the event-log lock that ingests need (measured: evaluations queued behind
   * ingest groups there took push → suggestion from 11 to 33 ms at p50).
   */
  job<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * True when a job is a piece of the group commit (SQLite): it may then also make the writes that would
   * otherwise be a `write` of their own, in the same piece — an evaluation whose models do no I/O is then one
   * piece, reads and writes. False (PostgreSQL): a job is a transaction of its own, outside the group, and
   * writes that append to the event log belong in `write`, whose groups take the event-log lock first.
   */
  readonly jobsJoinGroupCommit: boolean;
  /** The schema version the database is at (the latest migration applied); rejects once closed. */
  schemaVersion(): Promise<number>;
  /** Commits the writes already queued, then refuses new ones and closes the connection(s). */
  close(): Promise<void>;
}

/** One repository's port, for use cases that need only it. */
export type AsyncProductRepository = RepositoryPorts["products"];
export type AsyncSettingsRepository = RepositoryPorts["settings"];
export type AsyncEventLogRepository = RepositoryPorts["eventLog"];
export type AsyncRetentionRepository = RepositoryPorts["retention"];
