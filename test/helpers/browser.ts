/**
 * Launches the system's Chromium (Debian's `chromium`) through playwright-core — never a downloaded
 * browser. CHROMIUM_PATH overrides the executable.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const ARTIFACTS = path.join(ROOT, "artifacts", "e2e");

/** Chromium for tests of a built browser bundle (`dist/public/<bundle>.js`), with the screenshot folder ready. */
export async function launchForBundle(bundle: string): Promise<Browser> {
  const file = path.join(ROOT, "dist", "public", `${bundle}.js`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run build (npm run test:e2e does)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return launchChromium();
}
