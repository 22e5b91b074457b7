/**
 * What every PostgreSQL repository runs its SQL on: the pool (each statement on any free connection, in its
 * own implicit transaction) or one checked-out connection inside a transaction. The repositories are the same
 * code in both cases; a transaction on an executor that is already in one becomes a savepoint.
 *
 * Statements are named (server-side prepared once per connection, then only bound and executed): the name is
 * derived from the text, so one text always has one name and two texts never share one.
 */
import crypto from "node:crypto";
import type pg from "pg";

export interface Executor {
  /** The rows of one statement. */
  rows<R>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /** The first row of one statement, if any. */
  row<R>(text: string, values?: readonly unknown[]): Promise<R | undefined>;
  /** Runs one statement; returns how many rows it changed. */
  run(text: string, values?: readonly unknown[]): Promise<number>;
  /** True on a connection inside a transaction (what `pg_advisory_xact_lock` needs to mean anything). */
  readonly inTransaction: boolean;
  /** Runs `fn` in a transaction (on the pool: a connection of its own; inside one: a savepoint). */
  transaction<T>(fn: (ex: Executor) => Promise<T>): Promise<T>;
}

/** The prepared statement name of a text, memoised per pool (hashing on every call would cost more than it should). */
type Namer = (text: string) => string;

function createNamer(): Namer {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (name === undefined) {
      name = "pl_" + crypto.createHash("sha1").update(text).digest("hex").slice(0, 24);
      names.set(text, name);
    }
    return name;
  };
}

type Queryable = pg.Pool | pg.PoolClient;

function statements(on: Queryable, nameOf: Namer) {
  const query = <R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []) =>
    on.query<R>({ name: nameOf(text), text, values: values as unknown[] });
  return {
    rows: async <R>(text: string, values?: readonly unknown[]): Promise<R[]> => (await query(text, values)).rows as R[],
    row: async <R>(text: string, values?: readonly unknown[]): Promise<R | undefined> => (await query(text, values)).rows[0] as R | undefined,
    run: async (text: string, values?: readonly unknown[]): Promise<number> => (await query(text, values)).rowCount ?? 0,
  };
}

/** Runs `fn` between BEGIN and COMMIT on `client` (ROLLBACK when it throws). The caller releases the client. */
async function inTransactionOn<T>(client: pg.PoolClient, nameOf: Namer, fn: (ex: Executor) => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await fn(clientExecutor(client, nameOf, 0));
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** An executor on a connection inside a transaction `depth` savepoints deep. */
function clientExecutor(client: pg.PoolClient, nameOf: Namer, depth: number): Executor {
  return {
    ...statements(client, nameOf),
    inTransaction: true,
    async transaction<T>(fn: (ex: Executor) => Promise<T>): Promise<T> {
      const savepoint = `pl_sp_${depth + 1}`;
      await client.query(`SAVEPOINT ${savepoint}`);
      try {
        const result = await fn(clientExecutor(client, nameOf, depth + 1));
        await client.query(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw error;
      }
    },
  };
}

/** An executor on the pool: each statement on its own; a transaction checks a connection out for its length. */
export function poolExecutor(pool: pg.Pool): Executor & { onConnection<T>(client: pg.PoolClient, fn: (ex: Executor) => Promise<T>): Promise<T> } {
  const nameOf = createNamer();
  return {
    ...statements(pool, nameOf),
    inTransaction: false,
    async transaction<T>(fn: (ex: Executor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        return await inTransactionOn(client, nameOf, fn);
      } finally {
        client.release();
      }
    },
    /** A transaction on a connection the caller has checked out (and releases). */
    onConnection: <T>(client: pg.PoolClient, fn: (ex: Executor) => Promise<T>) => inTransactionOn(client, nameOf, fn),
  };
}
