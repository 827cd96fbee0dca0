// Hands every response an Express app finishes to a callback, as it was sent: status, headers and body bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { ObservedResponse } from './openapi-responses';

/** Express's entry point: `app` is a function that calls `app.handle(req, res, next)` for each request. */
type Handle = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/** A request target in origin form: an absolute-form one (`http://host/path?q`) as its path and query. */
function originForm(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return target;
  }
}

/**
 * Makes `app` report each response it finishes to `onResponse`, and returns the same app. It wraps `app.handle`,
 * which every request goes through (express/lib/express.js), so a response is seen whether a test hands the app to
 * supertest, listens on it, or puts it behind createHttpServer and nginx; the object stays the service's own, with
 * its settings and behaviour. A response the client abandoned before it was finished is not reported.
 */
export function observeResponses(app: Express, onResponse: (response: ObservedResponse) => void): Express {
  const target = app as Express & { handle: Handle }; // handle: public on Express's app, absent from @types/express
  const handle = target.handle.bind(app);
  target.handle = (req, res, next) => {
    // As the client sent it: Express rewrites req.url inside mounted routers.
    const method = req.method ?? 'GET';
    const url = originForm(req.url ?? '/');
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding: unknown) => {
      if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const { write, end } = res;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return Reflect.apply(write, res, [chunk, ...rest]);
    }) as typeof res.write;
    res.end = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return Reflect.apply(end, res, [chunk, ...rest]);
    }) as typeof res.end;
    res.once('finish', () => onResponse({ method, url, status: res.statusCode, headers: res.getHeaders(), body: Buffer.concat(chunks) }));
    handle(req, res, next);
  };
  return app;
}
