import { Router } from "express";
import type { Readiness } from "../readiness.js";

export function healthRoutes(readiness: Readiness): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const { ready, checks } = await readiness.evaluate();
    const reasons = Object.entries(checks)
      .filter(([, s]) => !s.ok)
      .map(([name, s]) => `${name}: ${s.reason ?? "not ready"}`);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unready", ...(ready ? {} : { reason: reasons.join("; ") }), checks });
  });
  return router;
}
