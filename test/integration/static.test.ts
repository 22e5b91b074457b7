import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, tempDir, type TestServer } from "../helpers/test-server.js";

let server: TestServer;
let dir: string;
const SCRIPT = "(function(){window.__captureLoaded=true})();\n//# sourceMappingURL=capture.js.map\n";

beforeAll(async () => {
  dir = tempDir("pilotlight-public-");
  fs.writeFileSync(path.join(dir, "capture.js"), SCRIPT);
  fs.writeFileSync(path.join(dir, "capture.js.map"), '{"version":3,"sources":[],"mappings":""}');
  server = await startTestServer({ publicDir: dir });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("GET /capture.js and /widget.js", () => {
  it("serves the bundle as JavaScript, embeddable from any origin, cached briefly with an ETag", async () => {
    const res = await fetch(`${server.url}/capture.js`, { headers: { origin: "https://shop.example.com" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/javascript/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(await res.text()).toBe(SCRIPT);

    const etag = res.headers.get("etag");
    expect(etag).toBeTruthy();
    // Plain http: fetch() adds Cache-Control: no-cache to conditional requests, which forbids a 304.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http.get(`${server.url}/capture.js`, { headers: { "if-none-match": etag! } }, (r) => {
        r.resume();
        resolve(r.statusCode);
      }).on("error", reject);
    });
    expect(status).toBe(304);
  });

  it("serves the source map as JSON without the script's CORS header", async () => {
    const res = await fetch(`${server.url}/capture.js.map`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a clear 404 for a bundle that has not been built, and nothing else from the directory", async () => {
    const res = await fetch(`${server.url}/widget.js`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error).toEqual({ code: "bundle_not_built", message: "widget.js has not been built: run npm run build" });
    fs.writeFileSync(path.join(dir, "secret.txt"), "no");
    expect((await fetch(`${server.url}/secret.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}/capture.js/../secret.txt`)).status).toBe(404);
  });
});
