/**
 * Files sent with a message (docs: reference, "Uploading Files"): `multipart/form-data` with
 * the JSON body in `payload_json` (or as plain fields) and files in `files[n]`, each
 * described by `attachments[n]` of the body (`{id: n, filename?, description?}`). guildgate
 * keeps the bytes in its store with the message and serves them at
 * `/attachments/:channel/:attachment/:filename?hm=...`, a URL it owns: `hm` is an HMAC of the
 * path, so only someone who was given the URL (who could read the message) can fetch it, as
 * Discord's signed CDN links work. Files are served so that no browser runs them on this origin
 * (`Content-Disposition: attachment` unless an image, `Content-Security-Policy: sandbox`,
 * `nosniff`).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { AttachmentUpload } from "../guild/message-rules.ts";
import type { GuildStore } from "../store/guild-store.ts";
import { isObject } from "../protocol/fields.ts";
import { ApiCode, errorResponse, HttpError, invalidField, methodNotAllowed } from "./errors.ts";
import type { Routes } from "./http.ts";
import { readCapped, readJsonObject } from "./json-body.ts";
import type { SnowflakeGenerator } from "./snowflake.ts";

type Json = Record<string, unknown>;
/** A parsed multipart body (the runtime's FormData, whichever typing it has). */
type Form = Awaited<ReturnType<Response["formData"]>>;

/** Most files one message may carry (Discord's limit). */
export const MAX_FILES = 10;
/**
 * Largest upload body, bytes (every file of a message together) unless `--max-upload-bytes`
 * says: 10 MiB, or in a cluster 768 KiB, since the files cross NATS to the guild's owner in
 * one message, under nats-server's default max_payload (1 MiB).
 */
export function defaultMaxUploadBytes(cluster: boolean): number {
  return cluster ? 768 * 1024 : 10 * 1024 * 1024;
}

/** Media types served inline; anything else downloads. */
const INLINE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** What this node does with files: signs and checks their paths (with the client token secret), and bounds uploads. */
export class Attachments {
  readonly #key: string;

  constructor(
    key: string,
    /** Largest upload body, bytes. */
    readonly maxUploadBytes: number,
  ) {
    this.#key = `attachments:${key}`;
  }

  sign(path: string): string {
    return createHmac("sha256", this.#key).update(path).digest("hex").slice(0, 32);
  }

  verify(path: string, hm: string): boolean {
    const expected = Buffer.from(this.sign(path));
    const given = Buffer.from(hm);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** The path an attachment is served at (the filename URL-encoded), without its signature. */
function attachmentPath(channelId: string, attachmentId: string, filename: string): string {
  return `/attachments/${channelId}/${attachmentId}/${encodeURIComponent(filename)}`;
}

/** Whether a request carries files (a multipart body). */
export const isMultipart = (request: Request): boolean => (request.headers.get("content-type") ?? "").toLowerCase().startsWith("multipart/form-data");

/**
 * Reads a multipart message body: the JSON body (`payload_json`, else the plain fields) and
 * the files, each made an upload with its id, URL and Discord's attachment object.
 */
export async function readUpload(
  request: Request,
  channelId: string,
  ids: SnowflakeGenerator,
  attachments: Attachments,
): Promise<{ body: Json; uploads: AttachmentUpload[]; indices: string[] }> {
  const form = await readForm(request, attachments.maxUploadBytes);
  const body = formBody(form);
  const described = Array.isArray(body.attachments) ? body.attachments.filter(isObject) : [];
  const files: { index: string; file: File }[] = [];
  form.forEach((value, name) => {
    const index = /^files\[(\d{1,2})\]$/.exec(name)?.[1] ?? (name === "file" ? "0" : undefined);
    if (index !== undefined && typeof value !== "string") files.push({ index, file: value });
  });
  if (files.length > MAX_FILES) throw invalidField("files", `must be at most ${MAX_FILES}`);
  const origin = new URL(request.url).origin;
  const uploads = await Promise.all(
    files.map(async ({ index, file }) => {
      const about = described.find((item) => String(item.id) === index) ?? {};
      const filename = typeof about.filename === "string" && about.filename !== "" ? about.filename : file.name || `file${index}`;
      if (filename.length > 1024) throw invalidField(`attachments[${index}].filename`, "must be at most 1024 characters");
      const contentType = file.type === "" ? null : file.type.slice(0, 255);
      const id = ids.next();
      const path = attachmentPath(channelId, id, filename);
      const url = `${origin}${path}?hm=${attachments.sign(path)}`;
      const data = new Uint8Array(await file.arrayBuffer());
      const json: Json = { id, filename, size: data.length, url, proxy_url: url, ...(contentType !== null && { content_type: contentType }) };
      if (typeof about.description === "string") json.description = about.description.slice(0, 1024);
      return { id, filename, contentType, data, json };
    }),
  );
  return { body, uploads, indices: files.map((file) => file.index) };
}

async function readForm(request: Request, maxBytes: number): Promise<Form> {
  const bytes = await readCapped(request, maxBytes);
  try {
    return await new Response(bytes, { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData();
  } catch {
    throw new HttpError(400, ApiCode.INVALID_FORM_BODY, "Invalid Form Body: the body is not valid multipart/form-data");
  }
}

/** The JSON body of a request that is JSON, or multipart whose files are not taken (`payload_json`, else the plain fields). */
export async function readJsonOrForm(request: Request, maxBytes: number): Promise<Json> {
  return isMultipart(request) ? formBody(await readForm(request, maxBytes)) : readJsonObject(request, maxBytes);
}

/** The JSON body of a multipart request: `payload_json`, or else the form's plain fields. */
function formBody(form: Form): Json {
  const payload = form.get("payload_json");
  if (typeof payload === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      throw new HttpError(400, ApiCode.INVALID_JSON, "The request body contains invalid JSON.");
    }
    if (!isObject(parsed)) throw invalidField("payload_json", "must be a JSON object");
    return { ...parsed };
  }
  const fields: Json = {};
  form.forEach((value, name) => {
    if (typeof value === "string" && !name.startsWith("files[")) fields[name] = value;
  });
  return fields;
}

const SERVED = /^\/attachments\/(\d{1,20})\/(\d{1,20})\/([^/]+)$/;

/** `GET /attachments/:channel/:attachment/:filename?hm=`: the file, if the signature is the one guildgate gave. */
export function createAttachmentRoute(store: GuildStore, attachments: Attachments): Routes {
  return async (request, url) => {
    const match = SERVED.exec(url.pathname);
    if (!match) return undefined;
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET, HEAD");
    const [, channelId, attachmentId] = match as unknown as [string, string, string];
    const unknown = () => errorResponse(404, ApiCode.UNKNOWN_ASSET, "Unknown Asset");
    if (!attachments.verify(url.pathname, url.searchParams.get("hm") ?? "")) return unknown();
    const attachment = await store.getAttachment(channelId, attachmentId);
    if (!attachment) return unknown();
    const type = attachment.contentType ?? "application/octet-stream";
    const headers: Record<string, string> = {
      "content-type": type,
      "x-content-type-options": "nosniff",
      "content-security-policy": "sandbox; default-src 'none'",
      "cache-control": "private, max-age=86400",
    };
    if (!INLINE.has(type)) headers["content-disposition"] = `attachment; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`;
    return new Response(request.method === "HEAD" ? null : attachment.data, { headers });
  };
}
