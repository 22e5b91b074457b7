/**
 * The connection pool, with the type parsers that make PostgreSQL rows read like SQLite's: BIGINT (ids,
 * wall-clock milliseconds, counts) and NUMERIC (what sum() of a BIGINT gives) as JS numbers rather than
 * strings. Every such value Pilotlight reads is an integer below 2^53; the one column that is not (the 64-bit
 * dedupe keys) is only ever written and compared in SQL, never read back.
 */
import pg from "pg";

const INT8 = 20;
const NUMERIC = 1700;

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PoolOptions {
  /** The schema every statement works in (search_path); tests use one of their own. */
  schema?: string;
  /** Connections at most. */
  max?: number;
}

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
}
