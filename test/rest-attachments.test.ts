/**
 * Files sent with a message (`multipart/form-data`, `payload_json` and `files[n]`), over real
 * HTTP and gateway sockets: the answer and MESSAGE_CREATE carry Discord's attachment objects;
 * the URL serves the bytes (a browser never runs them here), and nothing without its
 * signature; ATTACH_FILES is needed; the files go with their message.
 */
import { describe, expect, test } from "bun:test";
import type { Json } from "./support/http.ts";
import { Intents, restServer } from "./support/rest-world.ts";

const rest = restServer("attachments");
const { GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT } = Intents;
/** Every byte value: nothing on the way may read the file as text. */
const BINARY = new Uint8Array(1000).map((_, i) => (i * 31) % 256);

function upload(channelId: string, auth: string, payload: Json | undefined, files: { name: string; type: string; data: Uint8Array | string }[]): Promise<Response> {
  const form = new FormData();
  if (payload) form.set("payload_json", JSON.stringify(payload));
  files.forEach((file, i) => form.set(`files[${i}]`, new Blob([file.data], { type: file.type }), file.name));
  return fetch(`${rest.httpBase}/api/v10/channels/${channelId}/messages`, { method: "POST", headers: { authorization: auth }, body: form });
}

describe("attachments", () => {
  test("payload_json and two files: the attachment objects in the answer and MESSAGE_CREATE; the URLs serve the bytes", async () => {
    const w = await rest.world();
    const owner = await rest.session(w.owner, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, w.guild.id);
    const payload = { content: "two files", attachments: [{ id: 0, description: "the picture" }, { id: 1, filename: "renamed.txt" }] };
    const response = await upload(w.lobby.id, w.member.auth, payload, [
      { name: "picture.png", type: "image/png", data: BINARY },
      { name: "notes.txt", type: "text/plain", data: "<script>alert(1)</script>" },
    ]);
    expect(response.status).toBe(200);
    const message = (await response.json()) as Json;
    const attachments = message.attachments as Json[];
    expect(attachments).toMatchObject([
      { filename: "picture.png", size: 1000, content_type: "image/png", description: "the picture" },
      { filename: "renamed.txt", size: 25, content_type: expect.stringMatching(/^text\/plain/) },
    ]);
    const created = await rest.event(owner, "MESSAGE_CREATE", 0, (d) => d.id === message.id);
    expect(created.attachments).toEqual(attachments);
    const picture = await fetch(attachments[0]?.url as string);
    expect(picture.status).toBe(200);
    expect(picture.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await picture.arrayBuffer())).toEqual(BINARY);
    // Anything but an image downloads, sandboxed: no page on this origin runs it.
    const notes = await fetch(attachments[1]?.url as string);
    expect(await notes.text()).toBe("<script>alert(1)</script>");
    expect(notes.headers.get("content-disposition")).toStartWith("attachment;");
    expect(notes.headers.get("content-security-policy")).toContain("sandbox");
    expect(notes.headers.get("x-content-type-options")).toBe("nosniff");
    // Without its signature, or with another's, the file is not there.
    const url = new URL(attachments[0]?.url as string);
    const unsigned = await fetch(`${url.origin}${url.pathname}`);
    expect({ status: unsigned.status, json: await unsigned.json() }).toEqual({ status: 404, json: { code: 10021, message: "Unknown Asset" } });
    const other = new URL(attachments[1]?.url as string);
    expect((await fetch(`${url.origin}${url.pathname}${other.search}`)).status).toBe(404);
    // History shows them; deleting the message takes the files.
    const history = await rest.api("GET", `/api/v10/channels/${w.lobby.id}/messages/${message.id}`, undefined, w.owner.auth);
    expect(history.json.attachments).toEqual(attachments);
    expect((await rest.api("DELETE", `/api/v10/channels/${w.lobby.id}/messages/${message.id}`, undefined, w.member.auth)).status).toBe(204);
    expect((await fetch(attachments[0]?.url as string)).status).toBe(404);
  });

  test("a file alone is a message; ATTACH_FILES is needed (50013); 10 MiB in all (413), 10 files (50035); a bad body 50035", async () => {
    const w = await rest.world();
    const alone = await upload(w.lobby.id, w.member.auth, undefined, [{ name: "a.bin", type: "", data: BINARY }]);
    expect(alone.status).toBe(200);
    expect(((await alone.json()) as Json).attachments).toMatchObject([{ filename: "a.bin", size: 1000 }]);
    const noFiles = (await rest.created(`/internal/guilds/${w.guild.id}/channels`, {
      name: "no-files",
      permission_overwrites: [{ id: w.guild.id, type: 0, allow: "0", deny: (1n << 15n).toString() }],
    })) as { id: string };
    const refused = await upload(noFiles.id, w.member.auth, { content: "x" }, [{ name: "a.bin", type: "", data: BINARY }]);
    expect({ status: refused.status, code: ((await refused.json()) as Json).code }).toEqual({ status: 403, code: 50013 });
    // Past the 1 MiB of other bodies, within the upload limit (10 MiB): taken; past that, 413.
    const big = await upload(w.lobby.id, w.member.auth, { content: "big" }, [{ name: "big.bin", type: "", data: new Uint8Array(2 * 1024 * 1024) }]);
    expect({ status: big.status, size: (((await big.json()) as Json).attachments as Json[])[0]?.size }).toEqual({ status: 200, size: 2 * 1024 * 1024 });
    const huge = await upload(w.lobby.id, w.member.auth, { content: "huge" }, [{ name: "huge.bin", type: "", data: new Uint8Array(11 * 1024 * 1024) }]);
    expect({ status: huge.status, code: ((await huge.json()) as Json).code }).toEqual({ status: 413, code: 40005 });
    const many = Array.from({ length: 11 }, (_, i) => ({ name: `${i}.txt`, type: "text/plain", data: "x" }));
    const tooMany = await upload(w.lobby.id, w.member.auth, { content: "x" }, many);
    expect({ status: tooMany.status, code: ((await tooMany.json()) as Json).code }).toEqual({ status: 400, code: 50035 });
    const broken = await fetch(`${rest.httpBase}/api/v10/channels/${w.lobby.id}/messages`, {
      method: "POST",
      headers: { authorization: w.member.auth, "content-type": "multipart/form-data; boundary=x" },
      body: "not multipart at all",
    });
    expect({ status: broken.status, code: ((await broken.json()) as Json).code }).toEqual({ status: 400, code: 50035 });
    const badJson = new FormData();
    badJson.set("payload_json", "{nope");
    const bad = await fetch(`${rest.httpBase}/api/v10/channels/${w.lobby.id}/messages`, { method: "POST", headers: { authorization: w.member.auth }, body: badJson });
    expect({ status: bad.status, code: ((await bad.json()) as Json).code }).toEqual({ status: 400, code: 50109 });
  });

  test("an edit keeps the files its attachments list names (Discord v10), adds new ones it numbers, and the dropped ones' URLs are gone", async () => {
    const w = await rest.world();
    const sent = await upload(w.lobby.id, w.member.auth, { content: "files" }, [
      { name: "one.txt", type: "text/plain", data: "one" },
      { name: "two.txt", type: "text/plain", data: "two" },
    ]);
    const message = (await sent.json()) as Json;
    const [one, two] = message.attachments as Json[];
    const at = `${rest.httpBase}/api/v10/channels/${w.lobby.id}/messages/${message.id}`;
    // A new file, numbered 0, kept with "one"; "two" is not named, so it goes.
    const form = new FormData();
    form.set("payload_json", JSON.stringify({ attachments: [{ id: one?.id }, { id: 0 }] }));
    form.set("files[0]", new Blob(["three"], { type: "text/plain" }), "three.txt");
    const edited = await fetch(at, { method: "PATCH", headers: { authorization: w.member.auth }, body: form });
    expect(edited.status).toBe(200);
    const after = ((await edited.json()) as Json).attachments as Json[];
    expect(after.map((a) => a.filename)).toEqual(["one.txt", "three.txt"]);
    expect(await (await fetch(after[1]?.url as string)).text()).toBe("three");
    expect(await (await fetch(one?.url as string)).text()).toBe("one");
    expect((await fetch(two?.url as string)).status).toBe(404);
    // Without an attachments list the files stay; an empty list drops them all.
    expect((await rest.api("PATCH", `/api/v10/channels/${w.lobby.id}/messages/${message.id}`, { content: "still files" }, w.member.auth)).json.attachments).toHaveLength(2);
    const emptied = await rest.api("PATCH", `/api/v10/channels/${w.lobby.id}/messages/${message.id}`, { attachments: [] }, w.member.auth);
    expect(emptied).toMatchObject({ status: 200, json: { attachments: [], content: "still files" } });
    expect((await fetch(one?.url as string)).status).toBe(404);
    // Another member may not touch the files (only flags), and a message left empty is refused.
    expect((await rest.api("PATCH", `/api/v10/channels/${w.lobby.id}/messages/${message.id}`, { attachments: [] }, w.owner.auth)).json.code).toBe(50005);
    expect((await rest.api("PATCH", `/api/v10/channels/${w.lobby.id}/messages/${message.id}`, { content: null }, w.member.auth)).json.code).toBe(50006);
  });
});

