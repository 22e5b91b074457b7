/**
 * capture.js — Pilotlight's first-party capture snippet (PROTOCOL.md §2.3):
 *
 *   <script src="https://HOST/capture.js" data-product-key="pk_…" async></script>
 *
 * Sends page views (SPA history changes too), clicks on interactive elements, form submits, field
 * changes and validation failures — the field's identity, never its value — to `POST /v1/capture` on the script's own origin
 * (or `data-endpoint`). Anything inside `[data-pilotlight-ignore]` is not captured. Optional
 * `data-user-id` names the signed-in user (with `data-user-hash`, verified: the session becomes theirs).
 * Exposes `window.PilotlightCapture`. Never throws into the page.
 */
import type { RawEvent } from "../../server/contracts/capture.js";
import { currentSession, rotateSession } from "../shared/browser-session.js";
import { describeElement, maskText } from "./describe-element.js";
import { createTransport } from "./transport.js";

export interface PilotlightCaptureApi {
  /** The current capture session id (the widget joins it). */
  sessionId(): string;
  /** Sends queued events now; resolves when the request has finished. */
  flush(): Promise<void>;
  /**
   * Names the signed-in user for the events that follow; with `userHash` (as the widget's: hex
   * HMAC-SHA256(identity_secret, userId)) the session becomes that user's. `null` signs out.
   */
  identify(userId: string | null, userHash?: string): void;
  /** Starts a new session (sign-out: the widget calls it when its identity changes); returns its id. */
  rotate(): string;
}

declare global {
  interface Window {
    PilotlightCapture?: PilotlightCaptureApi;
  }
}

const INTERACTIVE =
  "a,button,input,select,textarea,label,summary,[role=button],[role=link],[role=tab],[role=menuitem],[role=checkbox],[role=switch],[role=option],[onclick]";
const IGNORE = "[data-pilotlight-ignore]";
/** Inputs whose click is a press; clicks on other fields are just focusing them (their change is captured). */
const PRESS_INPUTS = ["submit", "button", "reset", "image"];
const RAGE_CLICKS = 3;
/** ValidityState flags, as the capture contract names them. */
const VALIDITY: Record<string, NonNullable<RawEvent["validity"]>> = {
  valueMissing: "value_missing",
  typeMismatch: "type_mismatch",
  patternMismatch: "pattern_mismatch",
  tooLong: "too_long",
  tooShort: "too_short",
  rangeUnderflow: "range_underflow",
  rangeOverflow: "range_overflow",
  stepMismatch: "step_mismatch",
  badInput: "bad_input",
  customError: "custom",
};
const RAGE_WINDOW_MS = 1000;

/** Runs a listener so that no error of ours ever reaches the host page. */
const safe =
  <A extends unknown[]>(fn: (...args: A) => void) =>
  (...args: A): void => {
    try {
      fn(...args);
    } catch {
      // Capture is best-effort; the page must never notice it.
    }
  };

