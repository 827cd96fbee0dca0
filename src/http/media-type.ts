// The media type of a request body, and the check that refuses a body of the wrong one with 415.
import type { Request, RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../errors';

/** The media types the routes take, by the route table's name for a body. */
export const MEDIA_TYPES = { json: 'application/json', form: 'application/x-www-form-urlencoded' } as const;

/** One of MEDIA_TYPES. */
export type BodyMediaType = (typeof MEDIA_TYPES)[keyof typeof MEDIA_TYPES];

/** True when the request carries a body at all. */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

/**
 * The essence of the Content-Type (type/subtype, lower-cased, parameters cut off); '' without one. A plain string
 * operation: the routes take two exact types, so type-is's wildcards and suffixes (`+json`) would only cost time.
 */
export function mediaTypeOf(req: Request): string {
  const type = req.headers['content-type'];
  if (type === undefined) return '';
  const end = type.indexOf(';');
  return (end < 0 ? type : type.slice(0, end)).trim().toLowerCase();
}

/** A body, when there is one, must be `type`; an empty body passes (validation then names missing fields). */
export function requireMediaType(type: BodyMediaType): RequestHandler {
  return (req, _res, next) => {
    if (hasBody(req) && mediaTypeOf(req) !== type) throw new UnsupportedMediaTypeError(`Send the body as ${type}.`);
    next();
  };
}
