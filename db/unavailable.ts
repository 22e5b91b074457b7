/**
 * Whether an error means "the database is not reachable right now" (refused or dropped connection, a server
 * shutting down or not yet accepting connections, no connection slot free) rather than a bug or bad data.
 * Edges answer those with 503 and a retry hint instead of a 500: nothing was committed, and a retry after the
 * database is back succeeds. Matched by code: Node's socket errors and PostgreSQL's SQLSTATEs (class 08
 * connection exception, 57P01-57P03 shutdown / cannot connect now, 53300 too many connections), and the
 * `pg` driver's own messages for a connection that ended or never came.
 */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);
const DRIVER_MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/, /^Client has encountered a connection error/];

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  // An AggregateError (several addresses refused) carries the socket errors inside.
  if (err instanceof AggregateError && err.errors.some(isDatabaseUnavailable)) return true;
  return DRIVER_MESSAGES.some((re) => re.test(err.message));
}
