// Refuses request bodies of the wrong media type with 415, before validation reads them.
import type { Request, RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../errors';

function hasBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
}

/** A body, when there is one, must be `type`; an empty body passes (validation then names missing fields). */
export function requireMediaType(type: 'application/json' | 'application/x-www-form-urlencoded'): RequestHandler {
  return (req, _res, next) => {
    if (hasBody(req) && !req.is(type)) throw new UnsupportedMediaTypeError(`Send the body as ${type}.`);
    next();
  };
}
