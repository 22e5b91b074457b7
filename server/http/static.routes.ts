/**
 * The browser bundles built into `paths.publicDir` by `npm run build`: `/capture.js`, `/widget.js` and
 * their source maps. Scripts are embedded by other sites' pages, so they carry `Access-Control-Allow-Origin: *`
 * and a cross-origin resource policy; they are cached briefly and revalidated with their ETag, so a
 * deploy reaches pages within minutes.
 */
import path from "node:path";
import { Router, type RequestHandler } from "express";
import { NotFoundError } from "../errors.js";

export interface StaticRouteDeps {
  publicDir: string;
}

const BUNDLES = ["capture", "widget"] as const;
const CACHE_MS = 5 * 60 * 1000;

function serve(publicDir: string, file: string, script: boolean): RequestHandler {
  const headers: Record<string, string> = {
    "Content-Type": script ? "application/javascript; charset=utf-8" : "application/json; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
    ...(script ? { "Access-Control-Allow-Origin": "*" } : {}),
  };
  return (_req, res, next) => {
    res.sendFile(path.join(publicDir, file), { maxAge: CACHE_MS, etag: true, lastModified: true, headers }, (err?: Error & { code?: string; status?: number }) => {
      if (!err) return;
      if (err.code === "ENOENT" || err.status === 404) {
        next(new NotFoundError("bundle_not_built", `${file} has not been built: run npm run build`));
        return;
      }
      // The client went away mid-transfer; there is nobody left to answer.
      if (res.headersSent) return;
      next(err);
    });
  };
}

export function staticRoutes(deps: StaticRouteDeps): Router {
  const router = Router();
  for (const name of BUNDLES) {
    router.get(`/${name}.js`, serve(deps.publicDir, `${name}.js`, true));
    router.get(`/${name}.js.map`, serve(deps.publicDir, `${name}.js.map`, false));
  }
  return router;
}
