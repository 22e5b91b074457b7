/**
 * A small BM25 ranking for the offline chat: a question against a handful of documents (workflows, pages).
 * Words are lowercased, stopwords dropped and stemmed (Porter's step 1 and the common derivational suffixes,
 * enough to meet "invite"/"inviting"/"invitation" and "export"/"exports"/"exporting" at one stem).
 * Besides the score, each match reports its *coverage*: the share of the question's informative weight
 * (IDF; words no document uses weigh as much as the average known word) that the document explains — so "why is my
 * invoice total wrong?" does not count as a question about creating invoices just because it says "invoice".
 */

const STOPWORDS = new Set(
  (
    "a an the i me my mine we our you your yours it its this that these those he she they them their to do does did done " +
    "how can could would should will shall may might must what which who whom whose where when why is are was were be been " +
    "being am of in on for with and or but if then than at by from into onto about as so not no yes please help want wanna " +
    "need get got make let lets tell show know like just also any some someone somebody something anyone anything thing " +
    "things stuff way there here up out over again now new one all more most very too use using"
  ).split(" "),
);

/** Words that mark a question as a problem report ("why is X wrong?") rather than a how-to. */
const TROUBLE = new Set(
  "why wrong error errors broken break fail failed failing fails issue issues problem problems bug bugs incorrect missing cannot cant isnt doesnt wont didnt stuck weird strange".split(" "),
);

function step1(w: string): string {
  if (w.endsWith("sses")) return w.slice(0, -2);
  if (w.endsWith("ies")) return `${w.slice(0, -3)}y`;
  if (w.endsWith("ss")) return w;
  if (w.endsWith("s") && w.length > 3 && !w.endsWith("us") && !w.endsWith("is")) w = w.slice(0, -1);
  if (w.endsWith("eed")) return w;
  for (const suffix of ["ing", "ed"]) {
    if (w.endsWith(suffix) && /[aeiouy]/.test(w.slice(0, -suffix.length))) {
      w = w.slice(0, -suffix.length);
      if (/(at|bl|iz)$/.test(w)) return `${w}e`;
      if (/([^aeiouylsz])\1$/.test(w)) return w.slice(0, -1);
      if (/^[^aeiou]*[aeiouy][^aeiouwxy]$/.test(w)) return `${w}e`;
      return w;
    }
  }
  return w;
}

const DERIVATIONAL: [RegExp, string][] = [
  [/izations?$/, ""],
  [/ations?$/, ""],
  [/ates?$/, ""],
  [/fulness$/, "ful"],
  [/ments?$/, ""],
  [/ness$/, ""],
  [/ly$/, ""],
  [/er$/, ""],
];

/** A light stemmer: inflections (Porter step 1) then common derivational suffixes, then a trailing `e` dropped. */
export function stem(word: string): string {
  let w = step1(word);
  if (w.length > 5) {
    for (const [re, to] of DERIVATIONAL) {
      const cut = w.replace(re, to);
      if (cut !== w && cut.length >= 3) {
        w = cut;
        break;
      }
    }
  }
  return w.length > 3 ? w.replace(/e$/, "") : w;
}

/** The informative terms of a text, stemmed, in order (repeats kept: BM25 counts them). */
export function terms(text: string): string[] {
  return (text.toLowerCase().replace(/['’]/g, "").match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => w.length > 1 && !STOPWORDS.has(w) && !TROUBLE.has(w))
    .map(stem);
}

export function isTroubleQuestion(text: string): boolean {
  return (text.toLowerCase().replace(/['’]/g, "").match(/\p{L}+/gu) ?? []).some((w) => TROUBLE.has(w));
}

export interface RankDocument<T> {
  item: T;
  /** Text fields with their weight (a name counts more than a hint). */
  fields: { text: string; weight: number }[];
}

export interface Ranked<T> {
  item: T;
  score: number;
  /** Share (0–1) of the question's informative weight (IDF; unknown words at the average) this document explains. */
  coverage: number;
}

const K1 = 1.2;
const B = 0.75;

/** BM25 over weighted fields (terms of a heavier field count as if repeated). Best first; only docs that match. */
export function rank<T>(question: string, docs: readonly RankDocument<T>[]): Ranked<T>[] {
  const queryTerms = [...new Set(terms(question))];
  if (queryTerms.length === 0 || docs.length === 0) return [];
  const bags = docs.map((d) => {
    const tf = new Map<string, number>();
    let length = 0;
    for (const f of d.fields) {
      for (const t of terms(f.text)) {
        tf.set(t, (tf.get(t) ?? 0) + f.weight);
        length += f.weight;
      }
    }
    return { tf, length };
  });
  const avgLength = bags.reduce((n, b) => n + b.length, 0) / bags.length || 1;
  const n = docs.length;
  const df = new Map(queryTerms.map((t) => [t, bags.filter((b) => b.tf.has(t)).length]));
  const idf = new Map(queryTerms.map((t) => [t, Math.log(1 + (n - df.get(t)! + 0.5) / (df.get(t)! + 0.5))]));
  // A word no document uses weighs as much as the average known word of the question: it still has to be
  // explained (coverage), without one synonym ("colleague" for "teammate") outweighing the rest.
  const known = queryTerms.filter((t) => df.get(t)! > 0);
  const unknownWeight = known.length ? known.reduce((s, t) => s + idf.get(t)!, 0) / known.length : 1;
  const weight = (t: string) => (df.get(t)! > 0 ? idf.get(t)! : unknownWeight);
  const totalWeight = queryTerms.reduce((s, t) => s + weight(t), 0);
  const ranked: Ranked<T>[] = [];
  docs.forEach((d, i) => {
    const bag = bags[i]!;
    let score = 0;
    let covered = 0;
    for (const t of queryTerms) {
      const f = bag.tf.get(t);
      if (!f) continue;
      const w = idf.get(t)!;
      covered += w;
      score += (w * f * (K1 + 1)) / (f + K1 * (1 - B + (B * bag.length) / avgLength));
    }
    if (score > 0) ranked.push({ item: d.item, score, coverage: totalWeight > 0 ? covered / totalWeight : 0 });
  });
  return ranked.sort((a, b) => b.score - a.score);
}
