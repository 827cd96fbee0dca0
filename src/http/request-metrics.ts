// Names each request by its route template (`/books/:id`, never the raw path, so the metrics' label set stays bounded).
import type { Request } from 'express';

/** The template of the route that handled the request (its first path, for a route with several), or `unmatched`. */
export function routeOf(req: Request): string {
  const route = (req as Request & { route?: { path: string | string[] } }).route;
  if (!route) return 'unmatched';
  return Array.isArray(route.path) ? (route.path[0] ?? 'unmatched') : route.path;
}
