/**
 * The admin page: `GET /admin` serves an HTML shell with no inline script (the CSP allows only same-origin
 * scripts), whose script `/admin/admin.js` is the esbuild `admin` bundle. The page holds no data and no
 * secret; it asks for the admin token and reads the /v1/admin/* endpoints with it. Served whether or not
 * the demo is enabled.
 */
import fs from "node:fs";
import path from "node:path";
import { Router, type RequestHandler } from "express";
import { NotFoundError } from "../errors.js";

export interface AdminPageRouteDeps {
  adminDir: string;
  publicDir: string;
}

/** A built file, revalidated on every load (ETag) so a deploy shows at once; a clear 404 when not built. */
function bundleFile(publicDir: string, file: string, type: string): RequestHandler {
  return (_req, res, next) => {
    res.sendFile(path.join(publicDir, file), { etag: true, lastModified: true, headers: { "Content-Type": type, "Cache-Control": "no-cache" } }, (err?: Error & { code?: string; status?: number }) => {
      if (!err) return;
      if (err.code === "ENOENT" || err.status === 404) {
        next(new NotFoundError("bundle_not_built", `${file} has not been built: run npm run build`));
        return;
      }
      if (!res.headersSent) next(err);
    });
  };
}

export function adminPageRoutes(deps: AdminPageRouteDeps): Router {
  const router = Router();
  const page = fs.readFileSync(path.join(deps.adminDir, "index.html"), "utf8");
  router.get("/admin", (_req, res) => {
    res.type("html").set({ "Cache-Control": "no-cache", "X-Robots-Tag": "noindex" }).send(page);
  });
  router.get("/admin/admin.js", bundleFile(deps.publicDir, "admin.js", "application/javascript; charset=utf-8"));
  router.get("/admin/admin.js.map", bundleFile(deps.publicDir, "admin.js.map", "application/json; charset=utf-8"));
  return router;
}
