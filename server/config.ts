/**
 * Configuration: parsed once from the environment with zod, frozen, and rejected as a whole —
 * every bad key named in one error — so a misconfigured deploy fails at start-up, not at 3 a.m.
 */
import { z } from "zod";
import { PRODUCT_KEY_PATTERN, PRODUCT_KEY_RULE } from "./products/product-key.js";
import { TRIGGER_CODES, type TriggerCode } from "./suggest/rule-notes.js";

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const optionalString = z.preprocess(emptyToUndefined, z.string().trim().min(1).optional());

/** A secret given by the operator; when absent it is generated on first start and stored. */
const optionalSecret = z.preprocess(
  emptyToUndefined,
  z.string().trim().min(16, "must be at least 16 characters").optional(),
);

const int = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));

const optionalUrl = z.preprocess(
  emptyToUndefined,
  z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .optional(),
);

/** A comma-separated list of trigger codes (TRIGGERS_DISABLED); unknown codes are refused by name. */
const triggerList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const codes = (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = codes.filter((c) => !(TRIGGER_CODES as readonly string[]).includes(c));
      if (unknown.length) {
        ctx.addIssue({ code: "custom", message: `unknown trigger ${unknown.map((c) => JSON.stringify(c)).join(", ")}; known: ${TRIGGER_CODES.join(", ")}` });
        return z.NEVER;
      }
      return codes as TriggerCode[];
    }),
);

const percent = (def: number) => z.preprocess(emptyToUndefined, z.coerce.number().min(0).max(100).default(def));

const originList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const origins = v.split(",").map((s) => s.trim()).filter(Boolean);
      for (const origin of origins) {
        if (origin === "*") continue;
        let parsed: URL;
        try {
          parsed = new URL(origin);
        } catch {
          ctx.addIssue({ code: "custom", message: `"${origin}" is not an origin like https://app.example.com` });
          return z.NEVER;
        }
        if (parsed.origin !== origin.replace(/\/$/, "")) {
          ctx.addIssue({ code: "custom", message: `"${origin}" must be a bare origin (scheme://host[:port]) without a path` });
          return z.NEVER;
        }
      }
      return origins.map((o) => o.replace(/\/$/, ""));
    }),
);

/** express's "trust proxy" setting: false | true | hop count | comma-separated addresses or subnets. */
const trustProxy = z.preprocess(
  (v) => {
    const s = emptyToUndefined(v);
    if (typeof s !== "string") return s;
    const t = s.trim().toLowerCase();
    if (t === "false") return false;
    if (t === "true") return true;
    if (/^\d+$/.test(t)) return Number(t);
    return s.trim();
  },
  z
    .union([
      z.boolean(),
      z.number().int().min(0).max(32),
      z
        .string()
        .regex(/^[\w.:/\[\]]+(\s*,\s*[\w.:/\[\]]+)*$/, "must be true, false, a hop count or comma-separated addresses/subnets"),
    ])
    .default(false),
);

