// Reads an application/x-www-form-urlencoded body (the OAuth endpoints') into req.body with the platform's own parser.
import type { Request, RequestHandler } from 'express';
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';
import { hasBody, MEDIA_TYPES, mediaTypeOf } from './media-type';

/** The limits of a form body. */
export interface FormBodyOptions {
  /** Most bytes read; a longer body is a 413. */
  limitBytes: number;
  /** Most parameters; more is a 400. */
  maxParameters: number;
}

/** The charset parameter of the Content-Type, lower-cased; undefined when there is none. */
function charsetOf(req: Request): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '');
  return match?.[1]?.toLowerCase();
}

/**
 * The form as an object of strings, by the WHATWG URL Standard's form parsing, which is what defines the media type.
 * A body with a `%` or a `+` goes through URLSearchParams; one with neither (a token: a JWT has neither character)
 * needs only the standard's splitting, on `&` and each sequence's first `=`, with nothing to decode: the same pairs
 * at a tenth of the cost. RFC 6749 §3.1: a parameter sent twice is refused, never turned into a list or a guess.
 */
export function parseForm(text: string, maxParameters: number): Record<string, string> {
  const form: Record<string, string> = {};
  let count = 0;
  const add = (name: string, value: string) => {
    count += 1;
    if (count > maxParameters) throw new InvalidRequestError(`The form has more than ${maxParameters} parameters.`);
    if (Object.hasOwn(form, name)) throw new InvalidRequestError('A form parameter is sent more than once.');
    // A data property even for `__proto__`: the form never reaches any object's prototype.
    if (name === '__proto__') Object.defineProperty(form, name, { value, enumerable: true, writable: true, configurable: true });
    else form[name] = value;
  };
  if (text.includes('%') || text.includes('+')) {
    // URLSearchParams drops a leading `?` (a URL's query has one; a form has none): a leading `&` keeps it a name.
    for (const [name, value] of new URLSearchParams(`&${text}`)) add(name, value);
    return form;
  }
  for (let start = 0; start < text.length; ) {
    const amp = text.indexOf('&', start);
    const end = amp === -1 ? text.length : amp;
    // Each sequence searched for its own `=` only: a body of empty sequences costs its length, not its square.
    const sequence = text.slice(start, end);
    const eq = sequence.indexOf('=');
    if (sequence !== '') add(eq === -1 ? sequence : sequence.slice(0, eq), eq === -1 ? '' : sequence.slice(eq + 1));
    start = end + 1;
  }
  return form;
}

/**
 * Parses a form body into `req.body`; other media types and empty bodies pass untouched (the route's media type
 * check answers those). Only UTF-8 (RFC 6749 Appendix B) and no Content-Encoding: anything else is a 415.
 *
 * Why not body-parser's `urlencoded`: measured on introspection, a gateway's per-request call, body-parser's reading
 * machinery (raw-body, iconv-lite, on-finished, its decompression and charset branches) costs more than the token
 * check itself, and these routes need none of it. Slow or stalled bodies are the server's request timeout's to cut.
 */
export function formBody(options: FormBodyOptions): RequestHandler {
  return (req, _res, next) => {
    if (!hasBody(req) || mediaTypeOf(req) !== MEDIA_TYPES.form) return next();
    const charset = charsetOf(req);
    const encoding = req.headers['content-encoding'];
    if ((charset !== undefined && charset !== 'utf-8') || (encoding !== undefined && encoding.toLowerCase() !== 'identity')) {
      return next(new UnsupportedMediaTypeError('The body encoding is not supported.'));
    }
    if (Number(req.headers['content-length']) > options.limitBytes) return next(new PayloadTooLargeError('The body is too large.'));

    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      req.removeListener('data', onData).removeListener('end', onEnd).removeListener('error', onError);
      if (err !== undefined) {
        // What is left unread is drained by Node's server once the answer is sent.
        next(err);
        return;
      }
      try {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
        req.body = parseForm(body.toString('utf8'), options.maxParameters);
      } catch (parseError) {
        next(parseError);
        return;
      }
      next();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.limitBytes) finish(new PayloadTooLargeError('The body is too large.'));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = () => finish(new InvalidRequestError('The body could not be read.'));
    req.on('data', onData).on('end', onEnd).on('error', onError);
  };
}
