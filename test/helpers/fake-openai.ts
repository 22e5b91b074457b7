/**
 * A real local HTTP server speaking the OpenAI chat-completions protocol, for tests and benches that
 * reach it through the real `openai` SDK (OPENAI_BASE_URL = `fake.url`).
 *
 * Each request takes the next queued script (or the default one): a JSON reply, a streamed reply (SSE
 * chunks ending with `data: [DONE]`, usage included when asked for), a slow reply, an HTTP error with
 * optional retry-after, or a hang until the client gives up. Every request is recorded.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type FakeScript =
  /** A reply; sent as JSON, or as SSE deltas when the request asked for `stream: true`. */
  | { kind: "reply"; text: string; delayMs?: number; usage?: FakeUsage; model?: string }
  /** Explicit streamed deltas with a pause between chunks (a non-stream request gets them joined). */
  | { kind: "stream"; deltas: string[]; chunkDelayMs?: number; usage?: FakeUsage }
  | { kind: "error"; status: number; message?: string; retryAfterS?: number; retryAfterMs?: number; delayMs?: number }
  /** Never answers; the request ends when the client aborts or times out. */
  | { kind: "hang" };

export interface RecordedRequest {
  n: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    max_tokens?: number;
    [key: string]: unknown;
  };
  script: FakeScript["kind"];
  /** Set when the client went away before the reply was complete. */
  aborted: boolean;
  /** Set once the response has been fully written. */
  completed: boolean;
  /** performance.now() when the request arrived, and when its response ended or the client went away. */
  startedAt: number;
  endedAt?: number;
}

/** The most requests of `requests` that were in flight at one moment (from their start and end times). */
export function maxOverlap(requests: readonly RecordedRequest[]): number {
  const edges = requests.flatMap((r) => [
    { t: r.startedAt, d: 1 },
    { t: r.endedAt ?? Number.POSITIVE_INFINITY, d: -1 },
  ]);
  // An end and a start at the same instant do not overlap: ends first.
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}

export type ScriptSource = FakeScript | ((req: RecordedRequest) => FakeScript);

export interface FakeOpenAI {
  /** Base URL including `/v1`, as OPENAI_BASE_URL expects. */
  url: string;
  requests: RecordedRequest[];
  /** Queues scripts for the next requests, in order. */
  enqueue(...scripts: FakeScript[]): void;
  /** What requests get when the queue is empty. */
  setDefault(script: ScriptSource): void;
  /** Requests arrived and not yet answered or abandoned, now; and the most there ever were at once. */
  concurrency(): { now: number; max: number };
  /** Resolves once `n` requests in total have arrived. */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export const DEFAULT_USAGE: FakeUsage = { prompt_tokens: 120, completion_tokens: 18, total_tokens: 138 };

function defaultUsage(text: string): FakeUsage {
  const completion = Math.max(1, Math.ceil(text.length / 4));
  return { prompt_tokens: DEFAULT_USAGE.prompt_tokens, completion_tokens: completion, total_tokens: DEFAULT_USAGE.prompt_tokens + completion };
}

/** Splits a text into a few word-ish deltas so streamed replies look like the real thing. */
export function splitDeltas(text: string): string[] {
  const parts = text.match(/\S+\s*|\s+/g) ?? [text];
  return parts.length ? parts : [""];
}

export async function startFakeOpenAI(options: { default?: ScriptSource } = {}): Promise<FakeOpenAI> {
  const queue: FakeScript[] = [];
  let fallback: ScriptSource = options.default ?? { kind: "reply", text: "Open Settings → Team to invite a teammate." };
  const requests: RecordedRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let created = 1_700_000_000;
  let inFlight = 0;
  let maxInFlight = 0;

  const notify = () => {
    for (const w of [...waiters]) if (requests.length >= w.n) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: RecordedRequest["body"] = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as RecordedRequest["body"];
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "body is not JSON", type: "invalid_request_error" } }));
        return;
      }
      const record: RecordedRequest = {
        n: requests.length + 1,
        method: req.method ?? "",
        path: (req.url ?? "").split("?")[0] ?? "",
        headers: req.headers,
        body,
        script: "reply",
        aborted: false,
        completed: false,
        startedAt: performance.now(),
      };
      if (record.method !== "POST" || record.path !== "/v1/chat/completions") {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `no route ${record.method} ${record.path}`, type: "not_found" } }));
        return;
      }
      const script = queue.shift() ?? (typeof fallback === "function" ? fallback(record) : fallback);
      record.script = script.kind;
      // In flight from arrival until the response ends or the client goes away (whichever comes first).
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.once("close", () => {
        inFlight--;
        record.endedAt = performance.now();
      });
      requests.push(record);
      notify();
      void respond(script, record, res);
    });
  });

  const timers = new Set<NodeJS.Timeout>();
  const pause = (ms: number, res: http.ServerResponse) =>
    new Promise<boolean>((resolve) => {
      if (ms <= 0) return resolve(!res.destroyed);
      const t = setTimeout(() => {
        timers.delete(t);
        resolve(!res.destroyed);
      }, ms);
      timers.add(t);
      res.once("close", () => {
        clearTimeout(t);
        timers.delete(t);
        resolve(false);
      });
    });

  async function respond(script: FakeScript, record: RecordedRequest, res: http.ServerResponse): Promise<void> {
    res.once("close", () => {
      if (!record.completed) record.aborted = true;
    });
    const model = record.body.model ?? "fake-model";
    const id = `chatcmpl-fake-${record.n}`;
    const stamp = created++;
    if (script.kind === "hang") return;
    if (script.kind === "error") {
      if (!(await pause(script.delayMs ?? 0, res))) return;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (script.retryAfterS !== undefined) headers["retry-after"] = String(script.retryAfterS);
      if (script.retryAfterMs !== undefined) headers["retry-after-ms"] = String(script.retryAfterMs);
      // Real servers tell the SDK nothing about retrying; the SDK decides by status.
      res.writeHead(script.status, headers);
      res.end(JSON.stringify({ error: { message: script.message ?? `fake error ${script.status}`, type: "server_error", code: null } }));
      record.completed = true;
      return;
    }
    const deltas = script.kind === "stream" ? script.deltas : splitDeltas(script.text);
    const text = deltas.join("");
    const usage = script.usage ?? defaultUsage(text);
    if (script.kind === "reply" && !(await pause(script.delayMs ?? 0, res))) return;
    if (!record.body.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created: stamp,
          model: script.kind === "reply" && script.model ? script.model : model,
          choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: "stop" }],
          usage,
        }),
      );
      record.completed = true;
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: stamp, model, choices, ...extra })}\n\n`;
    res.write(chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]));
    for (const delta of deltas) {
      if (script.kind === "stream" && !(await pause(script.chunkDelayMs ?? 0, res))) return;
      if (res.destroyed) return;
      res.write(chunk([{ index: 0, delta: { content: delta }, finish_reason: null }]));
    }
    res.write(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
    if (record.body.stream_options?.include_usage) res.write(chunk([], { usage }));
    res.end("data: [DONE]\n\n");
    record.completed = true;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...scripts) => void queue.push(...scripts),
    concurrency: () => ({ now: inFlight, max: maxInFlight }),
    setDefault(script) {
      fallback = script;
    },
    waitForRequests(n, timeoutMs = 10_000) {
      if (requests.length >= n) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake OpenAI got ${requests.length} requests, expected ${n}`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(requests);
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
