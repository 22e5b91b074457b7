import type { Db } from "./connection.js";

export interface Product {
  id: string;
  name: string;
  pushSecret: string;
  /** SHA-256 (hex) of the stream token: the token itself is never stored. */
  streamTokenHash: string;
  productKey: string;
  identitySecret: string | null;
  posthogSecret: string;
  allowedOrigins: string[];
  createdAt: number;
  updatedAt: number;
}

interface ProductRecord extends Omit<Product, "allowedOrigins"> {
  allowedOrigins: string;
}

const COLUMNS = `id, name, push_secret AS pushSecret, stream_token_sha256 AS streamTokenHash, product_key AS productKey,
  identity_secret AS identitySecret, posthog_secret AS posthogSecret, allowed_origins AS allowedOrigins,
  created_at AS createdAt, updated_at AS updatedAt`;

const fromRecord = (r: ProductRecord | undefined): Product | undefined =>
  r && { ...r, allowedOrigins: JSON.parse(r.allowedOrigins) as string[] };

export function createProductRepository(db: Db) {
  const byId = db.prepare<[string], ProductRecord>(`SELECT ${COLUMNS} FROM products WHERE id = ?`);
  const byKey = db.prepare<[string], ProductRecord>(`SELECT ${COLUMNS} FROM products WHERE product_key = ?`);
  const all = db.prepare<[], ProductRecord>(`SELECT ${COLUMNS} FROM products ORDER BY id`);
  const upsert = db.prepare(`
    INSERT INTO products (id, name, push_secret, stream_token_sha256, product_key, identity_secret, posthog_secret,
                          allowed_origins, created_at, updated_at)
    VALUES (@id, @name, @pushSecret, @streamTokenHash, @productKey, @identitySecret, @posthogSecret,
            @allowedOrigins, @createdAt, @updatedAt)
    ON CONFLICT (id) DO UPDATE SET
      name = excluded.name, push_secret = excluded.push_secret, stream_token_sha256 = excluded.stream_token_sha256,
      product_key = excluded.product_key, identity_secret = excluded.identity_secret,
      posthog_secret = excluded.posthog_secret, allowed_origins = excluded.allowed_origins,
      updated_at = excluded.updated_at`);

  const insertNew = db.prepare(`
    INSERT INTO products (id, name, push_secret, stream_token_sha256, product_key, identity_secret, posthog_secret,
                          allowed_origins, created_at, updated_at)
    VALUES (@id, @name, @pushSecret, @streamTokenHash, @productKey, @identitySecret, @posthogSecret,
            @allowedOrigins, @createdAt, @updatedAt)
    ON CONFLICT (id) DO NOTHING`);

  // Every ingest request looks its product up; products change only through save() below, so a
  // process-local cache is exact for this single-writer process.
  const cache = new Map<string, Product>();

  return {
    findById(id: string): Product | undefined {
      const cached = cache.get(id);
      if (cached) return cached;
      // Only hits are cached: ids come from request bodies, and caching misses would let a sender grow
      // this map without bound by naming ever new products.
      const found = fromRecord(byId.get(id));
      if (found) cache.set(id, found);
      return found;
    },
    findByProductKey: (key: string): Product | undefined => fromRecord(byKey.get(key)),
    list: (): Product[] => all.all().map((r) => fromRecord(r)!),
    /**
     * Stores `product` unless one with its id exists, and returns the product in force
     * under that id: the first writer wins, for instances provisioning a product at the same time.
     */
    insertIfAbsent(product: Product): Product {
      insertNew.run({ ...product, allowedOrigins: JSON.stringify(product.allowedOrigins) });
      cache.clear();
      return fromRecord(byId.get(product.id))!;
    },
    save(product: Product): void {
      upsert.run({ ...product, allowedOrigins: JSON.stringify(product.allowedOrigins) });
      cache.clear();
    },
  };
}

export type ProductRepository = ReturnType<typeof createProductRepository>;
