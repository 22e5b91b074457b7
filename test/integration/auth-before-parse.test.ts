/**
 * Authenticate before parsing: an unauthenticated sender never gets the server to parse its body. The
 * observable proof is the status of a malformed or deeply nested body sent with bad credentials: 401 (the
 * secret or key was checked first), never 400 (it was parsed first).
 */
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_ORIGIN } from "../helpers/capture.js";
import { rowCounts } from "../helpers/db-counts.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { ALLOWED_ORIGINS: ALLOWED_ORIGIN } });
});
afterAll(async () => {
  await server.close();
});

const malformed = '{"event": {"uuid": "u-1", "event": "$pageview", ';
/** Nested arrays, `depth` deep: within the body limits of both routes at the depths used here. */
const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const deep = nested(200_000);
const deepBroken = `{"a":${"[".repeat(300_000)}`;
const captureDeep = nested(100_000);
const captureDeepBroken = `{"a":${"[".repeat(200_000)}`;

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${server.url}${path}`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

describe("POST /v1/webhooks/posthog checks the secret on the raw bytes before parsing them", () => {
  const wrong = { "content-type": "application/json", "x-posthog-secret": "not-the-secret-0123456789" };

  it.each([
    ["malformed JSON", malformed],
    ["deeply nested JSON", deep],
    ["deeply nested, broken JSON", deepBroken],
  ])("answers %s with a wrong secret 401, not 400, storing nothing", async (_what, body) => {
    const before = await rowCounts(server.sql);
    const res = await post("/v1/webhooks/posthog", body, wrong);
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe("bad_secret");
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("answers a missing secret 401 before looking at the body", async () => {
    const res = await post("/v1/webhooks/posthog", malformed, { "content-type": "application/json" });
    expect(res).toMatchObject({ status: 401, body: { error: { code: "missing_secret" } } });
  });

  it("still answers malformed JSON 400 once the secret (or its HMAC of the body) is right", async () => {
    expect((await post("/v1/webhooks/posthog", malformed, { ...wrong, "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET })).status).toBe(400);
    const hmac = crypto.createHmac("sha256", TEST_SECRETS.POSTHOG_SECRET).update(malformed).digest("hex");
    expect((await post("/v1/webhooks/posthog", malformed, { ...wrong, "x-posthog-secret": `sha256=${hmac}` })).status).toBe(400);
  });
});

describe("POST /v1/capture checks the product key on the raw bytes before parsing them", () => {
  const headers = { "content-type": "text/plain", origin: ALLOWED_ORIGIN };

  it.each([
    ["malformed JSON with an unknown key", '{"product_key":"pk_unknown_0123456789","events":[', "unknown_product_key"],
    ["deeply nested JSON with an unknown key", `{"product_key":"pk_unknown_0123456789","events":${captureDeep}}`, "unknown_product_key"],
    ["deeply nested JSON without a key", captureDeep, "missing_product_key"],
    ["broken JSON without a key", captureDeepBroken, "missing_product_key"],
  ])("answers %s 401, not 400, storing nothing", async (_what, body, code) => {
    const before = await rowCounts(server.sql);
    const res = await post("/v1/capture", body, headers);
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe(code);
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("answers malformed JSON 400 when the key is real", async () => {
    const res = await post("/v1/capture", `{"product_key":"${TEST_SECRETS.PRODUCT_KEY}","events":[`, headers);
    expect(res).toMatchObject({ status: 400, body: { error: { code: "malformed_json" } } });
  });
});
