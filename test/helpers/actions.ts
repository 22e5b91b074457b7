import type { SlimAction } from "../../server/ingest/autoplay.schema.js";

/** Builds a window of SlimActions indexed from 0; `t` is Unix seconds (0 = no timestamp). */
export function windowOf(specs: readonly Partial<SlimAction>[]): SlimAction[] {
  return specs.map((s, index) => ({
    index,
    type: "click",
    title: "",
    description: "",
    canonical_url: "/",
    raw_url: null,
    timestamp_start: 0,
    timestamp_end: 0,
    session_id: "s1",
    user_id: null,
    email: null,
    conversation_id: null,
    ...s,
  }));
}

export const pageview = (url: string, t = 0, title = `Page Load: ${url}`): Partial<SlimAction> => ({
  type: "pageview",
  canonical_url: url,
  title,
  description: `User landed on ${url}`,
  timestamp_start: t,
});

export const click = (url: string, label: string, t = 0): Partial<SlimAction> => ({
  type: "click",
  canonical_url: url,
  title: `Click '${label}' button`,
  description: `User clicked the ${label} button`,
  timestamp_start: t,
});

export const submit = (url: string, label: string, t = 0): Partial<SlimAction> => ({
  type: "submit",
  canonical_url: url,
  title: `Submit '${label}' form`,
  description: `User submitted the ${label} form`,
  timestamp_start: t,
});

export const typeIn = (url: string, label: string, t = 0): Partial<SlimAction> => ({
  type: "type",
  canonical_url: url,
  title: `Type in '${label}' field`,
  description: `User typed in the ${label} field`,
  timestamp_start: t,
});
