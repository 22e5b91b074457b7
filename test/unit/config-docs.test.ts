import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigSchema } from "../../server/config.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const keys = Object.keys(ConfigSchema.shape);

describe("configuration documentation", () => {
  it("knows the keys", () => {
    expect(keys).toContain("PORT");
    expect(keys.length).toBeGreaterThan(40);
  });

  it("lists every key in .env.example", () => {
    const example = fs.readFileSync(path.join(ROOT, ".env.example"), "utf8");
    expect(keys.filter((k) => !new RegExp(`^#? ?${k}=`, "m").test(example))).toEqual([]);
  });

  it("documents every key in the README's configuration table", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 5));
    expect(keys.filter((k) => !table.includes(`\`${k}\``))).toEqual([]);
  });
});
