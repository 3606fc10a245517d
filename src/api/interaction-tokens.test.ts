/** Interaction tokens: what one names comes back only from a token this secret signed, unchanged. */
import { expect, test } from "bun:test";
import { InteractionTokens } from "./interaction-tokens.ts";

const ref = { id: "1575428012399132672", applicationId: "1575428012390744065", guildId: "1575428012378161153", channelId: "1575428012386549760" };

test("a minted token names its interaction; another secret's, a changed one or a user token's shape names none", () => {
  const tokens = new InteractionTokens("secret-one");
  const token = tokens.mint(ref);
  expect(token.startsWith("aW50ZXJhY3Rpb246")).toBe(true);
  expect(tokens.verify(token)).toEqual(ref);
  expect(new InteractionTokens("secret-two").verify(token)).toBeUndefined();
  const [body, mac] = token.split(".") as [string, string];
  const other = Buffer.from(Buffer.from(body, "base64url").toString("latin1").replace(ref.guildId, "1"), "latin1").toString("base64url");
  expect(tokens.verify(`${other}.${mac}`)).toBeUndefined();
  expect(tokens.verify(`${body}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`)).toBeUndefined();
  expect(tokens.verify("MTc1OTI4ODQ3Mjk5MTE3MDYz.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs")).toBeUndefined();
  expect(tokens.verify("")).toBeUndefined();
  expect(() => new InteractionTokens("")).toThrow(RangeError);
});
