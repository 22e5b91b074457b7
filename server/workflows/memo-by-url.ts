/**
 * What a URL says of its page — its place, page label, page name — is worked out for every action by several
 * readers (the attempt tracker, struggle detectors, precision holds, goal inference, rolling summaries), and a
 * product's users visit the same few hundred canonical URLs over and over: in the ingest profiles the same
 * parses of the same URLs were ~4 % of the server's CPU. A bounded memo per derivation turns a repeat into a map
 * lookup. When full it starts over rather than keep LRU order on this hot path, and long URLs are not kept, so
 * what senders make up bounds its memory.
 */

/** Entries per memo: far more distinct pages than a product has, and about a megabyte at most. */
const MAX_ENTRIES = 2048;
/** URLs longer than this are derived each time (canonical URLs are short; only made-up ones are not). */
const MAX_KEY_LENGTH = 256;

/** `derive` (pure: same URL, same answer) remembered for recently seen URLs. */
export function memoByUrl<T>(derive: (url: string) => T): (url: string) => T {
  let known = new Map<string, T>();
  return (url) => {
    const hit = known.get(url);
    if (hit !== undefined || known.has(url)) return hit as T;
    const value = derive(url);
    if (url.length <= MAX_KEY_LENGTH) {
      if (known.size >= MAX_ENTRIES) known = new Map();
      known.set(url, value);
    }
    return value;
  };
}
