/**
 * The push webhook authenticates before it parses (issue 11, finding #4): the product — and so the secret —
 * comes from a scan of the raw bytes, the signature is checked over them, and only a body that is authentic
 * is handed to JSON.parse. A sender without the secret therefore gets 401 whatever it sends.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rowCounts } from "../helpers/db-counts.js";
import { pilotlightHeaders } from "../helpers/signing.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

let server: TestServer;
const SECOND_SECRET = "second-push-secret-0123456789";
beforeAll(async () => {
  server = await startTestServer();
  await server.repos.products.save({ ...server.instance.defaultProduct, id: "second", productKey: "pk_second_0123456789", pushSecret: SECOND_SECRET });
});
afterAll(async () => {
  await server.close();
});

async function post(body: string, headers: Record<string, string>) {
  const res = await fetch(`${server.url}/v1/webhooks/actions`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string }; accepted?: number } };
}

const WRONG = "not-the-push-secret-0123456789";

describe("POST /v1/webhooks/actions authenticates before it parses", () => {
  let before: Record<string, number>;
  beforeEach(async () => {
    before = await rowCounts(server.sql);
  });

  const unauthentic: [string, string][] = [
    ["truncated JSON", '{"type":"actions","session_id":"s-x","actions":['],
    ["deeply nested, never closed", `{"type":"actions","pad":${"[".repeat(200_000)}`],
    ["deeply nested arrays as the whole body", `${"[".repeat(100_000)}${"]".repeat(100_000)}`],
    ["not JSON at all", "\u0000\u00ff garbage"],
  ];
  for (const [name, body] of unauthentic) {
    it(`answers 401 (not 400) to ${name} with a wrong signature, storing nothing`, async () => {
      const res = await post(body, pilotlightHeaders(body, WRONG));
      expect(res.status).toBe(401);
      expect(res.body.error?.code).toBe("bad_signature");
      expect(await rowCounts(server.sql)).toEqual(before);
    });
  }

  it("answers 401 to malformed JSON with no signature at all", async () => {
    const res = await post("{oops", { "content-type": "application/json" });
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe("missing_signature");
  });

  it("still answers 400 to malformed JSON that carries a valid signature", async () => {
    const body = '{"type":"actions",';
    const res = await post(body, pilotlightHeaders(body));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("malformed_json");
  });

  it("checks a body naming another product against that product's secret", async () => {
    const body = JSON.stringify({ type: "actions", product_id: "second", session_id: "s-second", actions: [{ title: "t", description: "d", canonical_url: "/" }] });
    expect((await post(body, pilotlightHeaders(body))).status).toBe(401);
    expect(await rowCounts(server.sql)).toEqual(before);
    const ok = await post(body, pilotlightHeaders(body, SECOND_SECRET));
    expect(ok).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
    expect(await server.repos.sessions.findByKey("second", "s-second")).toBeDefined();
  });

  it("reads product_id as JSON.parse does: the last duplicate wins, escaped keys count, numbers and padding are normalised", async () => {
    const action = '{"title":"t","description":"d","canonical_url":"/","timestamp_start":1}';
    const cases: [string, string][] = [
      [`{"product_id":"demo","type":"actions","session_id":"s-dup","product_id":"second","actions":[${action}]}`, "second"],
      [`{"type":"actions","session_id":"s-esc","product\\u005fid":"second","actions":[${action}]}`, "second"],
      [`{"type":"actions","session_id":"s-pad","product_id":"  second ","actions":[${action}]}`, "second"],
      [`{"type":"actions","session_id":"s-nested","meta":{"product_id":"second"},"actions":[${action}]}`, "demo"],
      [`{"type":"actions","session_id":"s-str","note":"\\"product_id\\":\\"second\\"","actions":[${action}]}`, "demo"],
      [`{"type":"actions","session_id":"s-null","product_id":null,"actions":[${action}]}`, "demo"],
    ];
    for (const [body, product] of cases) {
      const secret = product === "second" ? SECOND_SECRET : undefined;
      const res = await post(body, pilotlightHeaders(body, secret));
      expect({ body, status: res.status }).toEqual({ body, status: 202 });
      const sessionId = (JSON.parse(body) as { session_id: string }).session_id;
      expect(await server.repos.sessions.findByKey(product, sessionId)).toBeDefined();
    }
  });
});
