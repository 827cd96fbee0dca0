// What the public routes that call nothing do: health, readiness, RFC 9728 metadata, the OpenAPI document, Swagger UI.
import path from 'node:path';
import { Router, type RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Readiness } from '../../start-up';
import { publicBaseUrl } from '../public-url';

/** The Swagger UI plugin that makes the dialog's Logout end the session on the server (plain browser script). */
const SESSION_PLUGIN = path.join(__dirname, '../docs/session-plugin.js');
/** The plugin's notice after a logout, in the place Swagger UI shows a scheme's errors. */
const SESSION_NOTICE_CSS =
  '.swagger-ui .session-notice { margin: 8px 0; padding: 8px 12px; border-left: 4px solid #49cc90; background: #ebf8f1; color: #1b5e3c; }';

/** What the meta routes need. */
export interface MetaDeps {
  /** What /readyz checks. */
  readiness: Readiness;
  /** The token issuer, named as authorization server. */
  issuer: string;
  /** Every scope the API knows, for the metadata. */
  scopes: string[];
  /** PUBLIC_URL: the only source of `resource` when set; undefined: derived from the request. */
  publicUrl?: string;
  /** The OpenAPI document as served. */
  openapi: Record<string, unknown>;
}

/** What Swagger UI needs. */
export interface DocsRoutesDeps {
  /** The OpenAPI document as served. */
  openapi: Record<string, unknown>;
  /** Pre-filled client id of the Authorize dialog. */
  clientId: string;
  /** Keep the authorization across page reloads (off unless asked for). */
  persistAuthorization: boolean;
}

/** GET /healthz: the process runs (liveness, probed often). */
export const healthz: RequestHandler = (_req, res) => {
  res.json({ status: 'ok' });
};

/** The handlers of /readyz, the RFC 9728 metadata and /openapi.json. */
export function metaHandlers(deps: MetaDeps) {
  return {
    readyz: (async (_req, res) => {
      const down = await deps.readiness.down();
      if (down.length === 0) {
        res.json({ status: 'ready' });
        return;
      }
      const why = down.map(({ name, detail }) => detail ?? `${name} unavailable`).join('; ');
      res
        .status(503)
        .set('Retry-After', '5')
        .json({ error: 'temporarily_unavailable', error_description: `Not ready: ${why}.`, down: down.map(({ name }) => name) });
    }) satisfies RequestHandler,

    protectedResource: ((req, res) => {
      const resource = publicBaseUrl(req, deps.publicUrl);
      // Derived from request headers, the answer differs per caller: no shared cache may keep it.
      res.set('Cache-Control', deps.publicUrl ? 'public, max-age=3600' : 'no-store');
      res.json({
        resource,
        authorization_servers: [deps.issuer],
        scopes_supported: deps.scopes,
        bearer_methods_supported: ['header'],
        resource_documentation: `${resource}/docs`,
      });
    }) satisfies RequestHandler,

    openapi: ((_req, res) => {
      res.json(deps.openapi);
    }) satisfies RequestHandler,
  };
}

/** Builds the router of Swagger UI, mounted at /docs, with the plugin that makes its Logout end the session. */
export function docsRoutes(deps: DocsRoutesDeps): Router {
  const router = Router();
  // The redirect page comes back from the hosted UI's origin; any COOP there would cut it off from its opener.
  router.use('/oauth2-redirect.html', (_req, res, next) => {
    res.removeHeader('Cross-Origin-Opener-Policy');
    next();
  });
  router.get('/session-plugin.js', (_req, res) => {
    res.sendFile(SESSION_PLUGIN);
  });
  router.use(
    swaggerUi.serve,
    swaggerUi.setup(deps.openapi, {
      customSiteTitle: 'Cognito JWT API',
      customJs: './session-plugin.js',
      customCss: SESSION_NOTICE_CSS,
      swaggerOptions: {
        persistAuthorization: deps.persistAuthorization,
        validatorUrl: null,
        oauth: { clientId: deps.clientId, usePkceWithAuthorizationCodeGrant: true },
      },
    }),
  );
  return router;
}
