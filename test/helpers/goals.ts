import type { TestServer } from "./test-server.js";

/**
 * Resolves once the session's stored goal is `goal` — at once if it already is, otherwise on the goal
 * tracker's change event — and rejects after `timeoutMs`.
 */
export function waitForGoal(server: TestServer, sessionId: string, goal: string, timeoutMs = 5000, productId = "demo"): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const off = server.app.services.goals.onChanged((change) => {
      if (change.sessionId === sessionId && change.productId === productId && change.goal === goal) done();
    });
    const timer = setTimeout(async () => {
      off();
      const current = (await server.repos.sessions.findByKey(productId, sessionId))?.goal;
      reject(new Error(`session ${sessionId} did not reach goal ${JSON.stringify(goal)} in ${timeoutMs} ms (it is ${JSON.stringify(current)})`));
    }, timeoutMs);
    void server.repos.sessions.findByKey(productId, sessionId).then((s) => s?.goal === goal && done());
  });
}
