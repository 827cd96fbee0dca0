// Refuses cross-site browser requests on the routes that need no token, before any budget counts them.
import type { Request, RequestHandler } from 'express';
import { CrossSiteRequestError } from '../errors';
import { publicBaseUrl } from './public-url';

/** What decides which sites may call. */
export interface SameSiteOptions {
  /** Origins allowed by CORS_ORIGINS: browser apps on other sites that this API serves on purpose. */
  corsOrigins: string[];
  /** PUBLIC_URL, whose origin is the API's own; undefined: the origin the request reached. */
  publicUrl?: string;
}

/**
 * A page on another site can post a form here (a simple request, no preflight) from a victim's browser and use up
 * the victim's login budget. Browsers say where a request comes from: a request is refused (403) when its `Origin`
 * is neither the API's own nor in CORS_ORIGINS, or when `Sec-Fetch-Site: cross-site` comes from an origin not in
 * CORS_ORIGINS. Requests without those headers (curl, servers) pass as before.
 */
export function sameSiteOnly(options: SameSiteOptions): RequestHandler {
  const allowed = new Set(options.corsOrigins);
  const ownOrigin = (req: Request): string | undefined => {
    try {
      return new URL(publicBaseUrl(req, options.publicUrl)).origin;
    } catch {
      return undefined; // a Host header that makes no URL matches no origin
    }
  };
  return (req, _res, next) => {
    const origin = req.get('origin');
    if (origin !== undefined && allowed.has(origin)) return next();
    const foreignOrigin = origin !== undefined && origin !== ownOrigin(req);
    if (foreignOrigin || req.get('sec-fetch-site') === 'cross-site') {
      throw new CrossSiteRequestError('Requests from pages on other sites are refused; this route takes no cross-site calls.');
    }
    next();
  };
}
