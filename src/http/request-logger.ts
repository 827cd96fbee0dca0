// One log line per request, written once its response is done, with a request id; credentials never reach the log.
// The same moment times the request for the metrics, when they are on.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RequestHandler } from 'express';
import { stdSerializers, type Logger } from 'pino';
import { UnsupportedByCognitoError } from '../errors';
import type { Metrics } from '../metrics/metrics';
import { routeOf } from './request-metrics';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * Logs each request once it ends, with `X-Request-Id` (the caller's, when sane, else a new one): `req` (id, method,
 * path without the query string), `res` (statusCode) and `responseTime` in ms. No header, body or query string is
 * read, so none can leak a token. A finished request's duration also goes to `metrics`, under its route template.
 */
export function requestLogger(logger: Logger, metrics: Metrics): RequestHandler {
  // A line of its own fields holds nothing that redaction could find, so it skips the redaction pass, which costs
  // twice the rest of the line. Lines that carry an error go through `logger`, redaction included: an error may
  // hold a Cognito request.
  const plain = logger.child({}, { redact: [] });
  const failed = logger.child({}, { serializers: { err: errorOfLine } });
  return (req, res, next) => {
    const start = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    res.on('close', () => {
      const ms = performance.now() - start;
      const url = req.originalUrl;
      const query = url.indexOf('?');
      const line = {
        req: { id, method: req.method, path: query === -1 ? url : url.slice(0, query) },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(ms),
      };
      if (!res.writableFinished) {
        plain.info(line, 'request aborted by the client');
        return;
      }
      if (metrics.enabled) metrics.request(routeOf(req), req.method, res.statusCode, ms / 1000);
      // Set by the error handler on a 5xx: the error and its cause, for the one line this request gets.
      const err = (res as typeof res & { err?: unknown }).err;
      const status = res.statusCode;
      if (err === undefined && status < 500) {
        plain.info(line, 'request completed');
      } else if (status === 501) {
        failed.warn({ ...line, err }, 'request completed: the Cognito endpoint does not implement this call');
      } else {
        // 503 means a dependency is down: worth a warning per request, not an error page for every one.
        failed[status === 503 ? 'warn' : 'error']({ ...line, err }, 'request errored');
      }
    });
    next();
  };
}

/**
 * pino's error serializer (type, message with its causes', stack, cause), but for a call the Cognito endpoint lacks
 * (a known gap of cognito-local) only type and message: a stack would make a known gap look like a bug.
 */
function errorOfLine(err: unknown): unknown {
  const serialized = stdSerializers.err(err as Error);
  return serialized.type === UnsupportedByCognitoError.name ? { type: serialized.type, message: serialized.message } : serialized;
}
