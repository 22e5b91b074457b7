/**
 * A page's human name for labels ("the Reports page"): the specific part of the page title when the
 * title has one, otherwise derived from the URL path (`/settings/team` → "Team settings",
 * `/invoices/new` → "New invoice", `/invoices/42` → "Invoice details").
 */
import { isIdSegment, pathOf } from "./canonical-url.js";
import { capitalise, cleanText, humanise, truncate } from "./clean-text.js";
import { memoByUrl } from "../../workflows/memo-by-url.js";

const MAX_PAGE_NAME = 60;

/** "Reports · Acme", "Acme | Reports" … — the separators sites put between page and site name. */
const TITLE_SEPARATORS = /\s+[|·•—–\-:»/]\s+/;

const SETTINGS_PARENTS = new Set(["settings", "admin", "account", "preferences", "config", "configuration", "profile"]);
const CREATE_WORDS = new Set(["new", "create", "add"]);

/** `invoices` → `invoice`; leaves words that are not simple plurals alone. */
export function singular(word: string): string {
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is)$/.test(word)) return word;
  if (/(x|ch|sh|ss)es$/.test(word)) return word.slice(0, -2);
  return word.endsWith("s") && word.length > 3 ? word.slice(0, -1) : word;
}

function segmentWords(segment: string): string | undefined {
  const withoutExt = segment.replace(/\.(html?|php|aspx?|jsp)$/i, "");
  if (/^index$/i.test(withoutExt)) return undefined;
  return humanise(withoutExt)?.toLowerCase();
}

/** The name a URL's path gives its page, or undefined for the root. */
export const pathPageName: (url: string) => string | undefined = memoByUrl((url) => {
  const raw = pathOf(url).split("/").filter(Boolean);
  // `:id` is an id already replaced by canonicalUrl (goal inference reads stored canonical URLs).
  const isId = (s: string) => s.startsWith(":") || isIdSegment(decodeSafe(s));
  const lastIsId = raw.length > 0 && isId(raw[raw.length - 1]!);
  const words = raw.filter((s) => !isId(s)).map(segmentWords).filter((w): w is string => w !== undefined);
  const last = words[words.length - 1];
  const parent = words[words.length - 2];
  if (last === undefined) return undefined;
  let name: string;
  if (lastIsId) name = `${singular(last)} details`;
  else if (CREATE_WORDS.has(last) && parent) name = `new ${singular(parent)}`;
  else if (last === "edit" && parent) name = `edit ${singular(parent)}`;
  else if (parent && SETTINGS_PARENTS.has(parent)) name = `${last} ${parent}`;
  else name = last;
  return truncate(capitalise(name), MAX_PAGE_NAME);
});

function decodeSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The page-specific part of a title like "Reports · Acme Invoices", or undefined when it has none. */
export function titlePageName(title: string | undefined): string | undefined {
  const clean = cleanText(title);
  if (!clean) return undefined;
  const parts = clean.split(TITLE_SEPARATORS).map((p) => p.trim()).filter(Boolean);
  if (parts.length < 2) return undefined;
  return truncate(parts[0]!, MAX_PAGE_NAME);
}

/**
 * The page's name for a label. A title with a separator names the page; a bare title is usually just the
 * site's name on every page, so the path wins over it, and it is used only for the root page.
 */
export function pageName(url: string, title?: string): string {
  const bare = cleanText(title);
  const name = titlePageName(title) ?? pathPageName(url) ?? (bare ? truncate(bare, MAX_PAGE_NAME) : "Home");
  // Labels say "the X page"; a name that already ends in "page" would read "the Landing page page".
  return name.replace(/\s+page$/i, "") || name;
}
