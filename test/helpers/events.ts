/** Builders for Autoplay events used across the stream tests. */

let seq = 0;

/** An actions event whose actions have unique titles (`<prefix>-<n>`), each with its own timestamp. */
export function actionsEvent(sessionId: string, titles: readonly string[], extra: Record<string, unknown> = {}) {
  return {
    type: "actions",
    session_id: sessionId,
    forwarded_at: 1_764_000_000 + ++seq,
    actions: titles.map((title, index) => ({
      index,
      type: "click",
      title,
      description: `User clicked ${title}`,
      canonical_url: `https://app.example.com/${sessionId}`,
      timestamp_start: 1_764_000_000 + seq + index / 100,
    })),
    ...extra,
  };
}

/** The titles carried by a received `actions` frame. */
export const titlesOf = (data: { actions?: { title: string }[] }): string[] => (data.actions ?? []).map((a) => a.title);