export const ConfigSchema = z
  .object({
    NODE_ENV: z.preprocess(emptyToUndefined, z.enum(["development", "production", "test"]).default("development")),
    PORT: int(3000, 0, 65535),
    HOST: z.preprocess(emptyToUndefined, z.string().default("127.0.0.1")),
    DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default("./data/pilotlight.db")),
    // Server mode: when set, PostgreSQL holds everything and DATABASE_PATH is ignored. It may carry a password,
    // so it is validated by shape only and never echoed in an error.
    DATABASE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .trim()
        .refine((v) => {
          try {
            const u = new URL(v);
            return (u.protocol === "postgres:" || u.protocol === "postgresql:") && u.hostname !== "";
          } catch {
            return false;
          }
        }, "must be a postgres:// or postgresql:// URL with a host")
        .optional(),
    ),
    LOG_LEVEL: z.preprocess(
      emptyToUndefined,
      z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ),
    ADMIN_TOKEN: optionalSecret,

    PRODUCT_ID: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 letters, digits, '_' or '-'")
        .default("demo"),
    ),
    PUSH_SECRET: optionalSecret,
    STREAM_TOKEN: optionalSecret,
    IDENTITY_SECRET: optionalSecret,
    POSTHOG_SECRET: optionalSecret,
    PRODUCT_KEY: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(PRODUCT_KEY_PATTERN, `must be ${PRODUCT_KEY_RULE}`)
        .optional(),
    ),
    ALLOWED_ORIGINS: originList,
    /**
     * The origin users reach Pilotlight at (`https://pilot.example.com`; a path is ignored). With it, "same
     * origin" (a product without ALLOWED_ORIGINS) means this origin, not whatever Host header a client sends.
     */
    PUBLIC_URL: z.preprocess(
      emptyToUndefined,
      z
        .url({ protocol: /^https?$/, error: "must be an http(s) URL like https://pilot.example.com" })
        .transform((v) => new URL(v).origin)
        .optional(),
    ),

    /** Request bodies above this many bytes are refused with 413 (PROTOCOL.md §2.1: default 1 MiB). */
    MAX_BODY_BYTES: int(1024 * 1024, 1024, 64 * 1024 * 1024),
    /**
     * Body limit of POST /v1/capture, which anyone with the public product key can reach; capture.js
     * batches stay far below it.
     */
    CAPTURE_MAX_BODY_BYTES: int(256 * 1024, 1024, 16 * 1024 * 1024),
    /** How far the `t=` of an X-Pilotlight-Signature may be from now. */
    SIGNATURE_TOLERANCE_S: int(300, 1, 86_400),
    /** Senders' timestamps further ahead than this are recorded at receive time (a fast clock cannot make the engine spin). */
    CLIENT_CLOCK_SKEW_MS: int(300_000, 0, 86_400_000),
    /** How many of a session's latest unsummarised actions make its context window. */
    CONTEXT_WINDOW_ACTIONS: int(50, 1, 1000),
    /** How long in-flight requests may take to finish after SIGTERM before their sockets are cut. */
    SHUTDOWN_GRACE_MS: int(10_000, 0, 120_000),

    /** Conversation messages (before the question) that a chat reply sees. */
    CHAT_HISTORY_MESSAGES: int(20, 0, 200),
    /** Longest chat reply, in characters. */
    CHAT_MAX_REPLY_CHARS: int(2000, 100, 20_000),
    /** How far back a verified user's other sessions count as "recent" for chat context and resume. */
    USER_LOOKBACK_DAYS: int(30, 1, 365),
    /**
     * A verified widget that names no session is bound to its user's most recently active session when that
     * activity is at most this old (else to a fresh session).
     */
    USER_SESSION_ACTIVE_S: int(300, 1, 86_400),
    /** A suggestion no widget has received yet is shown to one that connects within this long, then expires. */
    SUGGESTION_TTL_S: int(600, 1, 7 * 86_400),
    /** Largest Socket.IO message a widget may send. */
    SOCKET_MAX_PAYLOAD_BYTES: int(64 * 1024, 1024, 1024 * 1024),
    /** Commands (any event) one widget connection may send per minute; 0 = off. */
    WIDGET_COMMANDS_PER_MIN: int(120, 0, 1_000_000),
    /** Commands all the widget connections of one conversation may send together per minute; 0 = off. */
    WIDGET_CONVERSATION_COMMANDS_PER_MIN: int(300, 0, 1_000_000),
    /** Chat messages one conversation may send per minute; 0 = off. */
    CHAT_MESSAGES_PER_MIN: int(12, 0, 1_000_000),
    /** LLM chat replies one conversation may cost per hour (with an LLM configured); 0 = off. */
    CHAT_MODEL_CALLS_PER_HOUR: int(60, 0, 1_000_000),
    /**
     * LLM calls public traffic from one client address may cause per hour — chat replies, and suggestions and
     * rolling summaries for sessions it captured, whatever sessions or conversations it opens (with an LLM
     * configured); over it the rules answer. 0 = off.
     */
    MODEL_CALLS_PER_ADDRESS_PER_HOUR: int(600, 0, 100_000_000),

    /** Serve the "Acme Invoices" demo product at `/`. Turn off in production. */
    DEMO_ENABLED: z.preprocess(emptyToUndefined, z.stringbool().default(true)),

    /** Bearer token protecting GET /metrics; unset = open, like most Prometheus exporters. */
    METRICS_TOKEN: optionalSecret,
    /**
     * Which proxies to trust for the client address (rate limits are keyed by it): `false` (default,
     * the socket's address), `true`, a hop count, or a comma-separated list of addresses/subnets.
     */
    TRUST_PROXY: trustProxy,
    /** Requests per minute per product and client address on server-to-server webhooks (push, PostHog); 0 = off. */
    RATE_LIMIT_WEBHOOK_PER_MIN: int(12_000, 0, 100_000_000),
    /** Requests per minute per product key and client address on browser-facing endpoints (capture, socket handshakes); 0 = off. */
    RATE_LIMIT_PUBLIC_PER_MIN: int(1_200, 0, 100_000_000),
    /**
     * Keys (product and client address, socket, conversation) each in-process rate limiter remembers at most;
     * past it the least recently seen is forgotten, so a flood of distinct clients cannot grow memory.
     */
    RATE_LIMIT_MAX_KEYS: int(100_000, 10, 10_000_000),

    /**
     * Server mode: a Redis shared by every instance (`redis://[:password@]host:port[/db]`, or `rediss://`) for
     * Socket.IO room fan-out, notifications, leader leases, locks and rate-limit counters. Unset: all in process.
     */
    REDIS_URL: z.preprocess(
      emptyToUndefined,
      z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).optional(),
    ),
    /** Starts every Redis key and channel of this deployment (deployments sharing one Redis use different ones). */
    REDIS_KEY_PREFIX: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^[A-Za-z0-9:_.\-]{1,64}$/, "must be 1-64 letters, digits or ':_.-'").default("pilotlight:"),
    ),
    /** Names this instance in leases and logs; default hostname-pid. */
    INSTANCE_ID: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^[A-Za-z0-9:_.\-]{1,128}$/, "must be 1-128 letters, digits or ':_.-'").optional(),
    ),
    /**
     * Leader lease TTL (retention, pruning, the connector, the suggestion sweep run on one instance): renewed
     * every third of it; a dead leader is replaced within about 1⅓ of it.
     */
    LEADER_LEASE_TTL_MS: int(15_000, 300, 600_000),

    /** Sessions (with their actions and summaries) not seen for this many days are purged; 0 = keep forever. */
    RETENTION_DAYS: int(30, 0, 36_500),
    /** How often the retention job runs (the first run comes after at most a minute). */
    RETENTION_INTERVAL_MS: int(3_600_000, 1_000, 7 * 86_400_000),
    /** Rows deleted per short transaction; the job yields to ingestion between batches. */
    RETENTION_BATCH_SIZE: int(500, 1, 100_000),

    CONNECTOR_URL: optionalUrl,
    CONNECTOR_TOKEN: optionalString,
    /** The upstream's heartbeat interval: no bytes for 3 of them means a dead connection (PROTOCOL.md §2.2). */
    CONNECTOR_HEARTBEAT_MS: int(30_000, 10, 3_600_000),
    /** Reconnect backoff: the first retry waits up to this long, doubling per failure (jittered down to half). */
    CONNECTOR_BACKOFF_BASE_MS: int(1_000, 1, 600_000),
    /** …and never longer than this. */
    CONNECTOR_BACKOFF_MAX_MS: int(30_000, 1, 3_600_000),

    /** `event: heartbeat` on every outbound stream this often (PROTOCOL.md §3.1). */
    STREAM_HEARTBEAT_MS: int(15_000, 10, 3_600_000),
    /** How long the outbound event log keeps events for Last-Event-ID replay. */
    STREAM_RETENTION_HOURS: int(24, 1, 24 * 366),
    /** A subscriber that falls this many bytes behind is disconnected (it resumes with Last-Event-ID). */
    STREAM_BUFFER_BYTES: int(1024 * 1024, 1024, 1024 * 1024 * 1024),
    /** The `retry:` reconnect delay every outbound stream announces to its clients. */
    STREAM_RETRY_MS: int(3_000, 10, 600_000),

    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: optionalUrl,
    OPENAI_MODEL: z.preprocess(emptyToUndefined, z.string().default("gpt-4o-mini")),
    LLM_TIMEOUT_MS: int(8000, 100, 120_000),
    SUGGESTER: z.preprocess(emptyToUndefined, z.enum(["auto", "rules", "llm"]).default("auto")),
    WORKFLOWS_PATH: optionalString,
    /** Retries the openai SDK makes on 408/409/429/5xx/connection errors (it honours retry-after). */
    LLM_MAX_RETRIES: int(2, 0, 10),
    /** Consecutive LLM failures that open the circuit breaker (rules are used while it is open). */
    BREAKER_FAILURES: int(3, 1, 100),
    /** How long the breaker stays open before one probe call is let through. */
    BREAKER_COOLDOWN_MS: int(30_000, 100, 3_600_000),
    /** Bounds of the recent-activity block in an LLM prompt. */
    PROMPT_MAX_ACTIONS: int(30, 1, 200),
    PROMPT_MAX_CHARS: int(4_000, 200, 50_000),

    /** Proactive suggestions on or off; off keeps chat (and its replies) working. */
    SUGGESTIONS_ENABLED: z.preprocess(emptyToUndefined, z.stringbool().default(true)),
    /** Trailing debounce of a session's activity before a suggestion is considered. */
    SUGGEST_DEBOUNCE_MS: int(1_200, 0, 60_000),
    /** A steady stream of activity still gets considered at least this often. */
    SUGGEST_MAX_WAIT_MS: int(5_000, 0, 600_000),
    /** Evaluations one session may get per minute; past it they wait for the next minute (a skip `evaluation_budget` is recorded). */
    SUGGEST_EVALUATIONS_PER_MIN: int(60, 1, 100_000),
    /** A quiet user on one page for this long is struggling (dwell), re-checked by a timer. */
    DWELL_MS: int(45_000, 100, 86_400_000),
    /** After a proactive suggestion (or the user's own interaction), how long the engine waits for engagement. */
    GATE_INTERACTION_TIMEOUT_MS: int(20_000, 0, 3_600_000),
    /** Minimum gap between two proactive suggestions of one session; each consecutive dismissal doubles it (×8 at most). */
    GATE_COOLDOWN_MS: int(60_000, 0, 86_400_000),
    /** No proactive suggestion within this long after the user's own chat message. */
    GATE_RECENT_MESSAGE_MS: int(5_000, 0, 3_600_000),
    /** A "typing" signal without a matching stop expires after this long (a closed tab never sends the stop). */
    GATE_TYPING_TTL_MS: int(15_000, 1_000, 600_000),
    /** Proactive suggestions one session may get per rolling hour. */
    SUGGESTIONS_PER_HOUR: int(6, 0, 1_000),
    /** A suggestion with the same (normalised) text is not shown again to a session within this window. */
    SUGGEST_REPEAT_WINDOW_MS: int(86_400_000, 0, 30 * 86_400_000),
    /** When a session has more unsummarised actions than this, the oldest fold into its rolling summary… */
    SUMMARY_THRESHOLD: int(40, 2, 10_000),
    /** …leaving this many recent actions in the window. */
    SUMMARY_KEEP_ACTIONS: int(20, 1, 10_000),

    /** A workflow attempt nothing touched for this long is abandoned. */
    MEMORY_ABANDON_AFTER_MS: int(1_800_000, 60_000, 7 * 86_400_000),
    /** Mastery: this many completed attempts… */
    MEMORY_MASTERY_COMPLETIONS: int(2, 1, 1_000),
    /** …or this many completed without struggle (no failed submit, rage click or dwell); 0 = only the count above. */
    MEMORY_MASTERY_CLEAN_COMPLETIONS: int(1, 0, 1_000),
    /** A user who masters every workflow they master within this many attempts gets no routine next-step nudges; 0 = off. */
    MEMORY_QUICK_MASTERY_ATTEMPTS: int(2, 0, 1_000),
    /** Behaviour triggers to turn off (comma-separated codes). */
    TRIGGERS_DISABLED: triggerList,
    /** repeated_failure: failures in one workflow since its last completion. */
    TRIGGER_FAILURES: int(3, 1, 1_000),
    /** returning_user: days away. */
    TRIGGER_RETURNING_DAYS: int(3, 1, 3_650),
    /** low_completion: unfinished attempts whose mean completion is below this… */
    TRIGGER_LOW_COMPLETION_PCT: percent(50),
    /** …at least this many of them. */
    TRIGGER_LOW_COMPLETION_ATTEMPTS: int(2, 1, 1_000),
    /** unfinished_workflow: the unfinished attempt got at least this far. */
    TRIGGER_UNFINISHED_MIN_PCT: percent(50),
    /** stall: no step for this long… */
    TRIGGER_STALL_MS: int(60_000, 1_000, 86_400_000),
    /** …and this many actions, while on the workflow's pages. */
    TRIGGER_STALL_ACTIONS: int(5, 1, 1_000),
    /** A session whose latest action arrived (or already was) older than this gets nothing proactive; 0 = never stale. */
    SUGGEST_STALE_AFTER_MS: int(1_800_000, 0, 30 * 86_400_000),
    /** After a completed workflow, the page it landed on stays quiet this long; 0 = off. */
    SUGGEST_COMPLETION_COOLDOWN_MS: int(120_000, 0, 86_400_000),
    /** Longest a user moving quickly through steps is left alone before the next step is suggested; 0 = off. */
    SUGGEST_PACE_HOLD_MAX_MS: int(15_000, 0, 600_000),
    /** Share of sessions (or users) whose suggestions are computed and stored but never shown. */
    SUGGEST_HOLDOUT_PCT: percent(0),
    /** What the holdout is drawn by: `user` (sticky per verified user; anonymous sessions by session) or `session`. */
    SUGGEST_HOLDOUT_UNIT: z.preprocess(emptyToUndefined, z.enum(["user", "session"]).default("user")),
    /** A suggestion is followed when its step is done within this long after it was shown. */
    LIFT_FOLLOW_WINDOW_MS: int(300_000, 1_000, 86_400_000),
  })
  .superRefine((c, ctx) => {
    if (c.CONNECTOR_URL && !c.CONNECTOR_TOKEN) {
      ctx.addIssue({ code: "custom", path: ["CONNECTOR_TOKEN"], message: "is required when CONNECTOR_URL is set" });
    }
    if (c.SUMMARY_KEEP_ACTIONS >= c.SUMMARY_THRESHOLD) {
      ctx.addIssue({ code: "custom", path: ["SUMMARY_KEEP_ACTIONS"], message: "must be smaller than SUMMARY_THRESHOLD" });
    }
    if (c.SUGGEST_MAX_WAIT_MS < c.SUGGEST_DEBOUNCE_MS) {
      ctx.addIssue({ code: "custom", path: ["SUGGEST_MAX_WAIT_MS"], message: "must be at least SUGGEST_DEBOUNCE_MS" });
    }
    if (c.CONNECTOR_BACKOFF_MAX_MS < c.CONNECTOR_BACKOFF_BASE_MS) {
      ctx.addIssue({ code: "custom", path: ["CONNECTOR_BACKOFF_MAX_MS"], message: "must not be below CONNECTOR_BACKOFF_BASE_MS" });
    }
    if (c.SUGGESTER === "llm" && !c.OPENAI_API_KEY && !c.OPENAI_BASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["SUGGESTER"],
        message: "is 'llm' but neither OPENAI_API_KEY nor OPENAI_BASE_URL is set",
      });
    }
  });

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment-like record. Throws ConfigError naming every bad key at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join(".") || "(config)";
      // Never echo the offending value: it may be a secret.
      return `${key}: ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  return Object.freeze(result.data);
}

/** Which suggestion model the configuration selects (PROTOCOL.md §5: `auto` = LLM when a key or URL is set). */
export function selectedSuggester(config: Config): "rules" | "llm" {
  if (config.SUGGESTER === "auto") return config.OPENAI_API_KEY || config.OPENAI_BASE_URL ? "llm" : "rules";
  return config.SUGGESTER;
}
