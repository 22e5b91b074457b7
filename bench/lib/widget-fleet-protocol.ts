/** Messages between the bench process and its widget fleet (bench/lib/widget-fleet.ts), and their clock. */
export type ToFleet = { type: "connect"; url: string; count: number; origin: string; prefix: string } | { type: "close" };
export type FromFleet = { type: "connected" } | { type: "receipts"; receipts: [index: number, atMs: number][] } | { type: "error"; message: string };

/** The machine's monotonic clock in ms (CLOCK_MONOTONIC: one clock for every process of the machine). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
