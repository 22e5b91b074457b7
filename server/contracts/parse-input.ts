/**
 * `schema.safeParse` for what a client sent, which never throws. zod measures the `length` of any value that
 * has one, even after the value failed its type check (its length checks run on whatever "has a length"): for
 * `"title": {"length": {"toString": 0}}` in a JSON body, the comparison cannot turn that object into a number and
 * throws a TypeError out of safeParse — a 500 for bad input. Every edge parses through here instead, and such a
 * value is a validation failure naming where it is, like any other wrong type.
 */
import { z } from "zod";

/** The path of the first object (not a list) with its own `length` key whose value is not a number, if any. */
function pathOfFalseLength(value: unknown, path: PropertyKey[] = [], depth = 0): PropertyKey[] | undefined {
  // JSON bodies are depth-limited before they get here; this bound only keeps the walk itself safe.
  if (value === null || typeof value !== "object" || depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = pathOfFalseLength(value[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (Object.hasOwn(value, "length") && typeof (value as { length: unknown }).length !== "number") return path;
  for (const [k, v] of Object.entries(value)) {
    const found = pathOfFalseLength(v, [...path, k], depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  try {
    return schema.safeParse(value);
  } catch (err) {
    // Only the case above; any other throw is a bug of ours and stays one (a 500, logged).
    const path = err instanceof TypeError ? pathOfFalseLength(value) : undefined;
    if (path === undefined) throw err;
    return {
      success: false,
      error: new z.ZodError([{ code: "custom", path, message: "must be a string or a list, not an object", input: undefined }]),
    } as z.ZodSafeParseResult<z.output<S>>;
  }
}
