/**
 * The widget's stylesheet, applied inside its shadow root. `:host` resets everything the page could
 * pass in by inheritance (fonts, colours, line height), with !important so page rules on the host element
 * lose too; nothing here can reach the page. Layout inside the widget uses logical properties, so a
 * right-to-left page mirrors it; `--pl-accent` is the configured colour. Motion is off under
 * `prefers-reduced-motion`, and under 480 px the open panel fills the screen.
 */
export const STYLES = `
:host { all: initial !important; position: fixed !important; right: 20px !important; bottom: 20px !important; left: auto !important;
  z-index: 2147483000 !important; display: block !important; contain: style;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif !important; color: #1c1f24 !important; }
:host([data-position=left]) { left: 20px !important; right: auto !important; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
button { font: inherit; cursor: pointer; }
.pl-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.pl-launcher { width: 56px; height: 56px; border-radius: 50%; border: 0; background: var(--pl-accent, #3547d8); color: #fff;
  box-shadow: 0 6px 20px rgba(20, 30, 80, .3); display: grid; place-items: center; position: relative; margin-inline-start: auto; }
:host([data-position=left]) .pl-launcher { margin-inline-start: 0; }
.pl-launcher:focus-visible, .pl-panel button:focus-visible, .pl-preview button:focus-visible, textarea:focus-visible {
  outline: 3px solid #ffb020; outline-offset: 2px; }
.pl-launcher svg { width: 26px; height: 26px; fill: currentColor; grid-area: 1 / 1; transition: transform .18s ease, opacity .18s ease; }
.pl-launcher .pl-icon-close { opacity: 0; transform: rotate(-90deg) scale(.6); }
:host([data-open]) .pl-launcher svg { opacity: 0; transform: rotate(90deg) scale(.6); }
:host([data-open]) .pl-launcher .pl-icon-close { opacity: 1; transform: none; }
.pl-badge { position: absolute; top: -4px; inset-inline-end: -4px; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px;
  background: #d92d20; color: #fff; font-size: 12px; font-weight: 600; line-height: 20px; text-align: center; }
.pl-panel { position: absolute; right: 0; bottom: 72px; width: min(380px, calc(100vw - 40px)); height: min(560px, calc(100vh - 120px));
  background: #fff; border-radius: 14px; box-shadow: 0 12px 40px rgba(20, 30, 80, .28); display: flex; flex-direction: column; overflow: hidden;
  transform-origin: bottom right; }
:host([data-position=left]) .pl-panel, :host([data-position=left]) .pl-preview { right: auto; left: 0; transform-origin: bottom left; }
.pl-enter { animation: pl-in .18s ease-out; }
.pl-leave { animation: pl-out .14s ease-in forwards; }
@keyframes pl-in { from { opacity: 0; transform: translateY(10px) scale(.97); } }
@keyframes pl-out { to { opacity: 0; transform: translateY(10px) scale(.97); } }
.pl-header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: var(--pl-accent, #3547d8); color: #fff; }
.pl-header h2 { font-size: 15px; margin: 0; flex: 1; font-weight: 600; }
.pl-status { font-size: 12px; opacity: .85; }
.pl-close { background: transparent; border: 0; color: #fff; font-size: 20px; line-height: 1; padding: 2px 6px; border-radius: 6px; }
.pl-body { flex: 1; overflow-y: auto; display: flex; flex-direction: column; min-height: 0; }
.pl-greeting { margin: 14px 12px 0; padding: 10px 12px; border-radius: 12px; background: #f0f2f7; max-width: 85%; }
.pl-greeting p { margin: 0; }
.pl-notice { margin: 12px; padding: 10px 12px; border-radius: 10px; background: #fff4e5; border: 1px solid #f5c27a; color: #6b4200; font-size: 13px; }
.pl-thread { list-style: none; margin: 0; padding: 12px; flex: 1; display: flex; flex-direction: column; gap: 8px; }
.pl-msg { max-width: 85%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.pl-user { align-self: flex-end; background: var(--pl-accent, #3547d8); color: #fff; border-end-end-radius: 4px; }
.pl-assistant { align-self: flex-start; background: #f0f2f7; border-end-start-radius: 4px; }
.pl-suggestion { align-self: stretch; max-width: none; background: #fff8e6; border: 1px solid #f5d48a; }
.pl-steps { margin: 4px 0; padding-inline-start: 22px; white-space: normal; }
.pl-steps li { margin: 2px 0; }
.pl-time { display: block; font-size: 11px; opacity: .7; margin-top: 3px; text-align: end; }
.pl-label { display: block; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: #8a6100; margin-bottom: 2px; }
.pl-pending { opacity: .6; }
.pl-failed { border: 1px dashed #d92d20; }
.pl-actions { display: flex; gap: 8px; margin-top: 8px; }
.pl-accept, .pl-dismiss { border-radius: 8px; padding: 5px 12px; border: 1px solid var(--pl-accent, #3547d8); }
.pl-accept { background: var(--pl-accent, #3547d8); color: #fff; }
.pl-dismiss { background: #fff; color: var(--pl-accent, #3547d8); }
.pl-verdict { font-size: 12px; color: #5b6270; margin-top: 6px; display: block; }
.pl-typing { padding: 0 14px 6px; font-size: 12px; color: #5b6270; }
.pl-composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e4e7ee; }
.pl-composer textarea { flex: 1; resize: none; height: 40px; max-height: 120px; border: 1px solid #c9cfdb; border-radius: 10px;
  padding: 9px 10px; font: inherit; color: inherit; background: #fff; }
.pl-send { border: 0; border-radius: 10px; background: var(--pl-accent, #3547d8); color: #fff; padding: 0 14px; }
.pl-send:disabled { opacity: .5; cursor: default; }
.pl-preview { position: absolute; right: 0; bottom: 72px; width: min(320px, calc(100vw - 40px)); background: #fff;
  border-radius: 12px; box-shadow: 0 8px 28px rgba(20, 30, 80, .25); padding: 12px 14px; animation: pl-in .18s ease-out; }
.pl-preview p { margin: 0; margin-inline-end: 22px; white-space: pre-wrap; overflow-wrap: anywhere; }
.pl-preview-close { position: absolute; top: 6px; inset-inline-end: 6px; background: transparent; border: 0; font-size: 18px; color: #5b6270; }
@media (prefers-reduced-motion: reduce) {
  .pl-enter, .pl-leave, .pl-preview { animation: none; }
  .pl-launcher svg { transition: none; }
}
@media (max-width: 480px) {
  .pl-panel { position: fixed; inset: 0; width: auto; height: auto; border-radius: 0; z-index: 1; }
  :host([data-open]) .pl-launcher { visibility: hidden; }
}
`;
