// The OpenAPI document as served: openapi.yaml with the hosted-UI URLs of this deployment filled in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** Where openapi.yaml lives: the package root, two levels above this file in src/ and in dist/. */
export const OPENAPI_PATH = path.resolve(__dirname, '../../openapi.yaml');

/** One operation of the document, loosely typed: only the part this module edits is named. */
export type OpenApiOperation = Record<string, unknown> & { security?: Record<string, string[]>[] };

/** A loosely typed OpenAPI document: only the parts this module edits are named. */
export type OpenApiDocument = Record<string, unknown> & {
  info?: Record<string, unknown> & { description?: string };
  /** Each path item holds operations under HTTP methods, and may hold `parameters`, `summary`, … beside them. */
  paths?: Record<string, Record<string, unknown>>;
  components?: { securitySchemes?: Record<string, { flows?: { authorizationCode?: Record<string, unknown> } }> };
};

const HOSTED_UI_SCHEME = 'hostedUi';

/** The keys of a path item that name operations (OpenAPI 3.1 §4.8.9); the others are not operations. */
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** An operation with where it lives. */
export interface OperationEntry {
  /** The path template, e.g. `/books/{id}`. */
  path: string;
  /** The HTTP method, lower case. */
  method: (typeof METHODS)[number];
  /** The operation object itself (the document's own, not a copy). */
  operation: OpenApiOperation;
}

/** Every operation of `document`, in document order; path-level `parameters`, `summary` and the like are skipped. */
export function operationsOf(document: OpenApiDocument): OperationEntry[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((method) => typeof item[method] === 'object' && item[method] !== null).map((method) => ({
      path,
      method,
      operation: item[method] as OpenApiOperation,
    })),
  );
}

/** Reads and parses openapi.yaml. */
export function loadOpenApiDocument(file = OPENAPI_PATH): OpenApiDocument {
  return parse(readFileSync(file, 'utf8')) as OpenApiDocument;
}

/**
 * Points the authorization code flow at `<domain>/oauth2/authorize` and `/oauth2/token`; without a hosted-UI
 * domain the scheme is removed, so Swagger UI offers no flow that can't work.
 */
export function withHostedUi(document: OpenApiDocument, domain: string | undefined): OpenApiDocument {
  const served = structuredClone(document);
  const schemes = served.components?.securitySchemes ?? {};
  const flow = schemes[HOSTED_UI_SCHEME]?.flows?.authorizationCode;
  if (domain && flow) {
    flow.authorizationUrl = `${domain}/oauth2/authorize`;
    flow.tokenUrl = `${domain}/oauth2/token`;
    return served;
  }
  delete schemes[HOSTED_UI_SCHEME];
  for (const { operation } of operationsOf(served)) {
    if (operation.security) {
      operation.security = operation.security.filter((requirement) => !(HOSTED_UI_SCHEME in requirement));
    }
  }
  return served;
}

/** Adds `intro` (markdown, e.g. the local stack's demo users) to the end of the document's description. */
export function withIntro(document: OpenApiDocument, intro: string | undefined): OpenApiDocument {
  if (!intro || !document.info) return document;
  return { ...document, info: { ...document.info, description: `${document.info.description ?? ''}\n${intro}\n` } };
}
