/** The token form: asks for ADMIN_TOKEN and shows why a token was refused. */
import { h, setText } from "../shared/dom.js";

export interface LoginView {
  el: HTMLElement;
  show(error?: string): void;
  hide(): void;
  setBusy(busy: boolean): void;
}

export function createLoginView(onSubmit: (token: string) => void): LoginView {
  const input = h("input", { id: "admin-token", name: "token", type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const button = h("button", { type: "submit" }, "Open admin");
  const error = h("p", { class: "error", id: "login-error", role: "alert" });
  const form = h(
    "form",
    { class: "login", "aria-labelledby": "login-title" },
    h("h2", { id: "login-title" }, "Admin sign-in"),
    h("label", { for: "admin-token" }, "Admin token"),
    input,
    button,
    error,
    h(
      "p",
      { class: "hint" },
      "The ADMIN_TOKEN from the server's environment, or the one Pilotlight printed on its first start. It is kept in this tab only.",
    ),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      setText(error, "Enter the admin token.");
      input.focus();
      return;
    }
    onSubmit(token);
  });
  return {
    el: form,
    show(message) {
      form.hidden = false;
      setText(error, message ?? "");
      input.value = "";
      input.focus();
    },
    hide() {
      form.hidden = true;
      setText(error, "");
    },
    setBusy(busy) {
      button.disabled = busy;
      setText(button, busy ? "Checking…" : "Open admin");
    },
  };
}
