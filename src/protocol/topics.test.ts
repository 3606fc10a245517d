import { expect, test } from "bun:test";
import { guildTopic, listTopic, parseTopic, restoredTopic, userTopic, WIRE_FORMATS, wireTopic } from "./topics.ts";

test("every topic a builder makes parses back to what it was built from", () => {
  expect(parseTopic(guildTopic("81384788765712384", 3, "201p"))).toEqual({ kind: "guild", guildId: "81384788765712384", classId: 3, variant: "201p" });
  expect(parseTopic(listTopic("81384788765712384", "everyone", 2))).toEqual({ kind: "list", guildId: "81384788765712384", listId: "everyone", chunk: 2 });
  expect(parseTopic(listTopic("1", "3821742861", 0))).toEqual({ kind: "list", guildId: "1", listId: "3821742861", chunk: 0 });
  expect(parseTopic(userTopic("175928847299117063"))).toEqual({ kind: "user", userId: "175928847299117063" });
  expect(parseTopic(restoredTopic(guildTopic("1", 0, "1")))).toEqual({ kind: "restored" });
});

test("each wire format's transport topic is its own, beside the plain JSON one", () => {
  const topic = guildTopic("1", 0, "1");
  const onWire = WIRE_FORMATS.map((wire) => wireTopic(topic, wire));
  expect(onWire[0]).toBe(topic);
  expect(new Set(onWire).size).toBe(6);
  for (const wired of onWire) expect(wired.startsWith(topic)).toBe(true);
  expect(wireTopic(topic, { etf: false, compress: "zlib-stream" })).toBe(`${topic}|z`);
  expect(wireTopic(topic, { etf: false, compress: "zstd-stream" })).toBe(`${topic}|zs`);
  expect(wireTopic(topic, { etf: true, compress: null })).toBe(`${topic}|e`);
  expect(wireTopic(topic, { etf: true, compress: "zstd-stream" })).toBe(`${topic}|ezs`);
});

test("a string no builder made does not parse", () => {
  for (const topic of ["", "x:1", "g:1:2", "u:1:2", "ml:1:2"]) expect(parseTopic(topic)).toBeUndefined();
});
