-- Bearer tokens are stored as SHA-256 hashes (hex), never in clear: the admin token (settings) and each
-- product's stream token. A presented token is hashed and compared in constant time. pl_sha256_hex is
-- registered by migrate.ts. secure_delete overwrites the clear values instead of leaving them in free pages.
PRAGMA secure_delete = ON;

ALTER TABLE products RENAME COLUMN stream_token TO stream_token_sha256;
UPDATE products SET stream_token_sha256 = pl_sha256_hex(stream_token_sha256);

INSERT INTO settings (key, value) SELECT 'admin_token_sha256', pl_sha256_hex(value) FROM settings WHERE key = 'admin_token';
DELETE FROM settings WHERE key = 'admin_token';

PRAGMA secure_delete = OFF;
