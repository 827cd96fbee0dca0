// Names each request by its route template (`/books/:id`, never the raw path, so the metrics' label set stays bounded).
import type { Request, RequestHandler, Response } from 'express';

/**
 * Remembers where the router now handling the request is mounted: Express restores `req.baseUrl` when an error
 * leaves a router, so by the time the response is finished it may no longer say.
 */
export const markMount: RequestHandler = (req, res, next) => {
  res.locals.mount = req.baseUrl;
  next();
};

/** The template of the route that handled the request, or `unmatched`. */
export function routeOf(req: Request, res: Response): string {
  const route = (req as Request & { route?: { path: string | string[] } }).route;
  if (!route) return 'unmatched';
  const path = Array.isArray(route.path) ? (route.path[0] ?? '') : route.path;
  const mount = typeof res.locals.mount === 'string' ? res.locals.mount : '';
  return mount && path === '/' ? mount : `${mount}${path}`;
}
