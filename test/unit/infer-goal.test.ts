import path from "node:path";
import { describe, expect, it } from "vitest";
import { inferGoal, quotedName } from "../../server/sessions/infer-goal.js";
import { loadWorkflows } from "../../server/workflows/load-workflows.js";
import type { MatchableAction } from "../../server/workflows/workflow-progress.js";
import { FIXTURES_DIR } from "../helpers/fixtures.js";

const workflows = loadWorkflows(path.resolve(FIXTURES_DIR, "../../workflows.example.json"));
const act = (type: string, url: string, title = "", description = title): MatchableAction => ({ type, canonical_url: url, title, description });

describe("inferGoal", () => {
  it("names the workflow the user is in", () => {
    expect(inferGoal(workflows, [act("pageview", "https://app.example.com/reports", "Page Load: Reports")])).toEqual({
      goal: "Export a report",
      source: "workflow",
      workflowId: "export-report",
    });
  });

  it("prefers the workflow with the most recent progress", () => {
    const goal = inferGoal(workflows, [act("pageview", "/reports"), act("pageview", "/settings/team")]);
    expect(goal).toMatchObject({ goal: "Invite a teammate", source: "workflow" });
  });

  it("falls back to the latest purposeful click outside any workflow", () => {
    const goal = inferGoal(workflows, [
      act("pageview", "/customers", "Page Load: Customers"),
      act("click", "/customers", "Click 'Archive customer' button"),
      act("click", "/customers", "Click 'Close' button"),
    ]);
    expect(goal).toEqual({ goal: "Archive customer on the Customers page", source: "heuristic" });
  });

  it("reads a submit and typing as completing a form", () => {
    expect(inferGoal(workflows, [act("submit", "/profile/edit", "Submit 'Don't spam me' form")])?.goal).toBe(
      "Complete the Don't spam me form on the Edit profile page",
    );
    expect(inferGoal(workflows, [act("type", "/contacts/new", "Type in 'Phone' field")])?.goal).toBe("Fill in the form on the New contact page");
  });

  it("otherwise names the page the user spends the most actions on", () => {
    const goal = inferGoal(workflows, [
      act("pageview", "/dashboard"),
      act("click", "/help/articles/12", "Click 'Next' link"),
      act("click", "/help/articles/12", "Click 'Previous' link"),
    ]);
    expect(goal).toEqual({ goal: "Browse the Article details page", source: "heuristic" });
  });

  it("has nothing to say about an empty window", () => {
    expect(inferGoal(workflows, [])).toBeUndefined();
  });

  it("a completed workflow no longer names the goal", () => {
    const goal = inferGoal(workflows, [
      act("pageview", "/reports"),
      act("type", "/reports", "Choose from 'Date range' dropdown"),
      act("click", "/reports", "Click 'Export CSV' button"),
    ]);
    expect(goal).toEqual({ goal: "Export CSV on the Reports page", source: "heuristic" });
  });

  it("quotedName takes everything between the first and last quote", () => {
    expect(quotedName("Click 'Don't save' button")).toBe("Don't save");
    expect(quotedName("Page Load: Reports")).toBeUndefined();
  });
});
