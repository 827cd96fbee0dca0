// Request logging through pino-http with a request id; credentials never reach the log.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnsupportedByCognitoError } from '../errors';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** Logs each request once it ends, with `X-Request-Id` (the caller's, when sane, else a new one). */
export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // 503 means a dependency is down: worth a warning per request, not an error page for every one. 501 is a call
    // the Cognito endpoint lacks (a known gap of cognito-local): one warning line.
    customLogLevel: (_req, res, err) => {
      if (res.statusCode === 503 || res.statusCode === 501) return 'warn';
      return err || res.statusCode >= 500 ? 'error' : 'info';
    },
    customErrorMessage: (_req, res) =>
      res.statusCode === 501 ? 'request completed: the Cognito endpoint does not implement this call' : 'request errored',
    serializers: {
      // Only what helps operate the service; no headers, bodies or query strings that could hold tokens.
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      // Gets pino's serialized error. A 501 names a call the Cognito endpoint lacks (cognito-local's known gaps): its
      // type and message say it all; the stack would only make a known gap look like a bug.
      err: (err: { type?: string; message?: string }) =>
        err.type === UnsupportedByCognitoError.name ? { type: err.type, message: err.message } : err,
    },
  }) as unknown as RequestHandler;
}
