import { expect, test } from "bun:test";
import { Progress } from "./progress.ts";

test("the line names the phase and its counters, done/total where there is a total", () => {
  const progress = new Progress("load fanout");
  progress.phase("connect");
  progress.set({ "sessions READY": [800, 1000] });
  expect(progress.line()).toMatch(/^\[load fanout \d+s\] connect: sessions READY 800\/1,000$/);
  progress.phase("throughput");
  progress.set({ "events sent": [12, 100], deliveries: 12000 });
  expect(progress.line()).toMatch(/\] throughput: events sent 12\/100, deliveries 12,000$/);
});
