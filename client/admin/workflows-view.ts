/**
 * The Workflows panel: this product's golden paths, and an editor to upload new ones — validated first
 * (every problem with its path and message) with a preview of which of the last day's sessions each
 * workflow matches, then saved. Loaded once on sign-in and after a save, never by the auto-refresh, so an
 * edit in progress is not overwritten.
 */
import { h, setText } from "../shared/dom.js";
import { AdminApiError, type AdminApi, type Json } from "./api.js";

export function createWorkflowsView() {
  const summary = h("p", { class: "muted", id: "workflows-summary" });
  const editor = h("textarea", { id: "workflows-json", rows: "12", spellcheck: "false", "aria-label": "Workflows JSON" });
  const validate = h("button", { type: "button" }, "Validate and preview");
  const save = h("button", { type: "button" }, "Save workflows");
  const result = h("div", { id: "workflows-result", role: "status" });
  const el = h(
    "div",
    { class: "card" },
    summary,
    h("label", { for: "workflows-json" }, "Workflows file (JSON, PROTOCOL.md §6)"),
    editor,
    h("div", { class: "buttons" }, validate, save),
    result,
  );
  let api: AdminApi | undefined;

  function show(data: Json): void {
    const list = data.workflows as Json[];
    setText(
      summary,
      list.length
        ? `${list.length} workflow${list.length === 1 ? "" : "s"} (${data.origin === "admin" ? "uploaded here" : "from a workflows file"}): ${list.map((w) => w.name).join(", ")}.`
        : "No workflows yet: this product gets struggle help and goal inference only. Upload its golden paths below.",
    );
    editor.value = JSON.stringify({ workflows: list }, null, 2);
  }

  function showPreview(p: Json): void {
    const rows = (p.workflows as Json[]).map((w) =>
      h("tr", {}, h("td", {}, w.name), h("td", {}, String(w.matched)), h("td", {}, String(w.in_progress)), h("td", {}, String(w.completed)), h("td", { class: "text" }, w.example_sessions.join(", "))),
    );
    result.replaceChildren(
      h("p", {}, `Of ${p.sessions_considered} sessions active in the last day:`),
      h(
        "div",
        { class: "scroll" },
        h("table", {}, h("thead", {}, h("tr", {}, ...["workflow", "sessions matched", "in progress", "completed", "examples"].map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, ...rows)),
      ),
    );
  }

  async function submit(store: boolean): Promise<void> {
    if (!api) return;
    result.replaceChildren(h("p", { class: "muted" }, store ? "Saving…" : "Validating…"));
    try {
      const data = await api.uploadWorkflows(editor.value, store);
      if (store) show(data);
      showPreview(data.preview);
      if (store) result.prepend(h("p", { class: "ok" }, "Saved. Sessions of this product use these workflows from now on."));
    } catch (err) {
      const e = err instanceof AdminApiError ? err : new AdminApiError(0, "client_error", String(err));
      result.replaceChildren(
        h("p", { class: "error" }, `${e.code}: ${e.issues.length ? "the workflows do not fit the format" : e.message}`),
        h("ul", { class: "issues" }, ...e.issues.map((i) => h("li", {}, h("code", {}, i.path), ` — ${i.message}`))),
      );
    }
  }

  validate.addEventListener("click", () => void submit(false));
  save.addEventListener("click", () => void submit(true));

  return {
    el,
    async load(next: AdminApi): Promise<void> {
      api = next;
      result.replaceChildren();
      show(await next.workflows());
    },
  };
}
