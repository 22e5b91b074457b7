/**
 * Baseline for the ingest bench: bare express + express.json + a zod schema of the same payload + one
 * SQLite insert per request, with the same pragmas as Pilotlight. The floor any ingest endpoint pays.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import express from "express";
import { z } from "zod";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-baseline-"));
const db = new Database(path.join(dir, "baseline.db"));
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, session_id TEXT NOT NULL, body TEXT NOT NULL)");
const insert = db.prepare("INSERT INTO events (session_id, body) VALUES (?, ?)");

const Payload = z.object({
  type: z.literal("actions"),
  session_id: z.string(),
  forwarded_at: z.number().optional(),
  actions: z.array(
    z.object({
      type: z.string(),
      title: z.string().max(500),
      description: z.string().max(2000),
      canonical_url: z.string(),
      timestamp_start: z.number().optional(),
    }),
  ),
});

const app = express();
app.use(express.json({ limit: "1mb" }));
app.post("/v1/webhooks/actions", (req, res) => {
  const parsed = Payload.safeParse(req.body);
  if (!parsed.success) {
    res.status(422).json({ error: parsed.error.issues });
    return;
  }
  insert.run(parsed.data.session_id, JSON.stringify(parsed.data));
  res.status(202).json({ accepted: parsed.data.actions.length, duplicates: 0 });
});

const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => {
  server.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
