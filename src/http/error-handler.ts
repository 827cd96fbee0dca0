// The one place that writes error responses: the contract's body, headers, and no internals.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import {
  InvalidRequestError,
  NotFoundError,
  PayloadTooLargeError,
  ServerError,
  ServiceError,
  UnsupportedMediaTypeError,
} from '../errors';
import { errorResponseOf } from './error-responses';

/**
 * Errors of the caller's making raised by Express's own parts become 4xx: body-parser's (they carry a `type`, or at
 * least an http-errors 4xx `status`, as for a gzip body that is not gzip) and the router's URIError for a path that
 * is not valid percent-encoding. Their messages stay in the log; the caller gets a fixed description.
 */
function fromClientFault(err: unknown): ServiceError | undefined {
  const fault = err as { type?: unknown; status?: unknown } | null;
  const type = fault?.type;
  if (type === 'entity.parse.failed') return new InvalidRequestError('The body is not valid JSON.');
  if (type === 'entity.too.large') return new PayloadTooLargeError('The body is too large.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new UnsupportedMediaTypeError('The body encoding is not supported.');
  }
  if (typeof type === 'string') return new InvalidRequestError('The body could not be read.');
  if (err instanceof URIError) return new InvalidRequestError('The URL is not valid percent-encoding.');
  const status = typeof fault?.status === 'number' ? fault.status : 0;
  if (status >= 400 && status < 500) return new InvalidRequestError('The request could not be read.');
  return undefined;
}

/** Answers 404 for any route nobody handled. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}.`));
};

/** Marks a route's responses as an OAuth endpoint's, whose errors follow RFC 6749 §5.2. */
export const speakOAuth: RequestHandler = (_req, res, next) => {
  res.locals.oauthErrors = true;
  next();
};

/** Writes `{error, error_description[, details]}` with the error's status and headers; logs what is unexpected. */
export const errorHandler: ErrorRequestHandler = (err, _req, res: Response, _next) => {
  const error = err instanceof ServiceError ? err : (fromClientFault(err) ?? new ServerError('Unexpected error.'));
  const answer = errorResponseOf(error, res.locals.oauthErrors === true);
  // The request log writes one line once the response ends (request-logger.ts); the real error there puts its cause
  // and stack in that line.
  if (answer.status >= 500) (res as typeof res & { err?: unknown }).err = err;
  if (res.headersSent) return;
  res.status(answer.status).set(answer.headers).json(answer.body);
};
