/**
 * The static site of a service (serverless-finch's, runtime/manifest/static-site.ts) served on the gateway's port,
 * at `/`, as its S3 website would serve it — for the requests no API Gateway route takes: the routes' catch-all
 * (api-gateway-plugin.ts) asks `serve` first for a GET or HEAD that matches no route, so a declared route always
 * wins over a file, and a request the site does not answer gets the API's own answer, as without a site.
 *
 * - A file of the folder is sent by @fastify/static (content type from its extension, ETag, Last-Modified,
 *   conditional and range requests, HEAD without a body); a folder without its slash is redirected to it (302).
 * - What the folder does not have, asked for by a browser (Accept: text/html): with errorDocument the same as
 *   indexDocument (a single-page app) the index document, 200, as an app's CloudFront distribution maps S3's 404
 *   to it; else the error document with S3's 404
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/CustomErrorDocSupport.html). Anything else, and every
 *   refused path (site-path.ts), is left to the API.
 */
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { StaticSite } from "../../runtime/manifest/static-site.js";
import { lookUpKey, lookUpSitePath } from "./site-path.js";

export interface SiteFallback {
  /** Answers the request from the site and resolves true, or resolves false and leaves the reply untouched. */
  serve(request: FastifyRequest, reply: FastifyReply, rawPath: string): Promise<boolean>;
}

/**
 * Adds @fastify/static's `reply.sendFile` to `scope` (no route of its own: `serve: false`) and answers the site's
 * fallback; the API Gateway routes must be registered in the same scope, or under it, to use it.
 */
export async function mountStaticSite(scope: FastifyInstance, site: StaticSite): Promise<SiteFallback> {
  await scope.register(fastifyStatic, {
    root: site.root,
    serve: false,
    // Folders, indexes and redirects are site-path.ts's: send only ever sends the file it is given.
    index: false,
    redirect: false,
    dotfiles: "allow",
    // The folder may not exist yet (a site not built): LKN_WRN_SITE_NOT_SERVED said so at load.
    suppressWarning: true,
  });
  const sendFile = (reply: FastifyReply, file: string, root: string, status = 200) => {
    reply.code(status).sendFile(file, root);
    return true;
  };
  return {
    async serve(request, reply, rawPath) {
      const found = await lookUpSitePath(site, rawPath);
      if (found.kind === "file") return sendFile(reply, found.file, found.root);
      if (found.kind === "folder") {
        const query = request.raw.url?.indexOf("?") ?? -1;
        reply.redirect(`${found.location}${query < 0 ? "" : request.raw.url?.slice(query)}`, 302);
        return true;
      }
      if (found.kind === "refused" || !acceptsHtml(request)) return false;
      const spa = site.errorDocument === site.indexDocument;
      const document = await lookUpKey(site, spa ? site.indexDocument : site.errorDocument);
      if (document.kind !== "file") return false;
      return sendFile(reply, document.file, document.root, spa ? 200 : 404);
    },
  };
}

/** A browser navigating (Accept names text/html), not a script fetching data. */
function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === "string" && /(?:^|[\s,])text\/html(?:[\s;,]|$)/i.test(accept);
}
