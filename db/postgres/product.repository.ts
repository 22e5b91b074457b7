import type { Product, ProductRepository } from "../product.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

const COLUMNS = `id, name, push_secret AS "pushSecret", stream_token_sha256 AS "streamTokenHash", product_key AS "productKey",
  identity_secret AS "identitySecret", posthog_secret AS "posthogSecret", allowed_origins AS "allowedOrigins",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

type ProductRecord = Omit<Product, "allowedOrigins"> & { allowedOrigins: string };

const fromRecord = (r: ProductRecord | undefined): Product | undefined => r && { ...r, allowedOrigins: JSON.parse(r.allowedOrigins) as string[] };

/**
 * No process-local cache (the SQLite adapter has one): another instance may save a product at any time, and
 * a stale secret or origin list here would be wrong, not slow.
 */
export function createPgProductRepository(ex: Executor): AsyncOf<ProductRepository> {
  return {
    findById: async (id) => fromRecord(await ex.row<ProductRecord>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [id])),
    findByProductKey: async (key) => fromRecord(await ex.row<ProductRecord>(`SELECT ${COLUMNS} FROM products WHERE product_key = $1`, [key])),
    list: async () => (await ex.rows<ProductRecord>(`SELECT ${COLUMNS} FROM products ORDER BY id COLLATE "C"`)).map((r) => fromRecord(r)!),
    async insertIfAbsent(p) {
      await ex.run(
        `INSERT INTO products (id, name, push_secret, stream_token_sha256, product_key, identity_secret, posthog_secret,
                               allowed_origins, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING`,
        [p.id, p.name, p.pushSecret, p.streamTokenHash, p.productKey, p.identitySecret, p.posthogSecret, JSON.stringify(p.allowedOrigins), p.createdAt, p.updatedAt],
      );
      return fromRecord(await ex.row<ProductRecord>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [p.id]))!;
    },
    async save(p) {
      await ex.run(
        `INSERT INTO products (id, name, push_secret, stream_token_sha256, product_key, identity_secret, posthog_secret,
                               allowed_origins, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO UPDATE SET
           name = excluded.name, push_secret = excluded.push_secret, stream_token_sha256 = excluded.stream_token_sha256,
           product_key = excluded.product_key, identity_secret = excluded.identity_secret,
           posthog_secret = excluded.posthog_secret, allowed_origins = excluded.allowed_origins,
           updated_at = excluded.updated_at`,
        [p.id, p.name, p.pushSecret, p.streamTokenHash, p.productKey, p.identitySecret, p.posthogSecret, JSON.stringify(p.allowedOrigins), p.createdAt, p.updatedAt],
      );
    },
  };
}
