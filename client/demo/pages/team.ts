import { h } from "../../shared/dom.js";
import { field, reportInvalid, select, setError } from "../form.js";
import { load, save } from "../store.js";
import { renderCurrent } from "../router.js";

export function team(): Node {
  const { members } = load();
  const email = h("input", { type: "email", autocomplete: "off" });
  email.id = "f-email";
  const role = select(["Member", "Accountant", "Admin"]);
  const form = h(
    "form",
    { class: "panel", name: "invite", "aria-label": "Invite a teammate", novalidate: true },
    h("h2", {}, "Invite a teammate"),
    field("Email address", email),
    field("Role", role),
    h("button", { class: "btn", type: "submit" }, "Send invite"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const ok = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.value);
    setError(form, "email", ok ? "" : "Enter a valid email address.");
    if (!ok) return reportInvalid(form);
    const data = load();
    data.members.push({ email: email.value, role: role.value, status: "invited" });
    save(data);
    renderCurrent();
  });
  return h(
    "div",
    {},
    h("h1", {}, "Team"),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, "Member"), h("th", {}, "Role"), h("th", {}, "Status"))),
      h("tbody", {}, ...members.map((m) => h("tr", {}, h("td", {}, m.email), h("td", {}, m.role), h("td", {}, m.status)))),
    ),
    h("div", { style: "height:18px" }),
    form,
  );
}
