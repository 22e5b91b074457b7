import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createSqliteStore } from "../../db/sqlite/sqlite-store.js";
import { createSilentLogger } from "../../server/logger.js";
import { describeStoreContract } from "./store.contract.js";

describeStoreContract("SQLite", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-contract-"));
  const db = openDatabase(path.join(dir, "contract.db"));
  migrate(db, path.resolve(import.meta.dirname, "../../db/migrations"));
  const store = createSqliteStore(db, { logger: createSilentLogger() });
  return {
    store,
    async close() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
