/**
 * HTTP load from this process with autocannon, while the server under test runs in a child process. The
 * bench process is pinned off the server's core (`pinBenchProcess`), so this load generator has a core of its own.
 */
import autocannon from "autocannon";

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  /** Called for every request: returns the body and headers to send. */
  makeRequest: () => { body: string; headers: Record<string, string> };
  method?: "POST" | "GET";
}

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  /** Responses with a 2xx status. */
  ok: number;
  non2xx: number;
  errors: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationS,
    requests: [
      {
        method: o.method ?? "POST",
        setupRequest: (req) => {
          const { body, headers } = o.makeRequest();
          return { ...req, body, headers: { ...req.headers, ...headers } };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
  };
}
