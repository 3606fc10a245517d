import { describe, expect, test } from "bun:test";
import type { LazyRequestData, MemberListRange } from "./payloads.ts";
import { protocolErrorOf } from "./test-helpers.ts";
import {
  MAX_RANGES_PER_CHANNEL,
  MAX_SUBSCRIBED_CHANNELS,
  MAX_SUBSCRIBED_MEMBERS,
  normalizeRanges,
  validateGuildSubscriptionsBulk,
  validateLazyRequest,
} from "./validate-subscriptions.ts";

const G = "81384788765712384";
const C = "381870553235193857";

describe("validateLazyRequest (op 14)", () => {
  test("accepts the Discord client's subscription", () => {
    const d: LazyRequestData = {
      guild_id: G,
      typing: true,
      threads: true,
      activities: true,
      members: [],
      channels: { [C]: [[0, 99]] },
    };
    expect(validateLazyRequest(d)).toEqual(d);
  });

  test("ignores unknown fields and omits missing ones", () => {
    expect(validateLazyRequest({ guild_id: G, thread_member_lists: [], typing: null })).toEqual({ guild_id: G });
  });

  test("keeps the first 5 channels in JSON order", () => {
    const ids = ["900000000000000007", "100000000000000001", "500000000000000005", "300000000000000003",
      "700000000000000007", "200000000000000002", "600000000000000006"];
    const text = `{"guild_id":"${G}","channels":{${ids.map((id) => `"${id}":[[0,99]]`).join(",")}}}`;
    const req = validateLazyRequest(JSON.parse(text));
    expect(Object.keys(req.channels ?? {})).toEqual(ids.slice(0, MAX_SUBSCRIBED_CHANNELS));
  });

  test("keeps the first 3 ranges per channel and the first 100 members", () => {
    const ranges = [[0, 99], [100, 199], [200, 299], [300, 399], [400, 499]];
    const members = Array.from({ length: 120 }, (_, i) => String(1000 + i));
    const req = validateLazyRequest({ guild_id: G, members, channels: { [C]: ranges } });
    expect(req.channels?.[C]).toEqual(ranges.slice(0, MAX_RANGES_PER_CHANNEL) as MemberListRange[]);
    expect(req.members).toEqual(members.slice(0, MAX_SUBSCRIBED_MEMBERS));
  });

  test("malformed values close with 4002 naming the field", () => {
    const cases: [unknown, string][] = [
      [{ channels: {} }, "d.guild_id must be a snowflake"],
      [{ guild_id: G, typing: 1 }, "d.typing must be a boolean"],
      [{ guild_id: G, members: [G, "me"] }, "d.members[1] must be a snowflake"],
      [{ guild_id: G, channels: [] }, "d.channels must be an object"],
      [{ guild_id: G, channels: { general: [[0, 99]] } }, 'd.channels["general"] is not a snowflake key'],
      [{ guild_id: G, channels: { [C]: [0, 99] } }, `d.channels["${C}"][0] must be an array`],
      [{ guild_id: G, channels: { [C]: [[0, 99, 199]] } }, `d.channels["${C}"][0] must be [start, end]`],
      [{ guild_id: G, channels: { [C]: [[0, 99], [99, 0]] } }, `d.channels["${C}"][1] must have start <= end`],
      [{ guild_id: G, channels: { [C]: [[-1, 99]] } }, `d.channels["${C}"][0][0] must be an integer in [0, 9007199254740991]`],
      [{ guild_id: G, channels: { [C]: [[0, 9.5]] } }, `d.channels["${C}"][0][1] must be an integer in [0, 9007199254740991]`],
    ];
    for (const [d, problem] of cases) {
      const err = protocolErrorOf(() => validateLazyRequest(d));
      expect(err.closeCode).toBe(4002);
      expect(err.message).toBe(`Decode error: ${problem}`);
    }
  });
});

describe("validateGuildSubscriptionsBulk (op 37)", () => {
  test("validates each guild's subscription", () => {
    const d = {
      subscriptions: {
        [G]: { typing: true, activities: true, threads: true, channels: { [C]: [[0, 99]] } },
        "41771983423143937": { typing: true, member_updates: false },
      },
    };
    expect(validateGuildSubscriptionsBulk(d)).toEqual({
      subscriptions: {
        [G]: { typing: true, activities: true, threads: true, channels: { [C]: [[0, 99]] } },
        "41771983423143937": { typing: true },
      },
    });
  });

  test("trims each guild's channels like op 14", () => {
    const channels = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`1${String(i).padStart(17, "0")}`, [[0, 99]]]));
    const bulk = validateGuildSubscriptionsBulk({ subscriptions: { [G]: { channels } } });
    expect(Object.keys(bulk.subscriptions[G]?.channels ?? {}).length).toBe(MAX_SUBSCRIBED_CHANNELS);
  });

  test("malformed values close with 4002 naming the field", () => {
    const cases: [unknown, string][] = [
      [{}, "d.subscriptions must be an object"],
      [{ subscriptions: { x: {} } }, 'd.subscriptions["x"] is not a snowflake key'],
      [{ subscriptions: { [G]: true } }, `d.subscriptions["${G}"] must be an object`],
      [{ subscriptions: { [G]: { channels: { [C]: [[5, 1]] } } } }, `d.subscriptions["${G}"].channels["${C}"][0] must have start <= end`],
    ];
    for (const [d, problem] of cases) {
      const err = protocolErrorOf(() => validateGuildSubscriptionsBulk(d));
      expect(err.closeCode).toBe(4002);
      expect(err.message).toBe(`Decode error: ${problem}`);
    }
  });
});

describe("normalizeRanges", () => {
  test("keeps aligned 100-item ranges", () => {
    expect(normalizeRanges([[0, 99]])).toEqual([[0, 99]]);
    expect(normalizeRanges([[0, 99], [100, 199]])).toEqual([[0, 99], [100, 199]]);
  });

  test("widens partial ranges to whole chunks", () => {
    expect(normalizeRanges([[0, 0]])).toEqual([[0, 99]]);
    expect(normalizeRanges([[50, 149]])).toEqual([[0, 99], [100, 199]]);
    expect(normalizeRanges([[250, 260]])).toEqual([[200, 299]]);
  });

  test("sorts and removes repeats", () => {
    expect(normalizeRanges([[300, 399], [0, 99], [10, 20], [0, 50], [350, 360]])).toEqual([[0, 99], [300, 399]]);
  });

  test("a range covers at most two chunks from its start", () => {
    expect(normalizeRanges([[0, 1_000_000_000]])).toEqual([[0, 99], [100, 199]]);
    expect(normalizeRanges([[150, 999]])).toEqual([[100, 199], [200, 299]]);
  });

  test("no ranges give no chunks", () => {
    expect(normalizeRanges([])).toEqual([]);
  });
});
