/**
 * The admin page (served at /admin): asks for the admin token, then shows live sessions, recent suggestions
 * and the activity charts for the product named by `?product_id=` (default: the server's default product).
 * All server and user text is rendered as text (client/shared/dom.ts), never as HTML.
 */
import { h } from "../shared/dom.js";
import { AdminApiError, createAdminApi } from "./api.js";
import { createDashboard } from "./dashboard.js";
import { createLoginView } from "./login-view.js";
import { tokenStore } from "./token-store.js";

function refusalMessage(err: unknown, saved: boolean): string {
  if (err instanceof AdminApiError && err.status === 401) {
    return `${saved ? "The saved admin token is no longer accepted" : "That admin token was not accepted"}: ${err.message}.`;
  }
  if (err instanceof AdminApiError) return `Could not load the admin data: ${err.message} (${err.code}).`;
  return `Could not load the admin data: ${String(err)}.`;
}

function boot(): void {
  const root = document.getElementById("app");
  if (!root) return;
  const productId = new URLSearchParams(location.search).get("product_id");

  const login = createLoginView((token) => void open(token, false));
  const dashboard = createDashboard({
    unauthorized(err) {
      tokenStore.clear();
      login.show(refusalMessage(err, true));
    },
    signOut() {
      tokenStore.clear();
      login.show();
    },
  });
  root.replaceChildren(
    h("header", { class: "top" }, h("h1", {}, "Pilotlight admin"), dashboard.toolbar),
    h("main", {}, login.el, dashboard.el),
  );

  async function open(token: string, saved: boolean): Promise<void> {
    login.setBusy(true);
    try {
      await dashboard.start(createAdminApi(token, productId));
      tokenStore.set(token);
      login.hide();
    } catch (err) {
      dashboard.stop();
      tokenStore.clear();
      login.show(refusalMessage(err, saved));
    } finally {
      login.setBusy(false);
    }
  }

  const saved = tokenStore.get();
  if (saved) {
    login.hide();
    void open(saved, true);
  } else {
    login.show();
  }
}

boot();
