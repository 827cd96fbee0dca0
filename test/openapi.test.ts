// openapi.yaml teaches the API: Spectral's spectral:oas rules pass, everything is described, every error response
// shows an example with its own code, and every response the integration suite sees is checked against it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import request from 'supertest';
import { SCOPES } from '../src/pool/pool-definition';
import { CHALLENGE_NAMES } from '../src/signin/model';
import { loadOpenApiDocument, operationsOf, withIntro, type OpenApiDocument } from '../src/http/openapi-document';
import { observeResponses } from './support/observe-responses';
import { ResponseContract, responseMismatches, type ObservedResponse } from './support/openapi-responses';
import { TestFleet } from './support/stack';

const ROOT = path.resolve(__dirname, '..');
const document = loadOpenApiDocument() as Record<string, any>; // any: a walk over a parsed YAML document

/** Follows a local `$ref` (`#/components/...`) once. */
function resolve<T = any>(node: any): T {
  if (!node || typeof node.$ref !== 'string') return node;
  return node.$ref
    .slice(2)
    .split('/')
    .reduce((at: any, key: string) => at?.[key], document);
}

const operations = operationsOf(document).map(({ path, method, operation }) => ({ name: `${method.toUpperCase()} ${path}`, operation: operation as any })); // any: parsed YAML

