/**
 * A database that does not answer is a 503 with a retry hint, never a 500: checked with the real `pg` driver
 * failing to reach a port where nothing listens (no PostgreSQL needed).
 */
import net from "node:net";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "../../db/unavailable.js";
import { createSilentLogger } from "../../server/logger.js";
import { errorResponse } from "../../server/http/error-handler.js";

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("database unavailable", () => {
  it("a refused PostgreSQL connection answers 503 database_unavailable with Retry-After", async () => {
    const pool = new pg.Pool({ host: "127.0.0.1", port: await closedPort(), user: "postgres", database: "none", connectionTimeoutMillis: 2_000 });
    const err = await pool.query("SELECT 1").then(() => undefined, (e: unknown) => e);
    await pool.end();
    expect(isDatabaseUnavailable(err)).toBe(true);
    const res = errorResponse(err, "/v1/webhooks/actions", createSilentLogger());
    expect(res.status).toBe(503);
    expect(res.code).toBe("database_unavailable");
    expect(res.headers).toEqual([["Retry-After", "1"]]);
  });

  it("a server shutting down (57P01) and a dropped connection count; a constraint violation or a bug does not", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("x is undefined"))).toBe(false);
    expect(errorResponse(new TypeError("x is undefined"), "/", createSilentLogger()).status).toBe(500);
  });
});
