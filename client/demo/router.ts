/** A small history-API router: links with same-origin hrefs navigate without reloading (an SPA). */
export type Render = (params: Record<string, string>) => Node;

const routes: { pattern: RegExp; keys: string[]; render: Render }[] = [];

export function route(path: string, render: Render): void {
  const keys: string[] = [];
  const pattern = new RegExp(`^${path.replace(/:(\w+)/g, (_, k: string) => (keys.push(k), "([^/]+)"))}/?$`);
  routes.push({ pattern, keys, render });
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  renderCurrent();
}

export function renderCurrent(): void {
  const main = document.getElementById("page")!;
  let path = location.pathname;
  if (path === "/") {
    history.replaceState(null, "", "/dashboard");
    path = "/dashboard";
  }
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
    main.replaceChildren(r.render(params));
    document.querySelectorAll<HTMLAnchorElement>("[data-nav]").forEach((a) => {
      const current = path === a.pathname || path.startsWith(`${a.pathname}/`);
      if (current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    document.title = `${main.querySelector("h1")?.textContent ?? "Acme"} · Acme Invoices`;
    return;
  }
  main.replaceChildren(document.createTextNode("Page not found."));
}

export function startRouter(): void {
  document.addEventListener("click", (e) => {
    const a = (e.target as Element | null)?.closest?.("a");
    if (!a || a.origin !== location.origin || a.target || e.metaKey || e.ctrlKey) return;
    e.preventDefault();
    navigate(a.pathname);
  });
  window.addEventListener("popstate", renderCurrent);
  renderCurrent();
}
