// Each route's scopes, pinned against what openapi.yaml says it needs: a valid token with none of the API's scopes is
// refused (403 insufficient_scope, naming exactly the documented scopes) by every route whose description says
// "Needs the scope `…`", and by no other route that takes a Bearer token.
import request from 'supertest';
import { loadOpenApiDocument, operationsOf } from '../src/http/openapi-document';
import { stack, TestFleet, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

const fleet = new TestFleet();
let api: TestApp;
beforeAll(async () => {
  api = await fleet.instance();
});
afterAll(() => fleet.close());

// any: a walk over a parsed YAML document
const operations = operationsOf(loadOpenApiDocument()).map(({ path, method, operation }) => ({ path, method, operation: operation as any }));
/** Operations a Bearer token may call: introspection's Bearer is a caller's credential, tested with its own scope. */
const bearerOperations = operations.filter(({ operation }) => {
  const schemes = ((operation.security ?? []) as Record<string, unknown>[]).flatMap((requirement) => Object.keys(requirement));
  return schemes.includes('bearer') && !schemes.includes('introspectionClient');
});
const documentedScopes = (operation: { description?: string }) => [...(operation.description ?? '').matchAll(/Needs the scope `([^`]+)`/g)].map((match) => match[1]);

/** A call of `operation` with `token`: path parameters filled in, an empty body of its media type. */
function call(method: string, path: string, operation: any, token: string) {
  const url = path.replace(/\{[^}]+\}/g, 'nobody-here');
  const sent = (request(api.app) as any)[method](url).set('Authorization', `Bearer ${token}`) as request.Test;
  const content = Object.keys(operation.requestBody?.content ?? {});
  if (content.includes('application/json')) return sent.send({});
  if (content.includes('application/x-www-form-urlencoded')) return sent.type('form').send('');
  return sent;
}

describe('the route table against openapi.yaml', () => {
  it('finds the routes that document scopes', () => {
    const scoped = bearerOperations.filter(({ operation }) => documentedScopes(operation).length > 0).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(scoped).toEqual(
      expect.arrayContaining(['GET /books', 'POST /books', 'DELETE /books/{id}', 'POST /admin/users/{username}/logout-all', 'POST /admin/users/{username}/disable']),
    );
  });

  it.each(bearerOperations.map(({ method, path, operation }) => [`${method.toUpperCase()} ${path}`, method, path, operation]))(
    '%s refuses a token without its documented scopes, and only those',
    async (_name, method, path, operation) => {
      const scopes = documentedScopes(operation);
      // A signed-in user in no group: none of the API's own scopes.
      const response = await call(method, path, operation, mintAccessToken(stack.issuer, stack.clientId));
      if (scopes.length === 0) {
        expect(response.status).not.toBe(403);
        return;
      }
      const description = `This call needs the scope(s): ${scopes.join(' ')}.`;
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ error: 'insufficient_scope', error_description: description });
      expect(response.headers['www-authenticate']).toBe(
        `Bearer realm="api", error="insufficient_scope", error_description="${description}", scope="${scopes.join(' ')}"`,
      );
    },
  );
});
