// Builds the Express app over ready services: no global state, nothing constructed or listening here.
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import type { Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Authenticator } from '../bearer/authenticator';
import type { BookStore } from '../books/book-store';
import type { Config } from '../config/config';
import { noMetrics, type Metrics } from '../metrics/metrics';
import type { AccountService } from '../signin/account-service';
import type { SignInService } from '../signin/sign-in-service';
import { requireAuth, scopeGuard } from './auth-middleware';
import { errorHandler, notFound } from './error-handler';
import { createThrottles } from './throttles';
import { sameSiteOnly } from './same-site';
import { requestLogger } from './request-logger';
import { securityHeaders } from './security-headers';
import { accountRoutes } from './routes/account-routes';
import { authRoutes, me } from './routes/auth-routes';
import { bookRoutes } from './routes/book-routes';
import { loadOpenApiDocument, withHostedUi, withIntro } from './openapi-document';
import { docsRoutes, healthz, metaRoutes, type Readiness } from './routes/meta-routes';
import { FORWARD_AUTH_PATHS, forwardAuth } from './routes/forward-auth';
import { tokenEndpoint } from './routes/token-endpoint';
import { markMount } from './request-metrics';

/** Everything the app needs, built by main.ts's assemble(). */
export interface AppDeps {
  /** Parsed configuration. */
  config: Config;
  /** Logger. */
  logger: Logger;
  /** Bearer token to Principal, denylist included. */
  authenticator: Authenticator;
  /** Login, challenges, refresh and logout. */
  signIn: SignInService;
  /** The account lifecycle. */
  accounts: AccountService;
  /** The example resource's storage. */
  books: BookStore;
  /** What /readyz checks. */
  readiness: Readiness;
  /** Where the budget `name` keeps its counts; in-process when absent. */
  rateLimitStore?: (name: string) => Store;
  /** The OpenAPI document; read from openapi.yaml when absent. */
  openapi?: Record<string, unknown>;
  /** Counts and times requests, token checks and refusals; nothing when absent. */
  metrics?: Metrics;
}

/** Creates the app. */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const metrics = deps.metrics ?? noMetrics;
  const app = express();
  app.disable('x-powered-by');
  // API answers are per caller and never cached: an ETag would only cost a hash per response.
  app.set('etag', false);
  if (config.server.trustProxy !== undefined) app.set('trust proxy', config.server.trustProxy);

  app.use(requestLogger(deps.logger, metrics));
  // Swagger UI's code flow fetches tokens from the hosted-UI domain: the one origin added to connect-src.
  const hostedUi = config.cognito.domain ? [new URL(config.cognito.domain).origin] : [];
  // No upgrade-insecure-requests: it would turn a local stack's http hosted UI into https calls that fail.
  // COOP allows popups: the hosted-UI login popup must reach back to Swagger UI through window.opener.
  app.use(
    securityHeaders({
      contentSecurityPolicy: { directives: { connectSrc: ["'self'", ...hostedUi], upgradeInsecureRequests: null } },
      crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    }),
  );
  if (config.server.corsOrigins.length > 0) {
    // A browser app must read why a call was refused (an expired token means refresh) and when to retry.
    app.use(
      cors({
        origin: config.server.corsOrigins,
        credentials: true,
        maxAge: 600,
        exposedHeaders: ['WWW-Authenticate', 'Retry-After'],
      }),
    );
  }

  const { authenticator } = deps;
  const throttles = createThrottles({ ...config.loginRateLimit, store: deps.rateLimitStore, metrics });
  const sameSite = sameSiteOnly({ corsOrigins: config.server.corsOrigins, publicUrl: config.server.publicUrl });
  const auth = requireAuth(authenticator, { publicUrl: config.server.publicUrl, metrics });
  const requireScopes = scopeGuard(metrics);
  // A logout that sends a refresh token completes even when its session is already logged out: a first try whose
  // revocation failed (503) is repeated with the same tokens, and only then does Cognito revoke the refresh token.
  const logoutAuth = requireAuth(authenticator, {
    publicUrl: config.server.publicUrl,
    admitLoggedOut: (req) => typeof req.body?.refresh_token === 'string',
    metrics,
  });
  const authIfSent = requireAuth(authenticator, { publicUrl: config.server.publicUrl, optional: true, metrics });
  const scopes = [...new Set(['books/read', 'books/write', ...[...config.groupScopes.values()].flat()])];
  const openapi = withIntro(withHostedUi(deps.openapi ?? loadOpenApiDocument(), config.cognito.domain), config.docsIntro);
  // The metrics name a request by its router's mount point; without metrics nothing needs it.
  const mounted = (router: RequestHandler): RequestHandler[] => (metrics === noMetrics ? [router] : [markMount, router]);
  const guards = { auth, throttles, sameSite };

  // The routes called most often sit on the app itself, ahead of every router and of the body parser (they read no
  // body): each router a request passes through on its way costs it more than checking its token does (measured:
  // 28 of 216 µs of CPU for /auth/me behind three routers).
  app.get('/healthz', healthz);
  app.get('/auth/me', auth, me);
  app.all(FORWARD_AUTH_PATHS, ...forwardAuth({ auth, requireScopes, metrics }));
  app.use(
    ...mounted(metaRoutes({ readiness: deps.readiness, issuer: config.cognito.issuer, scopes, publicUrl: config.server.publicUrl, openapi })),
  );
  app.use(express.json({ limit: '10kb' }));
  app.use('/auth', ...mounted(authRoutes({ signIn: deps.signIn, logoutAuth, ...guards })));
  app.use(
    '/auth/token',
    ...mounted(tokenEndpoint({ signIn: deps.signIn, client: config.cognito, groupScopes: config.groupScopes, throttles, sameSite })),
  );
  app.use('/auth', ...mounted(accountRoutes({ accounts: deps.accounts, authIfSent, ...guards })));
  app.use('/books', ...mounted(bookRoutes(deps.books, auth, requireScopes)));
  app.use(
    '/docs',
    ...mounted(docsRoutes({ openapi, clientId: config.cognito.clientId, persistAuthorization: config.docsPersistAuthorization })),
  );
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
