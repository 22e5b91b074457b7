/** Admin JSON and extra products, for integration tests of the admin API. */
import { expect } from "vitest";
import { adminHeaders } from "./signing.js";
import type { TestServer } from "./test-server.js";

/** GETs an admin endpoint with the admin token, expects `status`, and returns the JSON body. */
export async function adminGet<T>(server: Pick<TestServer, "url">, path: string, status = 200): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: adminHeaders });
  expect(res.status).toBe(status);
  return (await res.json()) as T;
}

/** Another product beside the demo: the demo's settings under its own id and key, with no workflows until given some. */
export async function addProduct(server: Pick<TestServer, "repos">, id: string): Promise<void> {
  await server.repos.products.save({ ...(await server.repos.products.findById("demo"))!, id, productKey: `pk_${id}_0123456789` });
}
