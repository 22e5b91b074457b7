/**
 * Where the app's files live. Resolved from the package root, so the same code works from the TypeScript
 * sources (tsx, vitest) and from the esbuild bundle in dist/.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface AppPaths {
  root: string;
  migrationsDir: string;
  /** Built browser bundles (widget.js, capture.js). */
  publicDir: string;
  /** The demo product's static pages. */
  demoDir: string;
  /** The admin page's HTML shell (its script is the `admin` bundle in publicDir). */
  adminDir: string;
  /** Used when WORKFLOWS_PATH is not set. */
  defaultWorkflows: string;
}

export function findPackageRoot(from: string): string {
  let dir = path.dirname(fileURLToPath(from));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      const name = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name;
      if (name === "pilotlight") return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find Pilotlight's package.json above ${from}`);
    dir = parent;
  }
}

export function resolvePaths(root = findPackageRoot(import.meta.url)): AppPaths {
  return {
    root,
    migrationsDir: path.join(root, "db", "migrations"),
    publicDir: path.join(root, "dist", "public"),
    demoDir: path.join(root, "client", "demo"),
    adminDir: path.join(root, "client", "admin"),
    defaultWorkflows: path.join(root, "workflows.example.json"),
  };
}
