/**
 * widget.js — embed with one tag:
 *   <script src="https://HOST/widget.js" data-product-key="pk_…" async></script>
 *   (optional: data-session-id — the session your source keys actions by; data-title, data-color,
 *   data-position="right|left", data-greeting, data-endpoint, data-manual-boot)
 * and, optionally, the command queue before it loads:
 *   window.Pilotlight = window.Pilotlight || function () { (Pilotlight.q = Pilotlight.q || []).push(arguments) };
 *   Pilotlight("boot", { userId, userHash, sessionId });  Pilotlight("open");  Pilotlight("on", "suggestion", cb);
 * Commands: boot, update, shutdown, open, close, on. Window events: pilotlight:ready, :suggestion, :message,
 * :open, :close, :linked, :status.
 */
import { PilotlightWidget, type BootOptions, type UpdateOptions, type WidgetEvent } from "./widget-app.js";

type Command = [name: string, ...args: unknown[]];
interface PilotlightGlobal {
  (...command: Command): void;
  q?: ArrayLike<unknown>[];
  loaded?: boolean;
}

const script = document.currentScript as HTMLScriptElement | null;
const w = window as unknown as { Pilotlight?: PilotlightGlobal };

function scriptOrigin(): string {
  try {
    return new URL(script?.src ?? location.href).origin;
  } catch {
    return location.origin;
  }
}

if (!w.Pilotlight?.loaded) {
  const data = script?.dataset ?? {};
  const defaults: Pick<BootOptions, "productKey" | "endpoint" | "sessionId" | "title" | "color" | "position" | "greeting"> = {
    productKey: data.productKey ?? "",
    endpoint: data.endpoint ?? scriptOrigin(),
    ...(data.sessionId ? { sessionId: data.sessionId } : {}),
    // Look and words from the tag (data-title, data-color, data-position, data-greeting); boot options win.
    title: data.title,
    color: data.color,
    position: data.position,
    greeting: data.greeting,
  };
  const queued = Array.from(w.Pilotlight?.q ?? [], (args) => Array.from(args) as Command);
  let widget: PilotlightWidget | undefined;
  const pending: [WidgetEvent, (d: unknown) => void][] = [];

  const run = (name: string, arg?: unknown, cb?: unknown): void => {
    const options = (arg && typeof arg === "object" ? arg : {}) as Partial<BootOptions>;
    switch (name) {
      case "boot":
        if (widget) return;
        widget = new PilotlightWidget({ ...defaults, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as BootOptions);
        if (!widget || !(defaults.productKey || options.productKey)) {
          console.warn("Pilotlight: boot needs a productKey (data-product-key on the script tag)");
          widget = undefined;
          return;
        }
        for (const [event, listener] of pending.splice(0)) widget.on(event, listener);
        widget.boot();
        return;
      case "update":
        widget?.update(options as UpdateOptions);
        return;
      case "shutdown":
        widget?.shutdown();
        widget = undefined;
        // The tag's session belonged to whoever was here: a later boot names its own (or none).
        delete defaults.sessionId;
        return;
      case "open":
        widget?.open();
        return;
      case "close":
        widget?.close();
        return;
      case "on":
        if (typeof arg === "string" && typeof cb === "function") {
          if (widget) widget.on(arg as WidgetEvent, cb as (d: unknown) => void);
          else pending.push([arg as WidgetEvent, cb as (d: unknown) => void]);
        }
        return;
      default:
        console.warn(`Pilotlight: unknown command ${JSON.stringify(name)}`);
    }
  };

  const api = ((name: string, arg?: unknown, cb?: unknown) => run(name, arg, cb)) as PilotlightGlobal;
  api.loaded = true;
  w.Pilotlight = api;

  // Queued commands first (a queued boot wins over the automatic one), then boot from the script tag.
  queued.filter(([name]) => name === "on").forEach(([name, a, b]) => run(name, a, b));
  const queuedBoot = queued.find(([name]) => name === "boot");
  if (queuedBoot) run("boot", queuedBoot[1]);
  else if (defaults.productKey && script?.dataset.manualBoot === undefined) run("boot");
  queued.filter(([name]) => name !== "on" && name !== "boot").forEach(([name, a, b]) => run(name, a, b));
}
