/**
 * Showing and rotating credentials (`npm run credentials`). Keys both sides must know — the public product
 * key and the HMAC secrets (push, identity, PostHog) — are shown. Tokens the server only verifies (the admin
 * token, stream tokens) are never shown again after they are generated: they are stored as hashes, so the
 * only way to a known value is to rotate one, which stores its hash and prints the new value once. A value
 * pinned in the environment (or .env) cannot be rotated here: it would come back at the next start.
 */
import type { Product } from "../../db/product.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { Config } from "../config.js";
import { ADMIN_TOKEN_HASH_SETTING } from "./bootstrap-instance.js";
import { generateSecret, hashToken } from "./secrets.js";

export const PRODUCT_CREDENTIALS = {
  PRODUCT_KEY: { field: "productKey", prefix: "pk", shown: true, what: "public key: data-product-key of capture.js and widget.js" },
  PUSH_SECRET: { field: "pushSecret", prefix: "plps", shown: true, what: "HMAC secret of POST /v1/webhooks/actions" },
  IDENTITY_SECRET: { field: "identitySecret", prefix: "plid", shown: true, what: "HMAC secret of the widget's userHash (keep it on your server)" },
  POSTHOG_SECRET: { field: "posthogSecret", prefix: "plph", shown: true, what: "X-PostHog-Secret of POST /v1/webhooks/posthog" },
  STREAM_TOKEN: { field: "streamTokenHash", prefix: "plst", shown: false, what: "bearer token of GET /v1/stream/:productId" },
} as const;

export type CredentialKey = keyof typeof PRODUCT_CREDENTIALS | "ADMIN_TOKEN";
export const CREDENTIAL_KEYS: readonly CredentialKey[] = [...(Object.keys(PRODUCT_CREDENTIALS) as CredentialKey[]), "ADMIN_TOKEN"];

export class CredentialsError extends Error {}

const HIDDEN = "(not shown: rotate it to get a new value, printed once)";

function pinned(config: Config, key: CredentialKey, product: Product | undefined): boolean {
  const isDefault = product === undefined || product.id === config.PRODUCT_ID;
  return isDefault && Boolean(config[key]);
}

/** The credentials report: every product (or one), then the instance's admin token. */
export async function describeCredentials(deps: { repos: RepositoryPorts; config: Config }, productId?: string): Promise<string> {
  const products = productId ? [await deps.repos.products.findById(productId)].filter((p): p is Product => p !== undefined) : await deps.repos.products.list();
  if (productId && products.length === 0) throw new CredentialsError(`no product ${JSON.stringify(productId)} (known: ${(await deps.repos.products.list()).map((p) => p.id).join(", ")})`);
  const lines: string[] = [];
  const width = Math.max(...CREDENTIAL_KEYS.map((k) => k.length), "ALLOWED_ORIGINS".length);
  const row = (key: string, value: string, note = "") => `  ${key.padEnd(width)}  ${value}${note ? `  — ${note}` : ""}`;
  for (const p of products) {
    lines.push(`Product "${p.id}"${p.id === deps.config.PRODUCT_ID ? " (the default product)" : ""}`);
    for (const [key, c] of Object.entries(PRODUCT_CREDENTIALS)) {
      const value = p[c.field];
      const pin = pinned(deps.config, key as CredentialKey, p) ? "set in the environment; " : "";
      lines.push(row(key, c.shown ? (value ?? "(none)") : HIDDEN, `${pin}${c.what}`));
    }
    lines.push(row("ALLOWED_ORIGINS", p.allowedOrigins.join(",") || "(none: only pages served by Pilotlight itself)"));
    lines.push("");
  }
  lines.push("Instance");
  lines.push(row("ADMIN_TOKEN", HIDDEN, `${pinned(deps.config, "ADMIN_TOKEN", undefined) ? "set in the environment; " : ""}bearer token of /admin and /v1/admin/*`));
  return lines.join("\n");
}

/** Generates and stores a new value; returns it (the caller prints it once). */
export async function rotateCredential(deps: { repos: RepositoryPorts; config: Config; now: number }, key: string, productId: string = deps.config.PRODUCT_ID): Promise<string> {
  if (!CREDENTIAL_KEYS.includes(key as CredentialKey)) throw new CredentialsError(`unknown credential ${JSON.stringify(key)}; one of ${CREDENTIAL_KEYS.join(", ")}`);
  const product = key === "ADMIN_TOKEN" ? undefined : await deps.repos.products.findById(productId);
  if (key !== "ADMIN_TOKEN" && !product) throw new CredentialsError(`no product ${JSON.stringify(productId)}`);
  if (pinned(deps.config, key as CredentialKey, product)) {
    throw new CredentialsError(`${key} is set in the environment (or .env): change it there and restart Pilotlight`);
  }
  if (key === "ADMIN_TOKEN") {
    const value = generateSecret("pladm");
    await deps.repos.settings.set(ADMIN_TOKEN_HASH_SETTING, hashToken(value));
    return value;
  }
  const c = PRODUCT_CREDENTIALS[key as keyof typeof PRODUCT_CREDENTIALS];
  const value = generateSecret(c.prefix);
  await deps.repos.products.save({ ...product!, [c.field]: c.shown ? value : hashToken(value), updatedAt: deps.now });
  return value;
}
