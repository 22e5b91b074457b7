/**
 * The admin JSON endpoints, read with the admin token as a bearer token. Every failure becomes an
 * `AdminApiError` with the server's `{error: {code, message}}` (status 0: the server could not be reached).
 */
import type { AdminLiftResponse, AdminSessionsResponse, AdminStatsResponse, AdminSuggestionsResponse } from "../../server/contracts/admin.js";

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "AdminApiError";
  }
}

/** Loosely typed answers of the integrator endpoints (the page only renders them as text). */
export type Json = Record<string, any>;

export interface AdminApi {
  sessions(): Promise<AdminSessionsResponse>;
  suggestions(): Promise<AdminSuggestionsResponse>;
  stats(): Promise<AdminStatsResponse>;
  installation(): Promise<Json>;
  workflows(): Promise<Json>;
  /** `save` false: validate and preview only. Rejects with the server's 422 and its issues. */
  uploadWorkflows(body: string, save: boolean): Promise<Json>;
  search(q: string): Promise<Json>;
  conversation(id: string): Promise<Json>;
  lift(): Promise<AdminLiftResponse>;
}

function errorOf(status: number, body: unknown, fallback: string): AdminApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; issues?: unknown } } | null)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message = typeof error?.message === "string" ? error.message : fallback;
  return new AdminApiError(status, code, message, Array.isArray(error?.issues) ? (error.issues as { path: string; message: string }[]) : []);
}

/** `productId` null: the server's default product. */
export function createAdminApi(token: string, productId: string | null): AdminApi {
  async function get<T>(path: string, params: Record<string, string> = {}, init: RequestInit = {}): Promise<T> {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    if (productId && !path.startsWith("/v1/conversations/")) url.searchParams.set("product_id", productId);
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { "content-type": "application/json" } : {}) }, cache: "no-store" });
    } catch {
      throw new AdminApiError(0, "network_error", "could not reach the Pilotlight server");
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) throw errorOf(res.status, body, res.statusText || `HTTP ${res.status}`);
    return body as T;
  }
  return {
    sessions: () => get<AdminSessionsResponse>("/v1/admin/sessions", { limit: "30" }),
    suggestions: () => get<AdminSuggestionsResponse>("/v1/admin/suggestions", { limit: "30" }),
    stats: () => get<AdminStatsResponse>("/v1/admin/stats", { minutes: "60", bucket_s: "60" }),
    installation: () => get<Json>("/v1/admin/installation"),
    workflows: () => get<Json>("/v1/admin/workflows"),
    uploadWorkflows: (body, save) =>
      get<Json>(save ? "/v1/admin/workflows" : "/v1/admin/workflows/validate", {}, { method: save ? "PUT" : "POST", body }),
    search: (q) => get<Json>("/v1/admin/search", { q }),
    conversation: (id) => get<Json>(`/v1/conversations/${encodeURIComponent(id)}`),
    lift: () => get<AdminLiftResponse>("/v1/admin/stats/lift", { days: "30" }),
  };
}
