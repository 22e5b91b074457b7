import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadWorkflows, parseWorkflows, WorkflowsFileError } from "../../server/workflows/load-workflows.js";
import { currentWorkflow, pathMatches, urlPath, workflowProgress, type MatchableAction } from "../../server/workflows/workflow-progress.js";
import { FIXTURES_DIR } from "../helpers/fixtures.js";

const workflows = loadWorkflows(path.join(FIXTURES_DIR, "workflows.sample.json"));
const invoice = workflows.find((w) => w.id === "create-invoice")!;
const act = (type: string, url: string, title = "", description = title): MatchableAction => ({ type, canonical_url: url, title, description });

describe("workflow files", () => {
  it("loads the sample and the shipped example", () => {
    expect(workflows.map((w) => w.id)).toEqual(["create-invoice", "invite-teammate"]);
    const example = loadWorkflows(path.resolve(FIXTURES_DIR, "../../workflows.example.json"));
    expect(example.length).toBeGreaterThanOrEqual(4);
  });

  it("names the file and the problem when it does not fit the schema", () => {
    expect(() => parseWorkflows('{"workflows":[{"id":"x","name":"X","steps":[{"id":"a","match":{},"hint":"h"}]}]}', "w.json")).toThrow(
      /w\.json: workflows\[0\]\.steps\[0\]\.match: match needs at least one of url, type, text/,
    );
    expect(() => parseWorkflows("{nope", "bad.json")).toThrow(WorkflowsFileError);
    expect(() => parseWorkflows('{"workflows":[{"id":"x","name":"X","steps":[]}]}', "e.json")).toThrow(/steps/);
    const dup = '{"workflows":[{"id":"x","name":"X","steps":[{"id":"a","match":{"url":"/"},"hint":"h"},{"id":"a","match":{"url":"/b"},"hint":"h"}]}]}';
    expect(() => parseWorkflows(dup, "d.json")).toThrow(/duplicate step id "a"/);
    expect(() => loadWorkflows(path.join(FIXTURES_DIR, "missing.json"))).toThrow(/cannot be read \(ENOENT\)/);
  });

  it("refuses unknown keys so typos are caught at start-up", () => {
    expect(() => parseWorkflows('{"workflows":[{"id":"x","name":"X","steps":[{"id":"a","match":{"uri":"/"},"hint":"h"}]}]}', "t.json")).toThrow(
      /Unrecognized key/,
    );
  });
});

describe("URL patterns", () => {
  it("compares the path of full or path-only URLs, ignoring query, hash and trailing slash", () => {
    expect(urlPath("https://app.example.com/invoices/new?x=1#top")).toBe("/invoices/new");
    expect(urlPath("/settings/team/")).toBe("/settings/team");
    expect(urlPath("https://app.example.com")).toBe("/");
    expect(pathMatches("/invoices", "https://app.example.com/invoices?page=2")).toBe(true);
    expect(pathMatches("/invoices", "/invoices/new")).toBe(false);
  });

  it("lets :id match exactly one segment and a trailing * the rest", () => {
    expect(pathMatches("/invoices/:id", "/invoices/42")).toBe(true);
    expect(pathMatches("/invoices/:id", "/invoices/42/edit")).toBe(false);
    expect(pathMatches("/invoices/:id", "/invoices")).toBe(false);
    expect(pathMatches("/settings/*", "/settings/team/members")).toBe(true);
    expect(pathMatches("/settings/*", "/settings")).toBe(true);
    expect(pathMatches("/settings/*", "/billing")).toBe(false);
  });
});

describe("workflow progress", () => {
  it("places the user in a workflow and names the step after the furthest done one", () => {
    const p = workflowProgress(invoice, [act("pageview", "https://app.example.com/invoices"), act("pageview", "/invoices/new")]);
    expect(p.inWorkflow).toBe(true);
    expect(p.furthestDone).toBe(1);
    expect(p.nextStep?.id).toBe("pick-customer");
  });

  it("does not ask again for steps skipped before the furthest done step", () => {
    const p = workflowProgress(invoice, [act("type", "/quick-entry", "Type in 'Customer' field")]);
    expect(p.doneSteps).toEqual([2]);
    expect(p.nextStep?.id).toBe("save-invoice");
  });

  it("requires every key of a match: type and url together", () => {
    const p = workflowProgress(invoice, [act("submit", "/invoices"), act("pageview", "/invoices")]);
    expect(p.doneSteps).toEqual([0]);
  });

  it("matches text case-insensitively in the title or the description", () => {
    const p = workflowProgress(invoice, [act("pageview", "/invoices/7"), act("click", "/invoices/7", "Click button", "User clicked SEND INVOICE")]);
    expect(p.complete).toBe(true);
    expect(p.inWorkflow).toBe(false);
    expect(p.nextStep).toBeUndefined();
  });

  it("does not count a submit that did not go through: rejected by validation, or sent again before validation rejected that one too", () => {
    const save = act("submit", "/invoices/new", "Submit 'New invoice' form");
    const invalid = act("invalid", "/invoices/new", "Invalid 'Amount' field: Enter an amount.");
    const saveStep = invoice.steps.findIndex((s) => s.id === "save-invoice");
    expect(workflowProgress(invoice, [save, invalid]).doneSteps).not.toContain(saveStep);
    // Sent twice, the second rejected: the first did not go through either.
    expect(workflowProgress(invoice, [save, save, invalid]).doneSteps).not.toContain(saveStep);
    // A valid send after the failure counts; so does a send the user left the page after.
    expect(workflowProgress(invoice, [save, invalid, save]).doneSteps).toContain(saveStep);
    expect(workflowProgress(invoice, [save, act("pageview", "/invoices/42")]).doneSteps).toContain(saveStep);
  });

  it("is not in a workflow when nothing matched", () => {
    expect(currentWorkflow(workflows, [act("pageview", "/reports")])).toBeUndefined();
  });

  it("picks the workflow with the most recent progress", () => {
    const actions = [act("pageview", "/invoices"), act("pageview", "/settings/team"), act("pageview", "/dashboard")];
    expect(currentWorkflow(workflows, actions)?.workflow.id).toBe("invite-teammate");
    expect(currentWorkflow(workflows, [...actions, act("pageview", "/invoices/new")])?.workflow.id).toBe("create-invoice");
  });
});
