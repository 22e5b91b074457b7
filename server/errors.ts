/**
 * A small error hierarchy with stable codes. Edges (the express error middleware and the socket ack
 * helper) map these to `{code, message}`; anything else becomes `internal_error` and is logged, never echoed.
 */

export interface IssueDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: { issues?: IssueDetail[] },
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 400);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, issues: IssueDetail[]) {
    super("invalid_payload", message, 422, { issues });
  }
}

/** A query string that does not fit its schema: 422 naming every problem. */
export class InvalidQueryError extends AppError {
  constructor(message: string, issues: IssueDetail[]) {
    super("invalid_query", message, 422, { issues });
  }
}

export class UnauthorizedError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 403);
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 404);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super("payload_too_large", `request body exceeds the limit of ${limitBytes} bytes`, 413);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(got: string | undefined) {
    super(
      "unsupported_media_type",
      `Content-Type must be application/json${got ? ` (got ${JSON.stringify(got.slice(0, 100))})` : " (none was sent)"}`,
      415,
    );
  }
}

/** Why a call to the LLM failed, as our code sees it (the openai SDK's errors are mapped to these). */
export type LlmErrorCode =
  | "llm_timeout"
  | "llm_rate_limited"
  | "llm_unavailable"
  | "llm_rejected"
  | "llm_aborted"
  | "llm_invalid_output"
  /** Refused without a call: the circuit breaker is open. */
  | "llm_breaker_open";

const LLM_STATUS: Record<LlmErrorCode, number> = {
  llm_timeout: 504,
  llm_rate_limited: 503,
  llm_unavailable: 502,
  llm_rejected: 502,
  llm_aborted: 499,
  llm_invalid_output: 502,
  llm_breaker_open: 503,
};

export class LlmError extends AppError {
  constructor(
    override readonly code: LlmErrorCode,
    message: string,
    /** HTTP status the upstream answered with, when it answered. */
    readonly upstreamStatus?: number,
  ) {
    super(code, message, LLM_STATUS[code]);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    /** Seconds until the window resets; also sent as `Retry-After`. */
    readonly retryAfterS: number,
  ) {
    super("rate_limited", message, 429);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 503);
  }
}
