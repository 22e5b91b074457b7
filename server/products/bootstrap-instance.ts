/**
 * First-start provisioning: makes sure the default product and the admin token exist — and, with the demo
 * on, the demo product (`demo`), which is the default product unless PRODUCT_ID names another, so an
 * integrator's own product never shares the demo's workflows. Values given in the environment win (for the
 * default product); anything not given is taken from the database, or generated, stored, and reported back
 * so main.ts can print it once.
 */
import type { Product } from "../../db/product.repository.js";
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { generateSecret } from "./secrets.js";

export interface GeneratedSecret {
  /** The environment key an operator would set to pin this value. */
  key: string;
  value: string;
}

export interface Instance {
  adminToken: string;
  /** Signs conversation tokens; internal, generated once and never shown. */
  conversationTokenSecret: string;
  defaultProduct: Product;
  /** The product the built-in demo runs as (DEMO_ENABLED); the default product when PRODUCT_ID is `demo`. */
  demoProduct: Product | undefined;
  generated: GeneratedSecret[];
}

export const DEMO_PRODUCT_ID = "demo";

export const ADMIN_TOKEN_SETTING = "admin_token";
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

    const storedAdmin = repos.settings.get(ADMIN_TOKEN_SETTING);
    const adminToken = pick("ADMIN_TOKEN", config.ADMIN_TOKEN, storedAdmin, "pladm");
    if (!config.ADMIN_TOKEN && adminToken !== storedAdmin) repos.settings.set(ADMIN_TOKEN_SETTING, adminToken);

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
      streamToken: pick("STREAM_TOKEN", config.STREAM_TOKEN, existing?.streamToken, "plst"),
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
        // Its secrets are generated and stored, not printed: `npm run credentials -- --product demo` shows them.
        demoProduct = {
          id: DEMO_PRODUCT_ID,
          name: "Acme Invoices (demo)",
          pushSecret: generateSecret("plps"),
          streamToken: generateSecret("plst"),
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
    return { adminToken, conversationTokenSecret, defaultProduct, demoProduct, generated };
  });
}