function start(script: HTMLScriptElement): void {
  const productKey = script.getAttribute("data-product-key");
  if (!productKey) {
    console.warn("Pilotlight capture: data-product-key is missing on the script tag; nothing is captured");
    return;
  }
  const endpoint = (script.getAttribute("data-endpoint") || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  let user = { id: script.getAttribute("data-user-id") || undefined, hash: script.getAttribute("data-user-hash") || undefined };
  const transport = createTransport(`${endpoint}/v1/capture`, productKey, () => user);

  const pageUrl = () => location.origin + location.pathname;
  const track = (type: RawEvent["type"], extra: Partial<RawEvent> = {}) => {
    const now = Date.now();
    transport.push(currentSession(now, true), { type, ts: now, url: pageUrl(), ...extra });
  };

  // Page views: the first load, then every change of path (pushState, replaceState, back/forward).
  let lastUrl = pageUrl();
  let lastTitle = document.title;
  track("pageview", document.title ? { title: document.title } : {});
  const onUrlChange = safe(() => {
    if (pageUrl() === lastUrl) return;
    lastUrl = pageUrl();
    const ts = Date.now();
    const url = lastUrl;
    // SPAs set the new title after navigating; a title that has not changed is stale (or site-wide),
    // and the server then names the page from its path.
    setTimeout(
      safe(() => {
        const title = document.title !== lastTitle ? document.title : "";
        lastTitle = document.title;
        transport.push(currentSession(ts, true), { type: "pageview", ts, url, ...(title ? { title } : {}) });
      }),
      100,
    );
  });
  for (const method of ["pushState", "replaceState"] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History["pushState"]>) {
      const result = original.apply(this, args);
      onUrlChange();
      return result;
    };
  }
  addEventListener("popstate", onUrlChange);
  addEventListener("hashchange", onUrlChange);

  let rage: { el: Element; count: number; since: number } | undefined;
  document.addEventListener(
    "click",
    safe((event: MouseEvent) => {
      const origin = event.target instanceof Element ? event.target : (event.target as Node | null)?.parentElement;
      const el = origin?.closest(INTERACTIVE);
      if (!el || origin!.closest(IGNORE)) return;
      const tag = el.tagName.toLowerCase();
      if (tag === "select" || tag === "textarea") return;
      if (tag === "input" && !PRESS_INPUTS.includes((el.getAttribute("type") ?? "text").toLowerCase())) return;
      // A click on a field's label toggles or focuses the field, whose change is captured instead.
      if (tag === "label" && (el as HTMLLabelElement).control) return;
      const target = describeElement(el);
      track("click", { target });
      const now = Date.now();
      rage = rage && rage.el === el && now - rage.since <= RAGE_WINDOW_MS ? { ...rage, count: rage.count + 1 } : { el, count: 1, since: now };
      if (rage.count === RAGE_CLICKS) track("click", { target, rage: true });
    }),
    true,
  );

  document.addEventListener(
    "submit",
    safe((event: SubmitEvent) => {
      const form = event.target as HTMLFormElement;
      if (!(form instanceof Element) || form.closest(IGNORE)) return;
      const target = describeElement(form);
      const submitter = event.submitter;
      if (submitter && !submitter.closest(IGNORE)) {
        const caption = describeElement(submitter).text;
        if (caption) target.submitter = caption;
      }
      track("submit", { target });
    }),
    true,
  );

  // Validation failures: `invalid` fires on each field a submit (or checkValidity/reportValidity) rejected.
  // Sent: the field's identity and label, which constraint failed, and the message — with the field's
  // value cut out of it (browsers quote it: "'abc' is missing an '@'"). Never the value itself.
  document.addEventListener(
    "invalid",
    safe((event: Event) => {
      const el = event.target;
      if (!(el instanceof Element) || el.closest(IGNORE) || !el.matches("input,select,textarea")) return;
      const field = el as HTMLInputElement;
      const value = field.type === "password" ? "" : field.value;
      let message = field.validationMessage || "";
      if (value) message = message.split(value).join("…");
      const failed = Object.keys(VALIDITY).find((k) => field.validity[k as keyof ValidityState]);
      track("invalid", { target: describeElement(el), message: maskText(message), ...(failed ? { validity: VALIDITY[failed] } : {}) });
    }),
    true,
  );

  document.addEventListener(
    "change",
    safe((event: Event) => {
      const el = event.target;
      if (!(el instanceof Element) || el.closest(IGNORE) || !el.matches("input,select,textarea")) return;
      track("change", { target: describeElement(el) });
    }),
    true,
  );

  const leave = safe(() => void transport.flush(true));
  addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") leave();
  });

  window.PilotlightCapture = {
    sessionId: () => currentSession(Date.now(), false),
    flush: () => transport.flush().catch(() => undefined),
    identify: (id, hash) => {
      user = { id: id || undefined, hash: (id && hash) || undefined };
    },
    rotate: () => rotateSession(Date.now()),
  };
}

try {
  const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>("script[data-product-key][src*='capture']");
  // Loaded twice (two tags, or a tag manager): the first copy already captures everything.
  if (script && !window.PilotlightCapture) start(script);
} catch {
  // Never break the host page.
}
