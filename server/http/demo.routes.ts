/**
 * The demo product, "Acme Invoices", at `/` (DEMO_ENABLED): its pages are one SPA shell with the default
 * product's public key filled in, so capture.js and widget.js work with no configuration.
 */
import fs from "node:fs";
import path from "node:path";
import { Router } from "express";

export interface DemoRouteDeps {
  demoDir: string;
  publicDir: string;
  productKey: () => string;
}

const PAGES = ["/", "/dashboard", "/invoices", "/invoices/*splat", "/reports", "/settings/*splat"];

const escapeAttribute = (s: string) => s.replace(/[&"'<>]/g, (c) => `&#${c.charCodeAt(0)};`);

export function demoRoutes(deps: DemoRouteDeps): Router {
  const router = Router();
  const template = fs.readFileSync(path.join(deps.demoDir, "index.html"), "utf8");

  router.get(PAGES, (_req, res) => {
    res.type("html").set("Cache-Control", "no-cache").send(template.replaceAll("%PRODUCT_KEY%", escapeAttribute(deps.productKey())));
  });
  router.get("/demo/app.js", (_req, res, next) => {
    res.sendFile(path.join(deps.publicDir, "demo.js"), { headers: { "Cache-Control": "no-cache" } }, (err) => err && next());
  });
  router.get("/demo/demo.css", (_req, res, next) => {
    res.sendFile(path.join(deps.demoDir, "demo.css"), { headers: { "Cache-Control": "public, max-age=300" } }, (err) => err && next());
  });
  return router;
}
