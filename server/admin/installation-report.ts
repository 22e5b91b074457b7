/**
 * `GET /v1/admin/installation`: what an integrator checks while embedding Pilotlight — the product's public
 * key and allowed origins, page origins seen in the last hour (allowed or refused, with the reason), the last
 * event per source, the connector's state and how many workflows the product has.
 */
import type { Product } from "../../db/product.repository.js";
import type { ConnectorClient } from "../ingest/connector-client.js";
import type { WorkflowCatalog } from "../workflows/workflow-catalog.js";
import type { InstallationMonitor } from "./installation-monitor.js";

const HOUR_MS = 3_600_000;
const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function installationReport(
  deps: { installation: InstallationMonitor; catalog: WorkflowCatalog; connector: ConnectorClient | undefined },
  product: Product,
  now: number,
) {
  const workflows = await deps.catalog.describe(product.id);
  const connector = deps.connector?.status();
  return {
    product_id: product.id,
    now: new Date(now).toISOString(),
    product_key: product.productKey,
    allowed_origins: product.allowedOrigins,
    origins: deps.installation.origins(product.id, now - HOUR_MS).map((o) => ({
      origin: o.origin,
      channel: o.channel,
      allowed: o.allowed,
      code: o.code,
      reason: o.reason,
      /** Null when the request named no known product key. */
      product_id: o.productId,
      count: o.count,
      first_seen_at: new Date(o.firstSeenAt).toISOString(),
      last_seen_at: new Date(o.lastSeenAt).toISOString(),
    })),
    sources: deps.installation.sources(product.id).map((s) => ({
      source: s.source,
      last_accepted_at: isoOrNull(s.lastAcceptedAt),
      last_session_id: s.lastSessionId,
      last_refused_at: isoOrNull(s.lastRefusedAt),
      last_refusal_code: s.lastRefusalCode,
      last_refusal_reason: s.lastRefusalReason,
    })),
    connector: connector ? { state: connector.state, url: connector.url, last_error: connector.lastError, fatal_reason: connector.fatalReason } : null,
    workflows: { count: workflows.workflows.length, origin: workflows.origin, updated_at: isoOrNull(workflows.updatedAt) },
  };
}
