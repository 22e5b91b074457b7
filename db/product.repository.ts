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

  // Every ingest request looks its product up (by id, or by public key for capture); products change only
  // through save() and insertIfAbsent() below, so process-local caches are exact for this single-writer process.
  // Only hits are cached: ids and keys come from request bodies, and caching misses would let a sender grow
  // these maps without bound by naming ever new ones.
  const byIdCache = new Map<string, Product>();
  const byKeyCache = new Map<string, Product>();
  const forget = () => {
    byIdCache.clear();
    byKeyCache.clear();
  };
  /** The product `read` finds for `value`, from `cache` when it found it before. */
  const cachedHit = (cache: Map<string, Product>, value: string, read: (value: string) => ProductRecord | undefined): Product | undefined => {
    const cached = cache.get(value);
    if (cached) return cached;
    const found = fromRecord(read(value));
    if (found) cache.set(value, found);
    return found;
  };

  return {
    findById: (id: string): Product | undefined => cachedHit(byIdCache, id, (v) => byId.get(v)),
    findByProductKey: (key: string): Product | undefined => cachedHit(byKeyCache, key, (v) => byKey.get(v)),
    list: (): Product[] => all.all().map((r) => fromRecord(r)!),
    /**
     * Stores `product` unless one with its id exists, and returns the product in force
     * under that id: the first writer wins, for instances provisioning a product at the same time.
     */
    insertIfAbsent(product: Product): Product {
      insertNew.run({ ...product, allowedOrigins: JSON.stringify(product.allowedOrigins) });
      forget();
      return fromRecord(byId.get(product.id))!;
    },
    save(product: Product): void {
      upsert.run({ ...product, allowedOrigins: JSON.stringify(product.allowedOrigins) });
      forget();
    },
  };
}

export type ProductRepository = ReturnType<typeof createProductRepository>;
