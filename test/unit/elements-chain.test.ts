import { describe, expect, it } from "vitest";
import { chainToTarget, chooseTarget } from "../../server/ingest/posthog/chain-target.js";
import { parseElementsChain } from "../../server/ingest/posthog/elements-chain.js";
import { fixtureJson } from "../helpers/fixtures.js";

describe("parseElementsChain", () => {
  it("parses the fixture: target first, classes, attributes and positions", () => {
    const fixture = fixtureJson<{ event: { elements_chain: string } }>("posthog-autocapture.json");
    const [button, toolbar, ...rest] = parseElementsChain(fixture.event.elements_chain);
    expect(rest).toEqual([]);
    expect(button).toMatchObject({ tag: "button", classes: ["btn", "btn-primary"], text: "Export CSV", id: "export-csv", nthChild: 2, nthOfType: 1 });
    expect(button!.attributes.attr__class).toBe("btn btn-primary");
    expect(toolbar).toMatchObject({ tag: "div", classes: ["toolbar"], text: undefined, nthChild: 1 });
  });

  it("unescapes quotes inside values", () => {
    const [el] = parseElementsChain('button:text="Say \\"hi\\""attr__title="a \\"quoted\\" title"');
    expect(el!.text).toBe('Say "hi"');
    expect(el!.attributes.attr__title).toBe('a "quoted" title');
  });

  it("keeps colons, semicolons and equals signs inside values", () => {
    const [a, div] = parseElementsChain('a:href="https://x.test/a:b?c=1;d=2"text="Time: 10:30; ok"attr__data-x="k=v";div');
    expect(a).toMatchObject({ tag: "a", href: "https://x.test/a:b?c=1;d=2", text: "Time: 10:30; ok" });
    expect(a!.attributes["attr__data-x"]).toBe("k=v");
    expect(div!.tag).toBe("div");
  });

  it("reads classes that contain colons (Tailwind variants) as classes", () => {
    const [el] = parseElementsChain('button.hover:bg-blue-500.md:px-4.rounded:attr__type="submit"text="Go"');
    expect(el).toMatchObject({ tag: "button", classes: ["hover:bg-blue-500", "md:px-4", "rounded"], text: "Go" });
    expect(el!.attributes.attr__type).toBe("submit");
  });

  it("handles elements without attributes, empty values, missing text and empty parts", () => {
    const els = parseElementsChain('span;button:attr__title=""nth-child="3";;div.card:');
    expect(els.map((e) => e.tag)).toEqual(["span", "button", "div"]);
    expect(els[1]!.attributes.attr__title).toBe("");
    expect(els[1]!.text).toBeUndefined();
    expect(els[2]!.classes).toEqual(["card"]);
  });

  it("reads a value that ends in a backslash (PostHog does not escape backslashes)", () => {
    const [el, next] = parseElementsChain('span:text="C:\\\\"attr__id="path";div');
    expect(el!.text).toBe("C:\\\\");
    expect(el!.id).toBe("path");
    expect(next!.tag).toBe("div");
  });

  it("keeps the attributes it has and moves on from a malformed element", () => {
    const els = parseElementsChain('button:text="ok"garbage without quotes;a:href="/x"');
    expect(els[0]!.text).toBe("ok");
    expect(els[1]).toMatchObject({ tag: "a", href: "/x" });
    expect(parseElementsChain('button:text="never closed').at(0)!.text).toBe("never closed");
  });

  it("returns nothing for an empty chain and caps absurdly long ones", () => {
    expect(parseElementsChain("")).toEqual([]);
    expect(parseElementsChain(undefined)).toEqual([]);
    expect(parseElementsChain(Array.from({ length: 500 }, () => "div").join(";"))).toHaveLength(100);
  });

  it("reads colon-heavy chains the same way, where a colon opens the attributes only before key=\"", () => {
    // Runs of colons used to be rescanned from every colon (quadratic: seconds per 100 KB chain); see the
    // posthog-chain bench for the speed. These pin what they parse to.
    const [colons, ...none] = parseElementsChain(":".repeat(100_000));
    expect(none).toEqual([]);
    expect(colons!.tag).toBe(":".repeat(99_999));
    expect(parseElementsChain("a:".repeat(50_000))[0]!.tag).toBe(`${"a:".repeat(49_999)}a`);
    const [early] = parseElementsChain(`${":".repeat(50_000)}text="hi"`);
    expect(early).toMatchObject({ tag: "", attributes: { [`${":".repeat(49_999)}text`]: "hi" } });
    const [late, next] = parseElementsChain('div:x:y.z:text="ok";span');
    expect(late).toMatchObject({ tag: "div:x:y", classes: ["z"], text: "ok" });
    expect(next!.tag).toBe("span");
    expect(parseElementsChain('b::=:"x:text="t"')[0]).toMatchObject({ tag: 'b::=:"x', text: "t" });
  });

  it("prefers attr__id and falls back to attr_id", () => {
    expect(parseElementsChain('div:attr_id="legacy"')[0]!.id).toBe("legacy");
    expect(parseElementsChain('div:attr__id="modern"attr_id="legacy"')[0]!.id).toBe("modern");
  });
});

describe("chainToTarget", () => {
  const target = (chain: string, elText?: string) => chainToTarget(parseElementsChain(chain), elText);

  it("drops svg parts: a click on an icon lands on its button", () => {
    const t = target('path:attr__d="M0 0h24v24H0z";svg.icon:attr__viewBox="0 0 24 24";button.icon-btn:attr__aria-label="Delete invoice"attr__type="button";td;tr');
    expect(t).toMatchObject({ tag: "button", aria_label: "Delete invoice", input_type: "button", text: undefined });
  });

  it("lands on the interactive ancestor and takes the text of the span inside it", () => {
    const t = target('span.label:text="Send invoice";button.primary:attr__id="send";div.actions');
    expect(t).toMatchObject({ tag: "button", text: "Send invoice", id: "send" });
    expect(chooseTarget(parseElementsChain('span;a:href="/x";li'))!.index).toBe(1);
  });

  it("recognises interactive roles and onclick handlers", () => {
    expect(target('span:text="Overdue";div:attr__role="tab";div')).toMatchObject({ tag: "div", role: "tab", text: "Overdue" });
    expect(target('i;div.card:attr__onclick="go()"attr__title="Open card"')).toMatchObject({ tag: "div", title: "Open card" });
  });

  it("keeps the target itself when nothing is interactive", () => {
    expect(target('p:text="Hello";div;body')).toMatchObject({ tag: "p", text: "Hello" });
  });

  it("gives a field its identity, the text of an enclosing label and its form — never a value", () => {
    const t = target(
      'input:attr__type="email"attr__name="email"attr__value="dana@example.com"attr__placeholder="Teammate email";label:text="Email";form:attr__id="invite-form";div',
    );
    expect(t).toMatchObject({ tag: "input", input_type: "email", name: "email", label: "Email", form: "invite-form", placeholder: "Teammate email" });
    expect(JSON.stringify(t)).not.toContain("dana@example.com");
    expect(target('input:attr__type="submit"attr__value="Save card"')).toMatchObject({ text: "Save card" });
  });

  it("uses $el_text only when there is no chain at all", () => {
    expect(target("", "Export CSV")).toEqual({ tag: "element", text: "Export CSV" });
    // With a chain, a sensitive element's missing text is not filled in from elsewhere.
    expect(target('button:attr__aria-label="Pay"', "something else")).toMatchObject({ text: undefined, aria_label: "Pay" });
    expect(target("")).toBeUndefined();
  });
});
