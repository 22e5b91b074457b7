import fs from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { startTestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk, nextEvent } from "../helpers/widget-client.js";

describe("shutdown with widgets connected", () => {
  it("disconnects connected widgets and closes promptly", async () => {
    const server = await startTestServer();
    const socket = await connectWidget(server.url, { sessionId: "shutdown" });
    const disconnected = new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
    const started = Date.now();
    await server.close();
    expect(await disconnected).toBe("io server disconnect");
    // Not a speed assertion: proves close() does not wait for the widget's own timeouts (tens of seconds).
    expect(Date.now() - started).toBeLessThan(5_000);
    socket.close();
  });

  it("still lets a widget that reconnects after a restart resume its conversation", async () => {
    const first = await startTestServer();
    const socket = await connectWidget(first.url, { sessionId: "restart-me" });
    const linked = nextEvent(socket, "conversation:linked");
    // The ack says the message is stored and its reply started: only then has drain() something to wait for.
    expectOk(await command(socket, "message:send", { clientMessageId: "r1", text: "before restart" }));
    const { conversationId, conversationToken } = await linked;
    await first.app.services.chat.drain();
    socket.close();
    const path = first.databasePath;
    await first.stop();

    const second = await startTestServer({ databasePath: path });
    try {
      const again = await connectWidget(second.url, { sessionId: "restart-me-too", conversationId, conversationToken });
      const synced = expectOk(await command(again, "conversation:sync", { afterSeq: 0 }));
      expect(synced.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
      again.close();
    } finally {
      await second.close();
      fs.rmSync(dirname(path), { recursive: true, force: true });
    }
  });
});
