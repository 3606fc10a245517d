import { describe, expect, test } from "bun:test";
import { HttpError } from "./errors.ts";
import { readJsonObject } from "./json-body.ts";

/** A request whose body is `chunks`, streamed only as read (no read-ahead); `pulled` counts the chunks taken. */
function streamed(chunks: readonly string[], headers: Record<string, string> = {}): { request: Request; pulled: () => number } {
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(chunk));
    },
  }, { highWaterMark: 0 });
  return { request: new Request("http://gw/x", { method: "POST", headers, body, duplex: "half" } as RequestInit), pulled: () => next };
}

async function refusal(read: Promise<unknown>): Promise<{ status: number; code: number; message: string }> {
  const error = await read.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return { status: error.status, code: error.code, message: error.message };
}

describe("readJsonObject", () => {
  test("a declared Content-Length over the limit is refused with 413 before any of the body is read", async () => {
    const { request, pulled } = streamed(['{"a":1}'], { "content-length": String(50 * 1024 * 1024) });
    expect(await refusal(readJsonObject(request, 1024))).toEqual({ status: 413, code: 40005, message: "Request entity too large: at most 1024 bytes" });
    expect(pulled()).toBe(0);
  });

  test("a streamed body is refused as soon as it passes the limit; the rest is never pulled", async () => {
    const { request, pulled } = streamed(Array.from({ length: 100 }, () => "x".repeat(400)));
    expect((await refusal(readJsonObject(request, 1024))).status).toBe(413);
    expect(pulled()).toBe(3);
  });

  test("bytes that are not UTF-8 are refused (50109), not replaced with U+FFFD", async () => {
    const request = new Request("http://gw/x", { method: "POST", body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]) });
    expect(await refusal(readJsonObject(request))).toMatchObject({ status: 400, code: 50109 });
  });

  test("reads a JSON object at the limit; an empty body is {} only where asked", async () => {
    const body = JSON.stringify({ name: "é".repeat(10) });
    expect(await readJsonObject(new Request("http://gw/x", { method: "POST", body }), Buffer.byteLength(body))).toEqual({ name: "é".repeat(10) });
    expect(await readJsonObject(new Request("http://gw/x", { method: "POST", body: "" }), 1024, true)).toEqual({});
    expect(await refusal(readJsonObject(new Request("http://gw/x", { method: "POST", body: "" })))).toMatchObject({ status: 400, code: 50109 });
    expect(await refusal(readJsonObject(new Request("http://gw/x", { method: "POST", body: "[1]" })))).toMatchObject({ status: 400, code: 50035 });
  });
});
