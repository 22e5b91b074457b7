/**
 * The widget's look and words, from `boot` options or the script tag's `data-` attributes: title, colour,
 * launcher position and greeting. Each value is validated; an invalid one is ignored with a console warning
 * and the default stays.
 */
export interface Appearance {
  title: string;
  /** A #rgb or #rrggbb colour for the launcher, header and the user's bubbles. */
  color: string;
  position: "right" | "left";
  greeting: string;
}

export const DEFAULT_APPEARANCE: Appearance = {
  title: "Assistant",
  color: "#3547d8",
  position: "right",
  greeting: "Hi! I can see where you are in the app. Ask me anything, or I'll suggest a next step when it helps.",
};

const plainText = (max: number) => (v: unknown) => (typeof v === "string" && v.trim() !== "" && v.trim().length <= max ? v.trim() : undefined);

const CHECKS: { [K in keyof Appearance]: { parse: (v: unknown) => Appearance[K] | undefined; expected: string } } = {
  title: { parse: plainText(60), expected: "a non-empty text of at most 60 characters" },
  color: { parse: (v) => (typeof v === "string" && /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(v.trim()) ? v.trim() : undefined), expected: 'a hex colour like "#3547d8"' },
  position: { parse: (v) => (v === "right" || v === "left" ? v : undefined), expected: '"right" or "left"' },
  greeting: { parse: plainText(300), expected: "a non-empty text of at most 300 characters" },
};

/** `given` holds the raw values (boot options over data- attributes); `undefined` keys keep the default. */
export function resolveAppearance(given: Partial<Record<keyof Appearance, unknown>>): Appearance {
  const out: Appearance = { ...DEFAULT_APPEARANCE };
  for (const key of Object.keys(CHECKS) as (keyof Appearance)[]) {
    const raw = given[key];
    if (raw === undefined || raw === null) continue;
    const value = CHECKS[key].parse(raw);
    if (value === undefined) console.warn(`Pilotlight: ignoring ${key} ${JSON.stringify(raw)}: expected ${CHECKS[key].expected}`);
    else (out as unknown as Record<string, unknown>)[key] = value;
  }
  return out;
}
