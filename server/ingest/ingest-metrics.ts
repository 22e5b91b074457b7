/**
 * Counts what the ingest use case did — accepted, duplicate or failed — for every source, without the use
 * case knowing about metrics: it wraps `ingest()` and `submit()` and leaves everything else (e.g. `onIngested`) as is.
 * Rejections happen before the use case (bad signature, schema…), so the edges count those
 * (`countIngestRejections` for HTTP routes, `metrics.ingests.inc({source, result: "rejected", reason})` elsewhere).
 */
import type { Metrics } from "../metrics.js";
import { OwnerConflictError } from "../sessions/session-ownership.js";
import type { AutoplayEvent } from "./autoplay.schema.js";
import type { IngestResult, IngestService, IngestSource } from "./ingest-event.js";

export function recordIngestResult(metrics: Metrics, source: IngestSource, event: AutoplayEvent, result: IngestResult): void {
  // A delivery that stored nothing but had content is a pure re-delivery; an empty batch counts as accepted.
  const duplicateOnly = result.accepted === 0 && result.duplicates > 0;
  metrics.ingests.inc({ source, result: duplicateOnly ? "duplicate" : "accepted" });
  if (result.accepted > 0) {
    metrics.ingestedItems.inc({ source, kind: event.type === "summary" ? "summary" : "action" }, result.accepted);
  }
  if (result.duplicates > 0) metrics.duplicates.inc({ source }, result.duplicates);
}

export function instrumentIngest<S extends IngestService>(service: S, metrics: Metrics): S {
  const submit: IngestService["submit"] = (productId, event, source, owner, done) =>
    service.submit(productId, event, source, owner, (error, result) => {
      if (error === undefined) recordIngestResult(metrics, source, event, result!);
      else if (!(error instanceof OwnerConflictError)) metrics.ingests.inc({ source, result: "failed" });
      // The push and capture routes answer a conflict with 409 and count it as a rejection; PostHog drops
      // the conflicting events and the connector skips the frame, so theirs are counted here.
      else if (source === "posthog" || source === "connector") metrics.ingests.inc({ source, result: "rejected", reason: error.code });
      done(error, result);
    });
  return {
    ...service,
    submit,
    ingest(productId: string, event: AutoplayEvent, source: IngestSource, owner?: string | null): Promise<IngestResult> {
      return new Promise<IngestResult>((resolve, reject) => {
        submit(productId, event, source, owner, (error, result) => (error === undefined ? resolve(result!) : reject(error)));
      });
    },
  };
}
