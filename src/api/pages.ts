/**
 * The pages: the chat client at `/` and the dashboard at `/dashboard`, with their scripts and
 * styles. Each page is an HTML import (src/pages/*.html), which Bun's bundler turns into the
 * page and its hashed assets: `bun build --compile` bundles them ahead and embeds them in the
 * binary (`files`, read from its embedded file system), as does `bun build --target=node`
 * (beside the bundle). Run from source, there is no `files`: the page is bundled once, on
 * first request, with `Bun.build`. Nothing is fetched at run time.
 *
 * Pages are `no-cache`; assets have content-hashed names and are cached for good.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import type { HTMLBundle } from "bun";
import chatPage from "../pages/chat.html";
import dashboardPage from "../pages/dashboard.html";
import { methodNotAllowed } from "./errors.ts";
import type { Routes } from "./http.ts";

interface Asset {
  body: Uint8Array;
  contentType: string;
  etag: string;
}

interface Bundled {
  page: Asset;
  /** By URL path: `/<file name>`, as the page refers to them. */
  assets: Map<string, Asset>;
}

/** Page paths and their bundles. */
const PAGES: ReadonlyMap<string, HTMLBundle> = new Map([
  ["/", chatPage],
  ["/dashboard", dashboardPage],
]);

const isHtml = (contentType: string): boolean => contentType.startsWith("text/html");

/** A bundle built ahead (compiled binary, Node bundle): its files, read where the bundle put them. */
function readBuilt(bundle: HTMLBundle, files: NonNullable<HTMLBundle["files"]>): Bundled {
  const read = (path: string): Uint8Array => readFileSync(fileURLToPath(new URL(path, import.meta.url)));
  const assets = new Map<string, Asset>();
  let page: Asset | undefined;
  for (const file of files) {
    const asset = { body: read(file.path), contentType: file.headers["content-type"], etag: `"${file.headers.etag}"` };
    if (file.path === bundle.index || (isHtml(asset.contentType) && file.isEntry)) page = asset;
    else assets.set(`/${basename(file.path)}`, asset);
  }
  if (!page) throw new Error(`the bundle of ${bundle.index} has no page`);
  return { page, assets };
}

/** From source: the page bundled now, in memory. */
async function buildNow(bundle: HTMLBundle): Promise<Bundled> {
  const result = await Bun.build({ entrypoints: [bundle.index], minify: true });
  if (!result.success) throw new AggregateError(result.logs, `bundling ${bundle.index} failed`);
  const assets = new Map<string, Asset>();
  let page: Asset | undefined;
  for (const output of result.outputs) {
    const asset = { body: new Uint8Array(await output.arrayBuffer()), contentType: output.type, etag: `"${output.hash ?? basename(output.path)}"` };
    if (isHtml(output.type)) page = asset;
    else assets.set(`/${basename(output.path)}`, asset);
  }
  if (!page) throw new Error(`bundling ${bundle.index} made no page`);
  return { page, assets };
}

function answer(request: Request, asset: Asset, cacheControl: string): Response {
  if (request.headers.get("if-none-match") === asset.etag) return new Response(null, { status: 304, headers: { etag: asset.etag } });
  const headers = {
    "content-type": asset.contentType,
    "cache-control": cacheControl,
    etag: asset.etag,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
  return new Response(request.method === "HEAD" ? null : asset.body, { headers });
}

/** `GET /`, `GET /dashboard` and their assets. */
export function createPageRoutes(): Routes {
  let loaded: Promise<Map<string, Bundled>> | undefined;
  const load = (): Promise<Map<string, Bundled>> =>
    (loaded ??= Promise.all(
      [...PAGES].map(async ([path, bundle]) => [path, bundle.files ? readBuilt(bundle, bundle.files) : await buildNow(bundle)] as const),
    ).then((pages) => new Map(pages)));
  return async (request, url) => {
    const isPage = PAGES.has(url.pathname);
    if (!isPage && !/^\/[\w.-]+\.(?:js|css|svg|png|woff2?)$/.test(url.pathname)) return undefined;
    const bundles = await load();
    const page = bundles.get(url.pathname)?.page;
    const asset = page ? undefined : [...bundles.values()].map((b) => b.assets.get(url.pathname)).find((a) => a !== undefined);
    if (!page && !asset) return undefined;
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET, HEAD");
    return page ? answer(request, page, "no-cache") : answer(request, asset as Asset, "public, max-age=31536000, immutable");
  };
}
