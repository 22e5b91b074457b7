/**
 * Baseline for the ingest bench: the receiver a team would write in express to take the same webhook and
 * store nothing — `express.raw`, verify the X-Pilotlight-Signature HMAC (constant time), `JSON.parse`, no-op,
 * 202. Everything Pilotlight does beyond this (schema, dedupe, the SQLite commit, the event log, goals and
 * suggestions) is what the ratio against it prices.
 */
import crypto from "node:crypto";
import express from "express";

const secret = process.env.PUSH_SECRET ?? "";
const app = express();
app.disable("x-powered-by");
app.post("/v1/webhooks/actions", express.raw({ type: "application/json", limit: "1mb" }), (req, res) => {
  const raw = req.body as Buffer;
  const header = req.get("x-pilotlight-signature") ?? "";
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
  const expected = crypto.createHmac("sha256", secret).update(`${t}.`).update(raw).digest();
  if (!t || !v1 || Math.abs(Date.now() / 1000 - Number(t)) > 300 || !crypto.timingSafeEqual(expected, Buffer.from(v1, "hex"))) {
    res.status(401).json({ error: { code: "bad_signature", message: "signature does not match" } });
    return;
  }
  let body: { actions?: unknown[] };
  try {
    body = JSON.parse(raw.toString("utf8")) as { actions?: unknown[] };
  } catch {
    res.status(400).json({ error: { code: "malformed_json", message: "not JSON" } });
    return;
  }
  res.status(202).json({ accepted: Array.isArray(body.actions) ? body.actions.length : 0, duplicates: 0 });
});

const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
