// The OpenAPI document as served: openapi.yaml with the hosted-UI URLs of this deployment filled in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** Where openapi.yaml lives: the package root, two levels above this file in src/ and in dist/. */
export const OPENAPI_PATH = path.resolve(__dirname, '../../openapi.yaml');

/** A loosely typed OpenAPI document: only the parts this module edits are named. */
export type OpenApiDocument = Record<string, unknown> & {
  info?: Record<string, unknown> & { description?: string };
  paths?: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
  components?: { securitySchemes?: Record<string, { flows?: { authorizationCode?: Record<string, unknown> } }> };
};

const HOSTED_UI_SCHEME = 'hostedUi';

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
  for (const operations of Object.values(served.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      if (operation.security) {
        operation.security = operation.security.filter((requirement) => !(HOSTED_UI_SCHEME in requirement));
      }
    }
  }
  return served;
}

/** Adds `intro` (markdown, e.g. the local stack's demo users) to the end of the document's description. */
export function withIntro(document: OpenApiDocument, intro: string | undefined): OpenApiDocument {
  if (!intro || !document.info) return document;
  return { ...document, info: { ...document.info, description: `${document.info.description ?? ''}\n${intro}\n` } };
}
