/**
 * A message's text as DOM, built with DOM calls only (never innerHTML): runs of lines like `1. …` become a
 * real numbered list (`<ol>` keeps the numbering the text gave), everything else stays text with its line
 * breaks. Text like `<img onerror=…>` therefore shows as text and runs nothing.
 */
import { h } from "../../shared/dom.js";

const ITEM = /^\s*(\d{1,3})[.)]\s+(.*)$/;

export function messageBody(text: string): DocumentFragment {
  const out = document.createDocumentFragment();
  let list: HTMLOListElement | undefined;
  let prose: string[] = [];
  const flushProse = () => {
    if (prose.length) out.append(document.createTextNode(prose.join("\n").replace(/^\n+|\n+$/g, "")));
    prose = [];
  };
  for (const line of text.split("\n")) {
    const item = ITEM.exec(line);
    if (item) {
      flushProse();
      if (!list) {
        list = h("ol", { class: "pl-steps" });
        if (item[1] !== "1") list.start = Number(item[1]);
        out.append(list);
      }
      list.append(h("li", {}, item[2]!));
      continue;
    }
    list = undefined;
    prose.push(line);
  }
  flushProse();
  return out;
}
