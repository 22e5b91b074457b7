/** The coordination contract against the in-process backend: several instances joined to one hub. */
import { createMemoryCoordination, createMemoryHub } from "../../server/cluster/memory-coordination.js";
import { describeCoordinationContract } from "./coordination.contract.js";

describeCoordinationContract("in process", () => {
  const hub = createMemoryHub();
  const made: { close(): Promise<void> }[] = [];
  return {
    join(instanceId, log) {
      const c = createMemoryCoordination(log.logger, { hub, instanceId });
      made.push(c);
      return c;
    },
    close: async () => void (await Promise.all(made.map((c) => c.close()))),
  };
});
