// Checks a response the service really sent against openapi.yaml: its operation, status, media type, body and headers.
import Ajv2019, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import type { OutgoingHttpHeaders } from 'node:http';
import { loadOpenApiDocument, operationsOf, type OpenApiDocument } from '../../src/http/openapi-document';

/** One response as the service wrote it. */
export interface ObservedResponse {
  /** The request's method. */
  method: string;
  /** The request target as the client sent it: path and query. */
  url: string;
  /** The status code sent. */
  status: number;
  /** The headers sent, names in lower case. */
  headers: OutgoingHttpHeaders;
  /** The body bytes written (empty for none). */
  body: Buffer;
}

/**
 * Routes the service serves that the document does not describe, each with the reason. Their responses are not
 * checked; everything else is, so a route added without its operation is reported.
 */
const UNDOCUMENTED: readonly { path: RegExp; why: string }[] = [
  { path: /^\/docs(\/|$)/i, why: 'Swagger UI: its page, scripts, styles and the OAuth redirect page, not API operations' },
];

/**
 * Requests the document names under another operation. Forward auth answers any method and any path below
 * /auth/verify alike (FORWARD_AUTH_PATHS in src/http/handlers/forward-auth.ts): Envoy keeps the original method and
 * appends the original path.
 */
const ALIASES: readonly { path: RegExp; to: { method: string; path: string } }[] = [
  { path: /^\/auth\/verify(\/.*)?$/i, to: { method: 'get', path: '/auth/verify' } },
];

/**
 * Words Ajv must take as annotations: the OpenAPI 3.0 Schema Object's own (`example`, …), and the fields of the
 * OpenAPI Object, since the whole document is added as one schema so that its `#/components/…` refs resolve.
 * Any other unknown keyword is an error (Ajv's strict mode): a typo in the document's schemas fails the suite.
 */
const OPENAPI_KEYWORDS = ['example', 'xml', 'externalDocs', 'discriminator', 'openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags'];

type Node = Record<string, unknown>;
type Schema = Node & { $ref?: string; type?: string; properties?: Record<string, Node>; items?: Node };

/** How a JSON Pointer writes one key (RFC 6901). */
const pointerKey = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

const DOCUMENT_ID = 'openapi.yaml';

/**
 * A schema at a value position (a response body, a property, array items) that names members is closed:
 * `unevaluatedProperties: false` unless it says otherwise, so a member the service sends and the document doesn't
 * name is reported. Members of `allOf`, `oneOf` and `anyOf` are left open (their holder is closed, and sees what each
 * member evaluated), and so are `$ref` targets (each use is closed where it is). A free-form object (`type: object`
 * and nothing more) stays free.
 */
function closeValue(schema: unknown, resolve: (ref: string) => unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  const node = schema as Schema;
  if (namesMembers(node, resolve) && !('additionalProperties' in node) && !('unevaluatedProperties' in node)) {
    node.unevaluatedProperties = false;
  }
  closeInside(node, resolve);
}

/** Whether `schema` says which members an object has: `properties`, or an applicator or `$ref` that does. */
function namesMembers(schema: Schema, resolve: (ref: string) => unknown, seen = new Set<string>()): boolean {
  if (schema.properties) return true;
  if (typeof schema.$ref === 'string') {
    if (seen.has(schema.$ref)) return false;
    seen.add(schema.$ref);
    return namesMembers((resolve(schema.$ref) ?? {}) as Schema, resolve, seen);
  }
  return (['allOf', 'oneOf', 'anyOf'] as const).some((applicator) =>
    ((schema[applicator] as Schema[] | undefined) ?? []).some((member) => namesMembers(member, resolve, seen)),
  );
}

