import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { productIdOf } from "../../server/http/push-webhook.js";
import { scanProductId } from "../../server/ingest/product-id-scan.js";

const DEFAULT = "default-product";
const viaParse = (text: string) => productIdOf(JSON.parse(text), DEFAULT);
const viaScan = (text: string) => scanProductId(Buffer.from(text)) ?? DEFAULT;

/** product_id values of every kind, including ones that need escapes or trimming. */
const productValue = fc.oneof(
  fc.string(),
  fc.constantFrom("demo", " demo ", "", "  ", 'a"b', "a\\b", "é\u2028x", "\u0000"),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, true, false, 1e400),
  fc.jsonValue(),
);

/** A top-level object with product_id (maybe several times, maybe escaped) among arbitrary members. */
const body = fc
  .record({
    before: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
    after: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
    ids: fc.array(fc.tuple(productValue, fc.boolean()), { maxLength: 3 }),
    space: fc.constantFrom("", " ", "\n\t "),
  })
  .map(({ before, after, ids, space }) => {
    const members = [
      ...Object.entries(before).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`),
      ...ids.map(([v, escaped]) => `${escaped ? '"product\\u005fid"' : '"product_id"'}${space}:${space}${JSON.stringify(v) ?? "null"}`),
      ...Object.entries(after).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`),
    ];
    return `${space}{${space}${members.join(`,${space}`)}${space}}${space}`;
  });

describe("scanProductId", () => {
  it("agrees with JSON.parse + productIdOf on every well-formed body", () => {
    fc.assert(
      fc.property(body, (text) => {
        expect(viaScan(text)).toBe(viaParse(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees on any JSON value at all (arrays, scalars, nested product_ids)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value) ?? "null";
        expect(viaScan(text)).toBe(viaParse(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("reads only the top level", () => {
    expect(viaScan('{"a":{"product_id":"x"},"b":["product_id","y"],"c":"\\"product_id\\":\\"z\\""}')).toBe(DEFAULT);
    expect(viaScan('{"a":{"product_id":"x"},"product_id":"top"}')).toBe("top");
  });

  it("never throws on malformed or hostile bytes, and stays linear on deep nesting", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        scanProductId(Buffer.from(bytes));
      }),
    );
    for (const text of ['{"product_id":', '{"product_id":"abc', '{"product_id', "{", "", "   ", '{"x":"\\'])
      expect(() => scanProductId(Buffer.from(text))).not.toThrow();
    expect(viaScan(`{"pad":${"[".repeat(500_000)}`)).toBe(DEFAULT);
  });
});
