/**
 * `--profile`: the server under test runs with `node --cpu-prof`, and the bench notes summarise each
 * profile — self time by area (our source file, a dependency, Node's internals, GC, idle) and the hottest
 * functions. Bundle positions are mapped back to source files through the `// path.ts` markers esbuild
 * writes before each module of an unminified bundle.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Node flags that write a profile of the child to `dir/<name>.cpuprofile` when it exits. */
export function profileArgs(dir: string, name: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(path.join(dir, `${name}.cpuprofile`), { force: true });
  return ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-name", `${name}.cpuprofile`];
}

/** For a bundle file: line number (0-based) → the source module it came from. */
function moduleMap(file: string): (line: number) => string {
  const starts: { line: number; source: string }[] = [];
  fs.readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, line) => {
      const m = /^\/\/ ((?:server|db|bench)\/\S+\.ts)$/.exec(text);
      if (m) starts.push({ line, source: m[1]! });
    });
  return (line) => {
    let found = "(bundle)";
    for (const s of starts) {
      if (s.line > line) break;
      found = s.source;
    }
    return found;
  };
}

function areaOf(frame: ProfileNode["callFrame"], bundles: Map<string, (line: number) => string>): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1]!;
  if (url.startsWith("file://") && url.endsWith(".js") && url.includes("/dist/")) {
    const file = fileURLToPath(url);
    let map = bundles.get(file);
    if (!map) bundles.set(file, (map = fs.existsSync(file) ? moduleMap(file) : () => "(bundle)"));
    return map(frame.lineNumber);
  }
  return url;
}

/** Lines for the bench notes: one block per profile in `dir`. */
export function summariseProfiles(dir: string, top = 12): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const bundles = new Map<string, (line: number) => string>();
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort()) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    let total = 0;
    let idle = 0;
    const areas = new Map<string, number>();
    const functions = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const node = byId.get(id)!;
      total += us;
      if (node.callFrame.functionName === "(idle)") {
        idle += us;
        continue;
      }
      const area = areaOf(node.callFrame, bundles);
      areas.set(area, (areas.get(area) ?? 0) + us);
      const fn = `${node.callFrame.functionName || "(anonymous)"} [${area}]`;
      functions.set(fn, (functions.get(fn) ?? 0) + us);
    }
    const busy = total - idle;
    const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
    const list = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, us]) => `${k} ${pct(us)}`)
        .join("; ");
    out.push(`profile ${name}: busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)}%), self time of busy by area: ${list(areas)}`);
    out.push(`profile ${name}: hottest functions (self): ${list(functions)}`);
  }
  return out;
}