/** Closes the value positions inside `schema` (and inside its applicators' members), leaving `schema` as it is. */
function closeInside(schema: Schema, resolve: (ref: string) => unknown): void {
  for (const value of Object.values(schema.properties ?? {})) closeValue(value, resolve);
  if (schema.items) closeValue(schema.items, resolve);
  if (typeof schema.additionalProperties === 'object') closeValue(schema.additionalProperties, resolve);
  for (const applicator of ['allOf', 'oneOf', 'anyOf'] as const) {
    for (const member of (schema[applicator] as Schema[] | undefined) ?? []) closeInside(member, resolve);
  }
}

/** A validator compiled on first use: a test file pays only for the schemas of the responses it sees. */
type Validator = () => ValidateFunction;

/** A documented response of one operation. */
interface DocumentedResponse {
  /** The validator of each media type's schema (undefined: any body of that type). */
  content: Map<string, Validator | undefined>;
  /** Documented headers, by lower-case name. */
  headers: Map<string, { name: string; required: boolean; numeric: boolean; validate?: Validator }>;
}

interface DocumentedOperation {
  method: string;
  path: string;
  pattern: RegExp;
  /** By status key as written: `200`, `4XX`, `default`. */
  responses: Map<string, DocumentedResponse>;
}

/** The status keys that may describe `status`, most specific first (OpenAPI 3.0 §4.7.16). */
const statusKeys = (status: number) => [String(status), `${String(status)[0]}XX`, 'default'];

/** Ajv's errors as one line, each at its place in `data` (`body/0/author`). */
function errorsText(errors: ErrorObject[] | null | undefined, data: string): string {
  return (errors ?? [])
    .map((error) => {
      const where = `${data}${error.instancePath}`;
      if (error.keyword === 'unevaluatedProperties') return `${where} has ${String(error.params.unevaluatedProperty)}, which the document does not name`;
      if (error.keyword === 'enum') return `${where} must be one of ${JSON.stringify(error.params.allowedValues)}`;
      return `${where} ${error.message}`;
    })
    .join('; ');
}

/**
 * openapi.yaml as a checker of responses. A response is checked in this order:
 * - its operation, by method and path template (`/books/{id}` matches `/books/abc`, case-insensitive and with an
 *   optional trailing slash, as Express routes); HEAD is GET's operation; ALIASES map other paths. A request that
 *   matches no operation may answer 404 (unknown path or method), 400 when its path is not valid percent-encoding
 *   (Express decodes a route's parameters before it looks at the method), or be an OPTIONS (a CORS preflight, or
 *   Express's own `Allow` answer); any other answer to it is reported, unless its path is in UNDOCUMENTED;
 * - its status, documented by its code, its `4XX`-style range or `default`;
 * - its body: none where the document shows no content; else a Content-Type among the documented ones, and a JSON
 *   body valid against its schema, objects closed (see closeValue);
 * - its headers: a header the response documents is checked against its schema whenever it is sent, and must be
 *   sent when the document marks it `required: true`.
 */
export class ResponseContract {
  private readonly operations: DocumentedOperation[];
  private readonly validators: Validator[] = [];

