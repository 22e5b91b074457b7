import { afterEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { rowCounts } from "../helpers/db-counts.js";
import { fixtureJson, fixtureText } from "../helpers/fixtures.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { startTestServer, tempDir } from "../helpers/test-server.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("restart on the same database file", () => {
  it("keeps actions, summaries, products and dedupe state", async () => {
    dir = tempDir();
    const databasePath = path.join(dir, "pilotlight.db");

    const first = await startTestServer({ databasePath });
    expect((await pushEvent(first.url, fixtureJson("autoplay-actions.json"))).body).toEqual({ accepted: 4, duplicates: 0 });
    expect((await pushEvent(first.url, fixtureJson("autoplay-minimal.json"))).body).toEqual({ accepted: 1, duplicates: 0 });
    const countsBefore = await rowCounts(first.sql);
    const productBefore = await first.repos.products.findById("demo");
    await first.close();

    const second = await startTestServer({ databasePath });
    try {
      expect(await rowCounts(second.sql)).toEqual(countsBefore);
      expect(await second.repos.products.findById("demo")).toEqual(productBefore);
      // Re-delivery after the restart is still recognised as a duplicate.
      expect((await pushEvent(second.url, fixtureJson("autoplay-actions.json"), "connector")).body).toEqual({ accepted: 0, duplicates: 4 });
      const res = await fetch(`${second.url}/v1/sessions/ps_7f3a9c/context`, { headers: adminHeaders });
      expect(((await res.json()) as { text: string }).text).toBe(fixtureText("autoplay-actions.txt"));
    } finally {
      await second.close();
    }
  });
});
