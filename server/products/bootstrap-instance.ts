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
import type { Store, Transaction } from "../../db/store.js";
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

/**
 * The default product as configured: environment values win, then what `existing` holds, then generated ones
 * (reported in `generated`). `changed`: it differs from `existing` (or there is none).
 */
function configuredProduct(config: Config, existing: Product | undefined, now: number) {
  const generated: GeneratedSecret[] = [];
  const pick = (key: string, given: string | undefined, stored: string | undefined | null, prefix: string) => {
    if (given) return given;
    if (stored) return stored;
    const value = generateSecret(prefix);
    generated.push({ key, value });
    return value;
  };
  const pickHash = (key: string, given: string | undefined, storedHash: string | undefined | null, prefix: string) => {
    if (given) return hashToken(given);
    if (storedHash) return storedHash;
    return hashToken(pick(key, undefined, undefined, prefix));
  };
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
    (Object.keys(product) as (keyof Product)[]).some((k) => k !== "updatedAt" && JSON.stringify(product[k]) !== JSON.stringify(existing[k]));
  return { product, changed, generated };
}

/** The same product settings (timestamps aside). */
const sameSettings = (a: Product, b: Product) =>
  (Object.keys(a) as (keyof Product)[]).every((k) => k === "createdAt" || k === "updatedAt" || JSON.stringify(a[k]) === JSON.stringify(b[k]));

/** The default product in force, stored (first writer wins when it is new), and the secrets generated for it here. */
async function provisionDefaultProduct(repos: Transaction, config: Config, now: number): Promise<{ product: Product; generated: GeneratedSecret[] }> {
  let existing = await repos.products.findById(config.PRODUCT_ID);
  let configured = configuredProduct(config, existing, now);
  if (!existing) {
    const inForce = await repos.products.insertIfAbsent(configured.product);
    if (sameSettings(inForce, configured.product)) return { product: inForce, generated: configured.generated };
    // Another instance stored it first: configure on top of its row (environment values still win).
    existing = inForce;
    configured = configuredProduct(config, existing, now);
  }
  if (!configured.changed) return { product: existing, generated: configured.generated };
  await repos.products.save(configured.product);
  return { product: configured.product, generated: configured.generated };
}

/**
 * Every first-start write is "store unless present, then use what is stored" (settings.setIfAbsent,
 * products.insertIfAbsent): several instances starting at once on one PostgreSQL database (each in its own
 * transaction, which does not keep them from both finding nothing) all end up with the first writer's secrets,
 * and only the instance whose generated value was kept reports it.
 */
export async function bootstrapInstance(deps: { config: Config; repos: Store; clock: Clock }): Promise<Instance> {
  const { config, clock } = deps;
  return deps.repos.transaction(async (repos) => {
    const generated: GeneratedSecret[] = [];

    let adminTokenHash: string;
    if (config.ADMIN_TOKEN) adminTokenHash = hashToken(config.ADMIN_TOKEN);
    else {
      const stored = await repos.settings.get(ADMIN_TOKEN_HASH_SETTING);
      if (stored) adminTokenHash = stored;
      else {
        const token = generateSecret("pladm");
        adminTokenHash = await repos.settings.setIfAbsent(ADMIN_TOKEN_HASH_SETTING, hashToken(token));
        if (adminTokenHash === hashToken(token)) generated.push({ key: "ADMIN_TOKEN", value: token });
      }
    }

    const conversationTokenSecret =
      (await repos.settings.get(CONVERSATION_TOKEN_SECRET_SETTING)) ??
      (await repos.settings.setIfAbsent(CONVERSATION_TOKEN_SECRET_SETTING, generateSecret("plct", 32)));

    const now = clock.now();
    const provisioned = await provisionDefaultProduct(repos, config, now);
    generated.push(...provisioned.generated);
    const defaultProduct = provisioned.product;

    let demoProduct: Product | undefined;
    if (config.DEMO_ENABLED) {
      demoProduct = defaultProduct.id === DEMO_PRODUCT_ID ? defaultProduct : await repos.products.findById(DEMO_PRODUCT_ID);
      // Its secrets are generated and stored, not printed: `npm run credentials -- --product demo` shows them
      // (its stream token only as a hash: rotate it to get one).
      demoProduct ??= await repos.products.insertIfAbsent({
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
      });
    }
    // A separate key per use, so a value made with one can never stand in for the other.
    const sessionKeySecret = crypto.createHmac("sha256", conversationTokenSecret).update("pilotlight:session-key:v1").digest("base64url");
    return { adminTokenHash, conversationTokenSecret, sessionKeySecret, defaultProduct, demoProduct, generated };
  });
}
