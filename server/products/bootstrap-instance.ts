/**
 * First-start provisioning: makes sure the default product and the admin token exist — and, with the demo
 * on, the demo product (`demo`), which is the default product unless PRODUCT_ID names another, so an
 * integrator's own product never shares the demo's workflows. Values given in the environment win (for the
 * default product); anything not given is taken from the database, or generated, stored, and reported back
 * so main.ts can print it once. Bearer tokens (admin, stream) are stored as hashes only: a generated one
 * can be shown on the start that generated it, never again (rotate it to get a new one).
 */
import crypto from "node:crypto";
import type { Product } from "../../db/product.repository.js";
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { generateSecret, hashToken } from "./secrets.js";

export interface GeneratedSecret {
  /** The environment key an operator would set to pin this value. */
  key: string;
  value: string;
}

export interface Instance {
  /** SHA-256 (hex) of the admin token. */
  adminTokenHash: string;
  /** Signs conversation tokens; internal, generated once and never shown. */
  conversationTokenSecret: string;
  /** Keys server-made session ids (PostHog events without `$session_id`); derived from the stored secret. */
  sessionKeySecret: string;
  defaultProduct: Product;
  /** The product the built-in demo runs as (DEMO_ENABLED); the default product when PRODUCT_ID is `demo`. */
  demoProduct: Product | undefined;
  generated: GeneratedSecret[];
}

export const DEMO_PRODUCT_ID = "demo";

export const ADMIN_TOKEN_HASH_SETTING = "admin_token_sha256";
const CONVERSATION_TOKEN_SECRET_SETTING = "conversation_token_secret";

export function bootstrapInstance(deps: { config: Config; repos: Repositories; clock: Clock }): Instance {
  const { config, repos, clock } = deps;
  return repos.transaction(() => {
    const generated: GeneratedSecret[] = [];
    const pick = (key: string, given: string | undefined, stored: string | undefined | null, prefix: string) => {
      if (given) return given;
      if (stored) return stored;
      const value = generateSecret(prefix);
      generated.push({ key, value });
      return value;
    };

    /** The hash of a bearer token: given (hashed), stored (already a hash), or generated (printed once). */
    const pickHash = (key: string, given: string | undefined, storedHash: string | undefined | null, prefix: string) => {
      if (given) return hashToken(given);
      if (storedHash) return storedHash;
      return hashToken(pick(key, undefined, undefined, prefix));
    };

    const storedAdmin = repos.settings.get(ADMIN_TOKEN_HASH_SETTING);
    const adminTokenHash = pickHash("ADMIN_TOKEN", config.ADMIN_TOKEN, storedAdmin, "pladm");
    if (!config.ADMIN_TOKEN && adminTokenHash !== storedAdmin) repos.settings.set(ADMIN_TOKEN_HASH_SETTING, adminTokenHash);

    let conversationTokenSecret = repos.settings.get(CONVERSATION_TOKEN_SECRET_SETTING);
    if (!conversationTokenSecret) {
      conversationTokenSecret = generateSecret("plct", 32);
      repos.settings.set(CONVERSATION_TOKEN_SECRET_SETTING, conversationTokenSecret);
    }

    const existing = repos.products.findById(config.PRODUCT_ID);
    const now = clock.now();
    const product: Product = {
      id: config.PRODUCT_ID,
      name: existing?.name ?? config.PRODUCT_ID,
      pushSecret: pick("PUSH_SECRET", config.PUSH_SECRET, existing?.pushSecret, "plps"),
      streamTokenHash: pickHash("STREAM_TOKEN", config.STREAM_TOKEN, existing?.streamTokenHash, "plst"),
      productKey: pick("PRODUCT_KEY", config.PRODUCT_KEY, existing?.productKey, "pk"),
      identitySecret: pick("IDENTITY_SECRET", config.IDENTITY_SECRET, existing?.identitySecret, "plid"),
      posthogSecret: pick("POSTHOG_SECRET", config.POSTHOG_SECRET, existing?.posthogSecret, "plph"),
      allowedOrigins: config.ALLOWED_ORIGINS ?? existing?.allowedOrigins ?? [],
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const changed =
      !existing ||
      (Object.keys(product) as (keyof Product)[]).some(
        (k) => k !== "updatedAt" && JSON.stringify(product[k]) !== JSON.stringify(existing[k]),
      );
    if (changed) repos.products.save(product);
    const defaultProduct = changed ? product : existing;

    let demoProduct: Product | undefined;
    if (config.DEMO_ENABLED) {
      demoProduct = product.id === DEMO_PRODUCT_ID ? defaultProduct : repos.products.findById(DEMO_PRODUCT_ID);
      if (!demoProduct) {
        // Its secrets are generated and stored, not printed: `npm run credentials -- --product demo` shows them
        // (its stream token only as a hash: rotate it to get one).
        demoProduct = {
          id: DEMO_PRODUCT_ID,
          name: "Acme Invoices (demo)",
          pushSecret: generateSecret("plps"),
          streamTokenHash: hashToken(generateSecret("plst")),
          productKey: generateSecret("pk"),
          identitySecret: generateSecret("plid"),
          posthogSecret: generateSecret("plph"),
          allowedOrigins: [],
          createdAt: now,
          updatedAt: now,
        };
        repos.products.save(demoProduct);
      }
    }
    // A separate key per use, so a value made with one can never stand in for the other.
    const sessionKeySecret = crypto.createHmac("sha256", conversationTokenSecret).update("pilotlight:session-key:v1").digest("base64url");
    return { adminTokenHash, conversationTokenSecret, sessionKeySecret, defaultProduct, demoProduct, generated };
  });
}