/** The `error` codes a status may document; a route's own 403/400 codes are listed with their status. */
const CODES_BY_STATUS: Record<string, string[]> = {
  '400': ['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'invalid_code'],
  '401': ['unauthorized', 'invalid_token', 'invalid_credentials', 'invalid_client'],
  '403': ['insufficient_scope', 'user_not_confirmed', 'password_reset_required', 'cross_site_request'],
  '404': ['not_found'],
  '409': ['user_exists'],
  '413': ['invalid_request'],
  '415': ['invalid_request'],
  '429': ['too_many_requests'],
  '500': ['server_error'],
  '501': ['not_implemented'],
  '503': ['temporarily_unavailable'],
};

/** The example bodies of a JSON response: its `example`, or each of its named `examples`. */
function exampleBodies(response: any): unknown[] {
  const json = response.content?.['application/json'];
  if (!json) return [];
  if (json.example !== undefined) return [json.example];
  return Object.values(json.examples ?? {}).map((example) => resolve(example).value);
}

describe('openapi.yaml', () => {
  it('passes Spectral\'s spectral:oas ruleset with no error, warning, info or hint', async () => {
    const spectral = path.join(ROOT, 'node_modules/.bin/spectral');
    const { stdout } = await promisify(execFile)(spectral, ['lint', 'openapi.yaml', '--format', 'json', '--quiet'], {
      cwd: ROOT,
    }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    expect(JSON.parse(stdout)).toEqual([]);
  }, 60_000);

  it('describes every operation and every tag', () => {
    expect(operations.filter(({ operation }) => !operation.description?.trim()).map(({ name }) => name)).toEqual([]);
    expect((document.tags as any[]).filter((tag) => !tag.description?.trim()).map((tag) => tag.name)).toEqual([]);
  });

  it('gives every error response examples whose code belongs to its status', () => {
    const wrong: string[] = [];
    for (const { name, operation } of operations) {
      for (const [status, ref] of Object.entries(operation.responses as Record<string, unknown>)) {
        if (Number(status) < 400) continue;
        const bodies = exampleBodies(resolve(ref));
        if (bodies.length === 0) wrong.push(`${name} ${status}: no example`);
        for (const body of bodies as { error?: string }[]) {
          if (!CODES_BY_STATUS[status]?.includes(body.error ?? '')) wrong.push(`${name} ${status}: example code ${body.error}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('shows 401 examples of both unauthorized and invalid_token, with a WWW-Authenticate example', () => {
    const unauthorized = resolve(document.components.responses.Unauthorized);
    const codes = exampleBodies(unauthorized).map((body) => (body as { error: string }).error);
    expect(new Set(codes)).toEqual(new Set(['unauthorized', 'invalid_token']));
    expect(resolve(unauthorized.headers['WWW-Authenticate']).example).toMatch(/^Bearer realm="api", error="invalid_token"/);
  });

  it('shows one named example per challenge on POST /auth/challenge', () => {
    const examples = document.paths['/auth/challenge'].post.requestBody.content['application/json'].examples;
    const answered = CHALLENGE_NAMES.filter((name) => name !== 'MFA_SETUP');
    expect(Object.keys(examples).sort()).toEqual([...answered].sort());
    for (const name of answered) expect(examples[name].value.challenge).toBe(name);
  });

  it('prefills POST /auth/logout with an empty body, not a fake refresh token', () => {
    const json = document.paths['/auth/logout'].post.requestBody.content['application/json'];
    expect(Object.values(json.examples)[0]).toEqual(expect.objectContaining({ value: {} }));
    expect(json.schema.properties.refresh_token.example).toBeUndefined();
  });

  it('offers no scopes to tick on the password flow: scopes come from groups', () => {
    const flow = document.components.securitySchemes.password.flows.password;
    expect(flow.scopes).toEqual({});
    expect(document.components.securitySchemes.password.description).toContain('GROUP_SCOPES');
  });

  it('names as a route\'s needed scope only scopes of the pool definition, and every one of them', () => {
    const needed = new Set(
      operationsOf(document).flatMap(({ operation }) => [...String(operation.description ?? '').matchAll(/Needs the scope `([^`]+)`/g)].map((match) => match[1])),
    );
    expect([...needed].sort()).toEqual(Object.values(SCOPES).sort());
  });

  it('no longer says that Logout only forgets the token', () => {
    expect(JSON.stringify(document)).not.toMatch(/only forgets/i);
  });

  it('adds DOCS_INTRO to the intro only when it is set', () => {
    expect(withIntro(document, undefined)).toBe(document);
    const intro = '**Local stack**: Authorize with a demo user.';
    expect((withIntro(document, intro).info as { description: string }).description).toBe(`${document.info.description}\n${intro}\n`);
    expect(document.info.description).not.toMatch(/demo user|npm run dev/);
  });
});

describe('checking the responses the suite sees against openapi.yaml', () => {
  it('compiles every response schema of the document in Ajv\'s strict mode, for every operation', () => {
    const contract = new ResponseContract();
    expect(() => contract.compileAll()).not.toThrow();
    expect(contract.operationNames()).toEqual(operations.map(({ name }) => name));
  });

  it('reports a documented route answered with an undocumented status, body, media type or header', async () => {
    // Fake: the service can't be made to break its own contract on purpose, so this app answers as it must not.
    const tokens = { access_token: 'a', token_type: 'Bearer', expires_in: 3600 };
    const wrong = express()
      .get('/healthz', (_req, res) => void res.status(418).json({ status: 'ok' }))
      .get('/books', (_req, res) => void res.json([{ title: 'Dune' }]))
      .post('/auth/login', (_req, res) => void res.json(tokens))
      .post('/auth/refresh', (_req, res) => void res.set('Cache-Control', 'no-store').json({ ...tokens, extra: true }))
      .get('/readyz', (_req, res) => void res.type('text/plain').send('ready'))
      .get('/auth/verify/{*rest}', (_req, res) => void res.set('Cache-Control', 'no-store').end())
      .delete('/books/:id', (_req, res) => void res.status(204).end())
      .get('/nowhere', (_req, res) => void res.json({}))
      .get('/docs/swagger-ui.css', (_req, res) => void res.type('text/css').send('body {}'));
    const seen: string[] = [];
    const contract = new ResponseContract();
    const record = (response: ObservedResponse) => seen.push(...contract.check(response).map((problem) => `${response.method} ${response.url}: ${problem}`));
    const app = observeResponses(wrong, record);
    for (const [method, url] of [
      ['get', '/healthz'], ['get', '/books'], ['post', '/auth/login'], ['post', '/auth/refresh'], ['get', '/readyz'],
      ['get', '/auth/verify/any/path'], ['delete', '/books/abc'], ['get', '/nowhere'], ['get', '/not-a-route'], ['get', '/docs/swagger-ui.css'],
    ] as const) {
      await request(app)[method](url);
    }
    expect(seen).toEqual([
      'GET /healthz: status 418 is not documented for GET /healthz (it documents 200)',
      "GET /books: body/0 must have required property 'author'; body/0 must have required property 'id'",
      'POST /auth/login: header Cache-Control is required but not sent',
      'POST /auth/refresh: body has extra, which the document does not name',
      'GET /readyz: Content-Type text/plain is not one the document shows (application/json)',
      'GET /auth/verify/any/path: header X-Auth-Request-User is required but not sent',
      'GET /auth/verify/any/path: header X-Auth-Request-Sub is required but not sent',
      'GET /auth/verify/any/path: header X-Auth-Request-Groups is required but not sent',
      'GET /auth/verify/any/path: header X-Auth-Request-Scopes is required but not sent',
      'GET /auth/verify/any/path: header X-Auth-Request-Client-Id is required but not sent',
      'GET /nowhere: no operation of openapi.yaml is GET /nowhere',
    ]);
  });

  it('checks every response of a TestFleet app, and records what does not match for the test that saw it', async () => {
    const strict = structuredClone(document); // any (from `document`): a walk over a parsed YAML document
    strict.paths['/healthz'].get.responses['200'].content['application/json'].schema.properties.status.enum = ['fine'];
    const contract = new ResponseContract(strict as OpenApiDocument);
    const fleet = new TestFleet({ contract: () => contract });
    try {
      const api = await fleet.instance();
      expect((await request(api.app).get('/healthz')).status).toBe(200);
      expect(responseMismatches.take()).toEqual(['GET /healthz → 200: body/status must be one of ["fine"]']);
    } finally {
      await fleet.close();
    }
  });

  it('fails every integration test that saw such a response: the setup file is part of the integration project', () => {
    const config = require('../jest.config.js') as { projects: { displayName: string; setupFilesAfterEnv?: string[] }[] };
    const integration = config.projects.find((project) => project.displayName === 'integration');
    expect(integration?.setupFilesAfterEnv).toContain('<rootDir>/test/support/check-responses.ts');
  });
});
