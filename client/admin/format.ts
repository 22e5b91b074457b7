/** Formatting for the admin page: ages against the server's clock, local clock times, percentages. */

/** "8 s ago", "3 min ago", "2 h ago", "4 d ago" — `then` and `now` are ISO strings from the server. */
export function ago(then: string, now: string): string {
  const s = Math.max(0, Math.round((Date.parse(now) - Date.parse(then)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** Local time of day, "14:05" or "14:05:09" with seconds. */
export function clockTime(iso: string, seconds = false): string {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", ...(seconds ? { second: "2-digit" } : {}) });
}

export function percent(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 100)} %`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
