// The one walker over openapi.yaml's operations, and the served document's hosted-UI edit that uses it.
import { loadOpenApiDocument, operationsOf, withHostedUi, type OpenApiDocument } from '../../src/http/openapi-document';

const document: OpenApiDocument = {
  paths: {
    '/books/{id}': {
      summary: 'One book',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: { security: [{ password: [] }, { hostedUi: [] }] },
      delete: { security: [{ bearer: [] }] },
    },
  },
  components: { securitySchemes: { hostedUi: { flows: { authorizationCode: {} } } } },
};

describe('operationsOf', () => {
  it('lists the operations under HTTP methods only, skipping path-level parameters and summary', () => {
    expect(operationsOf(document).map(({ method, path }) => `${method} ${path}`)).toEqual(['get /books/{id}', 'delete /books/{id}']);
  });

  it('finds every operation of openapi.yaml, each an object', () => {
    const operations = operationsOf(loadOpenApiDocument());
    expect(operations.length).toBeGreaterThan(20);
    for (const { operation } of operations) expect(typeof operation.responses).toBe('object');
  });
});

describe('withHostedUi', () => {
  it('drops the hosted-UI scheme and its requirements without a domain, on a path with path-level parameters', () => {
    const served = withHostedUi(document, undefined);
    expect(served.paths!['/books/{id}']!.get).toEqual({ security: [{ password: [] }] });
    expect(served.paths!['/books/{id}']!.parameters).toEqual(document.paths!['/books/{id}']!.parameters);
    expect(served.components!.securitySchemes).toEqual({});
    // The document given is left as it was.
    expect((document.paths!['/books/{id}']!.get as { security: unknown[] }).security).toHaveLength(2);
  });
});