  constructor(document: OpenApiDocument = loadOpenApiDocument()) {
    const closed = structuredClone(document) as OpenApiDocument & { components?: Node };
    const ajv = new Ajv2019({ allErrors: true, strictTypes: false });
    /** The node at a JSON Pointer (`/components/schemas/Book`) of the document. */
    const resolve = (pointer: string): unknown =>
      pointer
        .slice(1)
        .split('/')
        .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((at, key) => (at as Node | undefined)?.[key], closed);
    /** Follows `$ref`s of non-schema objects (responses, headers) to the object and its pointer. */
    const follow = (node: Node, pointer: string): [Node, string] => {
      let [at, where] = [node, pointer];
      while (typeof at.$ref === 'string') [where, at] = [at.$ref.slice(1), resolve(at.$ref.slice(1)) as Node];
      return [at, where];
    };

    // Close every value position: response bodies here, properties and items inside every component schema.
    const target = (ref: string) => resolve(ref.slice(1));
    for (const schema of Object.values((closed.components?.schemas ?? {}) as Record<string, Schema>)) closeInside(schema, target);
    const responseObjects = [
      ...Object.values((closed.components?.responses ?? {}) as Record<string, Node>),
      ...operationsOf(closed).flatMap(({ operation }) => Object.values((operation.responses ?? {}) as Record<string, Node>)),
    ];
    for (const response of responseObjects) {
      for (const media of Object.values((response.content ?? {}) as Record<string, Node>)) closeValue(media.schema, target);
    }

    addFormats(ajv);
    ajv.addVocabulary(OPENAPI_KEYWORDS);
    ajv.addSchema(closed, DOCUMENT_ID);
    const compile = (pointer: string): Validator => {
      // A URI fragment: each pointer segment percent-encoded (`/paths/~1books~1{id}` has braces). Ajv keeps what it
      // compiled by that key, so a shared component is compiled once.
      const fragment = pointer.split('/').map(encodeURIComponent).join('/');
      const validator = () => {
        const validate = ajv.getSchema(`${DOCUMENT_ID}#${fragment}`);
        if (!validate) throw new Error(`openapi.yaml: no schema at ${pointer}`);
        return validate;
      };
      this.validators.push(validator);
      return validator;
    };

    this.operations = operationsOf(closed).map(({ method, path, operation }) => {
      const at = `/paths/${pointerKey(path)}/${method}/responses`;
      const responses = new Map<string, DocumentedResponse>();
      for (const [status, reference] of Object.entries((operation.responses ?? {}) as Record<string, Node>)) {
        const [response, where] = follow(reference, `${at}/${pointerKey(status)}`);
        const content = new Map<string, Validator | undefined>();
        for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, Node>)) {
          content.set(type.toLowerCase(), media.schema ? compile(`${where}/content/${pointerKey(type)}/schema`) : undefined);
        }
        const documentedHeaders: DocumentedResponse['headers'] = new Map();
        for (const [name, headerReference] of Object.entries((response.headers ?? {}) as Record<string, Node>)) {
          // OpenAPI 3.0 §4.7.17.1: a Content-Type header here is ignored; the content map says it.
          if (name.toLowerCase() === 'content-type') continue;
          const [header, headerAt] = follow(headerReference, `${where}/headers/${pointerKey(name)}`);
          const schema = header.schema as Schema | undefined;
          documentedHeaders.set(name.toLowerCase(), {
            name,
            required: header.required === true,
            numeric: schema?.type === 'integer' || schema?.type === 'number',
            validate: schema ? compile(`${headerAt}/schema`) : undefined,
          });
        }
        // `4xx` and `4XX` are one range; `default` stays as written.
        responses.set(/^\dxx$/i.test(status) ? status.toUpperCase() : status, { content, headers: documentedHeaders });
      }
      const template = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+');
      return { method, path, pattern: new RegExp(`^${template}/?$`, 'i'), responses };
    });
  }

  /** Compiles every response schema of the document now; throws at the first that Ajv refuses. */
  compileAll(): void {
    for (const validator of this.validators) validator();
  }

  /** Every documented operation, `METHOD /path`. */
  operationNames(): string[] {
    return this.operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`);
  }

  /** What is wrong with `response` against the document, one line each; empty when it matches or is not checked. */
  check(response: ObservedResponse): string[] {
    const path = pathOf(response.url);
    if (UNDOCUMENTED.some((route) => route.path.test(path))) return [];
    const method = response.method.toLowerCase();
    const head = method === 'head';
    const alias = ALIASES.find((entry) => entry.path.test(path))?.to;
    const operation = alias
      ? this.operations.find((entry) => entry.method === alias.method && entry.path === alias.path)
      : this.operations.find((entry) => entry.method === (head ? 'get' : method) && entry.pattern.test(path));
    if (!operation) {
      if (response.status === 404 || method === 'options') return [];
      // Express's router decodes the path parameters of every route whose pattern matches, whatever the method.
      if (response.status === 400 && !decodable(path)) return [];
      return [`no operation of openapi.yaml is ${response.method} ${path}`];
    }
    const key = statusKeys(response.status).find((status) => operation.responses.has(status));
    const documented = key === undefined ? undefined : operation.responses.get(key);
    const name = `${operation.method.toUpperCase()} ${operation.path}`;
    if (!documented) return [`status ${response.status} is not documented for ${name} (it documents ${[...operation.responses.keys()].join(', ')})`];

    const problems: string[] = [];
    for (const [lower, header] of documented.headers) {
      const sent = response.headers[lower];
      if (sent === undefined) {
        if (header.required) problems.push(`header ${header.name} is required but not sent`);
        continue;
      }
      const text = Array.isArray(sent) ? sent.join(', ') : String(sent);
      // Header values are text: `Retry-After: 5` is checked against `type: integer` as the number it spells.
      const value = header.numeric && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
      const validate = header.validate?.();
      if (validate && !validate(value)) problems.push(errorsText(validate.errors, `header ${header.name} ${JSON.stringify(text)}`));
    }

    // HEAD answers carry GET's headers but no body; 204 and 304 never have one.
    if (head) return problems;
    const hasBody = response.body.length > 0;
    const mediaType = String(response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (documented.content.size === 0) {
      if (hasBody) problems.push(`a body (${mediaType || 'no Content-Type'}) is sent where the document shows none`);
      return problems;
    }
    if (!hasBody) {
      problems.push(`no body is sent where the document shows ${[...documented.content.keys()].join(' or ')}`);
      return problems;
    }
    const type = [...documented.content.keys()].find((documentedType) => mediaTypeMatches(documentedType, mediaType));
    if (type === undefined) {
      problems.push(`Content-Type ${mediaType || '(none)'} is not one the document shows (${[...documented.content.keys()].join(', ')})`);
      return problems;
    }
    const validate = documented.content.get(type)?.();
    if (!validate || !/^application\/(.+\+)?json$/.test(mediaType)) return problems;
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      problems.push('the body is not JSON');
      return problems;
    }
    if (!validate(body)) problems.push(errorsText(validate.errors, 'body'));
    return problems;
  }
}

/** The path of a request target as Express routes it: not normalized, `.` and `..` segments left as they are. */
function pathOf(url: string): string {
  return url.split('?')[0] ?? '';
}

/** Whether each of the path's segments is valid percent-encoding. */
function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether a documented media type (`application/json`, `application/*`, `*\/*`) covers a sent one. */
function mediaTypeMatches(documented: string, sent: string): boolean {
  if (documented === '*/*' || documented === sent) return true;
  return documented.endsWith('/*') && sent.startsWith(documented.slice(0, -1));
}

/**
 * The mismatches this test file's responses showed, until the integration project's check-responses.ts takes them
 * after each test and fails that test. Jest loads this module once per test file, so the list is that file's.
 */
export class MismatchLog {
  private readonly lines: string[] = [];

  /** Records the problems `check` found with `response`. */
  add(response: ObservedResponse, problems: string[]): void {
    const request = `${response.method} ${pathOf(response.url)} → ${response.status}`;
    for (const problem of problems) this.lines.push(`${request}: ${problem}`);
  }

  /** The lines recorded since the last take, each once with how often it occurred; the log is empty afterwards. */
  take(): string[] {
    const counts = new Map<string, number>();
    for (const line of this.lines.splice(0)) counts.set(line, (counts.get(line) ?? 0) + 1);
    return [...counts].map(([line, count]) => (count > 1 ? `${line} (×${count})` : line));
  }
}

/** This test file's mismatches (see MismatchLog). */
export const responseMismatches = new MismatchLog();

let shared: ResponseContract | undefined;
/** openapi.yaml as this test file's checker, built on first use. */
export function documentContract(): ResponseContract {
  shared ??= new ResponseContract();
  return shared;
}
