/**
 * Structured logging through pino. The logger is created once in main.ts (or a test) and injected;
 * redaction is a second line of defence — code never passes secrets to it on purpose.
 */
import { pino, type Logger } from "pino";

export type { Logger };

/** Field paths that may hold credentials if a request or config object is ever logged whole. */
const REDACT_PATHS = [
  "req.headers.authorization",
  'req.headers["x-connector-signature"]',
  'req.headers["x-pilotlight-signature"]',
  'req.headers["x-posthog-secret"]',
  "*.secret",
  "*.token",
  "*.apiKey",
  "*.pushSecret",
  "*.streamToken",
  "*.streamTokenHash",
  "*.identitySecret",
  "*.posthogSecret",
  "*.productKey",
  "*.adminToken",
  "*.adminTokenHash",
  "config.ADMIN_TOKEN",
  "config.PUSH_SECRET",
  "config.STREAM_TOKEN",
  "config.IDENTITY_SECRET",
  "config.POSTHOG_SECRET",
  "config.PRODUCT_KEY",
  "config.CONNECTOR_TOKEN",
  "config.OPENAI_API_KEY",
];

export function createLogger(options: { level: string; pretty?: boolean }): Logger {
  return pino({
    level: options.level,
    base: { service: "pilotlight" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    ...(options.pretty
      ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss.l" } } }
      : {}),
  });
}

/** A logger that discards everything; handy for benchmarks. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
