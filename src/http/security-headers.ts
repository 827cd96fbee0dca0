// helmet's security headers, worked out once at start-up and set on every response in one call.
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers helmet sets with `options`. Each of helmet's middlewares sets a fixed value worked out from its
 * options (helmet 8's source: only a CSP directive given as a function varies per request, and `options` has none),
 * so running it once against a recorder gives every response's headers. Its X-Powered-By removal is left out: the
 * app never sets that header.
 */
function helmetHeaders(options: HelmetOptions): Map<string, string> {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: () => undefined,
  };
  helmet(options)(
    // helmet reads the request only for CSP directives given as functions; `options` has none.
    {} as Parameters<ReturnType<typeof helmet>>[0],
    recorder as unknown as Parameters<ReturnType<typeof helmet>>[1],
    (err?: unknown) => {
      if (err) throw err;
    },
  );
  return headers;
}

/** Sets helmet's headers for `options` on every response. */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  const headers = helmetHeaders(options);
  return (_req, res, next) => {
    res.setHeaders(headers);
    next();
  };
}
