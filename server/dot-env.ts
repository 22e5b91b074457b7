import fs from "node:fs";
import path from "node:path";

/**
 * `.env` in the working directory, read with Node's own loader (Node ≥ 20.12) before the configuration:
 * the real environment wins over the file (a key already set is not replaced). Returns the file read, if any.
 * For the process entries (main.ts, credentials-main.ts) only.
 */
export function loadDotEnv(): string | undefined {
  const file = path.resolve(".env");
  if (!fs.existsSync(file)) return undefined;
  try {
    process.loadEnvFile(file);
  } catch (err) {
    process.stderr.write(`pilotlight: ${file} could not be read: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(78);
  }
  return file;
}
