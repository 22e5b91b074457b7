/**
 * Configuration: parsed once from the environment with zod, frozen, and rejected as a whole —
 * every bad key named in one error — so a misconfigured deploy fails at start-up, not at 3 a.m.
 */
import { z } from "zod";

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

export const ConfigSchema = z
  .object({
    NODE_ENV: z.preprocess(emptyToUndefined, z.enum(["development", "production", "test"]).default("development")),
    PORT: int(3000, 0, 65535),
    HOST: z.preprocess(emptyToUndefined, z.string().default("127.0.0.1")),
    DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default("./data/pilotlight.db")),
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
        .regex(/^[A-Za-z0-9_-]{8,128}$/, "must be 8–128 letters, digits, '_' or '-'")
        .optional(),
    ),
    ALLOWED_ORIGINS: originList,

    /** Request bodies above this many bytes are refused with 413 (PROTOCOL.md §2.1: default 1 MiB). */
    MAX_BODY_BYTES: int(1024 * 1024, 1024, 64 * 1024 * 1024),
    /** How far the `t=` of an X-Pilotlight-Signature may be from now. */
    SIGNATURE_TOLERANCE_S: int(300, 1, 86_400),
    /** How many of a session's latest unsummarised actions make its context window. */
    CONTEXT_WINDOW_ACTIONS: int(50, 1, 1000),
    /** How long in-flight requests may take to finish after SIGTERM before their sockets are cut. */
    SHUTDOWN_GRACE_MS: int(10_000, 0, 120_000),

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
  })
  .superRefine((c, ctx) => {
    if (c.CONNECTOR_URL && !c.CONNECTOR_TOKEN) {
      ctx.addIssue({ code: "custom", path: ["CONNECTOR_TOKEN"], message: "is required when CONNECTOR_URL is set" });
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
