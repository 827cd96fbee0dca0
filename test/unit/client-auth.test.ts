// Client authentication at the token endpoint: optional, but credentials that are sent must be this app client's.
import type { Request } from 'express';
import { InvalidClientError, InvalidRequestError } from '../../src/errors';
import { checkClient, type TokenClient } from '../../src/http/client-auth';
import { httpAnswerOf } from '../../src/http/error-responses';

const SECRET = 's3cret:with/chars';
const client: TokenClient = { clientId: 'app-client', clientSecret: SECRET };
const requestWith = (authorization?: string) => ({ get: (name: string) => (name === 'authorization' ? authorization : undefined) }) as Request;
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** The message checkClient refuses with, or null when it accepts. */
function refusal(authorization: string | undefined, form: { client_id?: string; client_secret?: string }, of = client): string | null {
  try {
    checkClient(requestWith(authorization), form, of);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidClientError);
    expect(httpAnswerOf(err as InvalidClientError)).toEqual({ status: 401, code: 'invalid_client', headers: { 'WWW-Authenticate': 'Basic realm="api"' } });
    return (err as Error).message;
  }
}

it.each([
  ['no credentials at all', undefined, {}],
  ['the client id alone, in the form', undefined, { client_id: 'app-client' }],
  ['id and secret in the form', undefined, { client_id: 'app-client', client_secret: SECRET }],
  ['id and secret as HTTP Basic, form-urlencoded (RFC 6749 §2.3.1)', basic('app-client', SECRET), {}],
  ['HTTP Basic with the same client id repeated in the form', basic('app-client', SECRET), { client_id: 'app-client' }],
  ['an empty secret, which is no secret', undefined, { client_id: 'app-client', client_secret: '' }],
])('accepts %s', (_name, authorization, form) => {
  expect(refusal(authorization, form)).toBeNull();
});

it.each([
  ['another client id', undefined, { client_id: 'other' }, 'Unknown client.'],
  ['a wrong secret', undefined, { client_id: 'app-client', client_secret: 'wrong' }, 'Invalid client credentials.'],
  ['a secret that is a prefix of the right one', undefined, { client_secret: 's3cret' }, 'Invalid client credentials.'],
  ['a wrong Basic secret', basic('app-client', 'wrong'), {}, 'Invalid client credentials.'],
  ['Basic credentials without a colon', `Basic ${Buffer.from('app-client').toString('base64')}`, {}, 'The Basic client credentials are malformed.'],
  ['Basic credentials that are not percent-encoding', `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}`, {}, 'The Basic client credentials are malformed.'],
])('refuses %s', (_name, authorization, form, message) => {
  expect(refusal(authorization, form)).toBe(message);
});

it('refuses any secret for an app client that has none', () => {
  expect(refusal(undefined, { client_secret: 'anything' }, { clientId: 'app-client' })).toBe('Invalid client credentials.');
});

it.each([
  ['HTTP Basic and a form client_id naming another client', basic('app-client', SECRET), { client_id: 'other' }],
  ['HTTP Basic and a secret in the form too', basic('app-client', 'wrong'), { client_secret: SECRET }],
])('answers %s with 400 invalid_request: one method per request (RFC 6749 §2.3)', (_name, authorization, form) => {
  let thrown: unknown;
  try {
    checkClient(requestWith(authorization), form, client);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(InvalidRequestError);
  expect((thrown as Error).message).toBe('Send client credentials one way: HTTP Basic or the form, not both.');
  expect(httpAnswerOf(thrown as InvalidRequestError, true)).toEqual({ status: 400, code: 'invalid_request', headers: {} });
});
