/**
 * The chart series read time ranges by id (a binary search over ids, no time index): over a real SQLite
 * file with gaps in the ids (retention deletes) and several products, every bucket must hold exactly what a
 * plain scan of the table counts.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BucketRange } from "../../db/activity-series.repository.js";
import { openDatabase, type Db } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createRepositories, type SyncRepositories } from "../../db/repositories.js";
import { resolvePaths } from "../../server/paths.js";
import { tempDir } from "../helpers/test-server.js";

const T = 1_764_000_000_000;
let dir: string;
let db: Db;
let repos: SyncRepositories;
let refs: number[];

beforeAll(() => {
  dir = tempDir();
  db = openDatabase(path.join(dir, "series.db"));
  migrate(db, resolvePaths().migrationsDir);
  repos = createRepositories(db);
  for (const id of ["a", "b"]) {
    repos.products.save({ id, name: id, pushSecret: "p", streamTokenHash: "00", productKey: `pk_series_${id}`, identitySecret: null, posthogSecret: "h", allowedOrigins: [], createdAt: 0, updatedAt: 0 });
  }
  refs = ["a", "a", "b"].map((productId, i) => repos.sessions.touch({ productId, sessionKey: `s${i}`, userId: null, email: null, now: T }));
  // 600 actions over 10 minutes, received in id order (as ingestion stores them), several per millisecond-step.
  let dedupeKey = 0n;
  db.transaction(() => {
    for (let i = 0; i < 600; i++) {
      const receivedAt = T + Math.floor(i / 3) * 3_000 + (i % 3);
      repos.actions.insertNew([{
        sessionRef: refs[i % refs.length]!, dedupeKey: dedupeKey++, batchIndex: 0, type: "click", title: "t", description: "d",
        canonicalUrl: "/", rawUrl: null, timestampStart: 0, timestampEnd: 0, userId: null, email: null, conversationId: null,
        source: "push", receivedAt,
      }]);
    }
  })();
  // Gaps: the oldest ids and a run in the middle, as retention leaves them.
  db.prepare("DELETE FROM actions WHERE id <= 40 OR id BETWEEN 300 AND 350").run();
});
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What a full scan counts per bucket. */
function scan(productId: string, r: BucketRange): number[] {
  const rows = db
    .prepare<[string], { receivedAt: number }>("SELECT a.received_at AS receivedAt FROM actions a JOIN sessions s ON s.id = a.session_ref WHERE s.product_id = ?")
    .all(productId);
  const out = new Array<number>(r.count).fill(0);
  for (const { receivedAt } of rows) {
    const b = Math.floor((receivedAt - r.start) / r.bucketMs);
    if (receivedAt >= r.start && b < r.count) out[b]!++;
  }
  return out;
}

function dense(rows: { bucket: number; n: number }[], count: number): number[] {
  const out = new Array<number>(count).fill(0);
  for (const r of rows) out[r.bucket] = r.n;
  return out;
}

describe("actionsPerBucket", () => {
  it("counts exactly what a scan counts, for any range, bucket size and product", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -120_000, max: 720_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom("a", "b"),
        (offset, bucketMs, count, productId) => {
          const r = { start: T + offset, bucketMs, count };
          expect(dense(repos.activitySeries.actionsPerBucket(productId, r), count)).toEqual(scan(productId, r));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("counts nothing before the first action or after the last", () => {
    expect(repos.activitySeries.actionsPerBucket("a", { start: T - 600_000, bucketMs: 60_000, count: 10 })).toEqual([]);
    expect(repos.activitySeries.actionsPerBucket("a", { start: T + 3_600_000, bucketMs: 60_000, count: 10 })).toEqual([]);
  });
});
