-- PostgreSQL twin of ../009_hashed_tokens.sql. Tokens are stored as SHA-256 hashes (hex); as in 008, no clear
-- value can exist in a PostgreSQL database, but a row that had one is hashed all the same.
ALTER TABLE products RENAME COLUMN stream_token TO stream_token_sha256;
UPDATE products SET stream_token_sha256 = encode(sha256(convert_to(stream_token_sha256, 'UTF8')), 'hex');

INSERT INTO settings (key, value)
  SELECT 'admin_token_sha256', encode(sha256(convert_to(value, 'UTF8')), 'hex') FROM settings WHERE key = 'admin_token'
  ON CONFLICT (key) DO NOTHING;
DELETE FROM settings WHERE key = 'admin_token';
