/**
 * The path of a canonical URL. A leaf module: workflow matching, places and page labels all build on it, and
 * the submit rule (sessions/rejected-submits.ts) that workflow progress uses reads places.
 */

/** The path of a canonical URL, full or path-only, without query, hash or trailing slash. */
export function urlPath(url: string): string {
  let path = url.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length);
  path = path.split(/[?#]/, 1)[0] ?? "";
  if (!path.startsWith("/")) path = `/${path}`;
  if (path.length > 1) path = path.replace(/\/+$/, "");
  return path || "/";
}
