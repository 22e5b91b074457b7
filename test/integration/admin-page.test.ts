/**
 * GET /admin: the HTML shell and its bundle, served with the demo off, under a CSP that allows no inline
 * script — so the shell must carry none.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, tempDir, type TestServer } from "../helpers/test-server.js";

let server: TestServer;
let dir: string;
const SCRIPT = "(()=>{document.title='admin'})();\n//# sourceMappingURL=admin.js.map\n";

beforeAll(async () => {
  dir = tempDir("pilotlight-admin-public-");
  fs.writeFileSync(path.join(dir, "admin.js"), SCRIPT);
  server = await startTestServer({ publicDir: dir, env: { DEMO_ENABLED: "false" } });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("GET /admin", () => {
  it("serves the page shell with the demo off: its script from the same origin, no inline script", async () => {
    const res = await fetch(`${server.url}/admin`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-robots-tag")).toBe("noindex");
    const html = await res.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toEqual(['<script src="/admin/admin.js" defer>']);
    expect(html).toMatch(/<script src="\/admin\/admin.js" defer><\/script>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    // The demo is off: its pages are not served.
    expect((await fetch(`${server.url}/dashboard`)).status).toBe(404);
  });

  it("serves the built bundle same-origin only, and a clear 404 for a file not built", async () => {
    const res = await fetch(`${server.url}/admin/admin.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(await res.text()).toBe(SCRIPT);
    const map = await fetch(`${server.url}/admin/admin.js.map`);
    expect(map.status).toBe(404);
    expect(((await map.json()) as { error: unknown }).error).toEqual({ code: "bundle_not_built", message: "admin.js.map has not been built: run npm run build" });
  });
});