describe("--max-upload-bytes", () => {
  const small = restServer("small-uploads", ["--max-upload-bytes", "4096"]);

  test("bounds a message's files together: within it taken, past it 413 (40005)", async () => {
    const w = await small.world();
    const send = (size: number) => {
      const form = new FormData();
      form.set("payload_json", JSON.stringify({ content: "x" }));
      form.set("files[0]", new Blob([new Uint8Array(size)]), "f.bin");
      return fetch(`${small.httpBase}/api/v10/channels/${w.lobby.id}/messages`, { method: "POST", headers: { authorization: w.member.auth }, body: form });
    };
    expect((await send(1000)).status).toBe(200);
    const refused = await send(5000);
    expect({ status: refused.status, code: ((await refused.json()) as Json).code }).toEqual({ status: 413, code: 40005 });
  });

  test("in a DM channel: a file sent there is kept with its message, served at its URL, and goes with it", async () => {
    const w = await rest.world();
    const dm = (await rest.api("POST", "/api/v10/users/@me/channels", { recipient_id: w.owner.id }, w.member.auth)).json.id as string;
    const response = await upload(dm, w.member.auth, { content: "a file" }, [{ name: "dm.bin", type: "application/octet-stream", data: BINARY }]);
    expect(response.status).toBe(200);
    const message = (await response.json()) as Json;
    const [attachment] = message.attachments as Json[];
    expect(new Uint8Array(await (await fetch(attachment?.url as string)).arrayBuffer())).toEqual(BINARY);
    expect((await rest.api("GET", `/api/v10/channels/${dm}/messages/${message.id}`, undefined, w.owner.auth)).json.attachments).toEqual([attachment]);
    expect((await rest.api("DELETE", `/api/v10/channels/${dm}/messages/${message.id}`, undefined, w.member.auth)).status).toBe(204);
    expect((await fetch(attachment?.url as string)).status).toBe(404);
  });
});
