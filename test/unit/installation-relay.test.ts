import { describe, expect, it } from "vitest";
import { createInstallationMonitor } from "../../server/admin/installation-monitor.js";
import { relayInstallation } from "../../server/admin/installation-relay.js";
import { createMemoryBus, createMemoryBusHub } from "../../server/cluster/memory-bus.js";
import { createMemoryLogger } from "../helpers/memory-logger.js";

const T0 = 1_764_000_000_000;
const evil = { productId: "demo", origin: "https://evil.example", channel: "capture" as const, allowed: false, code: "origin_not_allowed", reason: "not in the product's allowed origins" };

/** Two instances on one in-process bus, each with its own monitor. */
async function twoInstances() {
  const hub = createMemoryBusHub();
  const { logger } = createMemoryLogger();
  const make = (instanceId: string) => {
    const seen = createInstallationMonitor();
    return { seen, relay: relayInstallation(seen, { bus: createMemoryBus(hub, logger), instanceId, logger }) };
  };
  const a = make("a");
  const b = make("b");
  await Promise.all([a.relay.ready, b.relay.ready]);
  return { a, b };
}
/** The bus delivers on a later turn. */
const delivered = () => new Promise((resolve) => setImmediate(resolve));

describe("installation sightings across instances", () => {
  it("adds up one origin's sightings from every instance, and an instance does not count its own relay twice", async () => {
    const { a, b } = await twoInstances();
    a.relay.noteOrigin(evil, T0);
    a.relay.noteOrigin(evil, T0 + 1_000);
    b.relay.noteOrigin(evil, T0 + 2_000);
    // close() relays what is pending at once (instead of within the second).
    await a.relay.close();
    await delivered();
    expect(b.seen.origins("demo", 0)).toEqual([expect.objectContaining({ origin: "https://evil.example", count: 3, firstSeenAt: T0, lastSeenAt: T0 + 2_000 })]);
    expect(a.seen.origins("demo", 0)).toEqual([expect.objectContaining({ count: 2 })]);
    await b.relay.close();
  });

  it("keeps the newest accepted and refused event per source, whichever instance's arrives last", async () => {
    const { a, b } = await twoInstances();
    b.relay.noteAccepted("demo", "push", "s-new", T0 + 5_000);
    a.relay.noteAccepted("demo", "push", "s-old", T0);
    a.relay.noteRefused("demo", "capture", "origin_not_allowed", "older", T0);
    b.relay.noteRefused("demo", "capture", "payload_too_large", "newer", T0 + 5_000);
    await a.relay.close();
    await delivered();
    const sources = (m: typeof b.seen) => Object.fromEntries(m.sources("demo").map((s) => [s.source, s]));
    expect(sources(b.seen).push).toMatchObject({ lastAcceptedAt: T0 + 5_000, lastSessionId: "s-new" });
    expect(sources(b.seen).capture).toMatchObject({ lastRefusedAt: T0 + 5_000, lastRefusalCode: "payload_too_large" });
    await b.relay.close();
    await delivered();
    // A closed its subscription: b's relay did not reach it, its own newest stays.
    expect(sources(a.seen).push).toMatchObject({ lastSessionId: "s-old" });
  });

  it("relays no origin longer than any real page's, and the rest of the relay still arrives", async () => {
    const { a, b } = await twoInstances();
    const long = `https://${"x".repeat(3_000)}.example`;
    a.relay.noteOrigin({ ...evil, origin: long }, T0);
    a.relay.noteOrigin(evil, T0);
    await a.relay.close();
    await delivered();
    expect(a.seen.origins("demo", 0).map((o) => o.origin)).toContain(long);
    expect(b.seen.origins("demo", 0).map((o) => o.origin)).toEqual(["https://evil.example"]);
    await b.relay.close();
  });
});
