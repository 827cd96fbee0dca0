// Builds the Express app from its dependencies: no global state, nothing listens here.
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import { AccountService } from '../auth/account-service';
import { Authenticator } from '../auth/authenticator';
import { SessionService } from '../auth/session-service';
import type { AccessTokenVerifier } from '../auth/token-verifier';
import { BookStore } from '../books/book-store';
import type { CognitoAccounts } from '../cognito/cognito-accounts';
import type { CognitoAuth } from '../cognito/cognito-auth';
import type { Config } from '../config/config';
import type { SessionStore } from '../sessions/session-store';
import { requireAuth } from './auth-middleware';
import { errorHandler, notFound } from './error-handler';
import { createThrottles } from './throttles';
import { sameSiteOnly } from './same-site';
import { requestLogger } from './request-logger';
import { accountRoutes } from './routes/account-routes';
import { authRoutes } from './routes/auth-routes';
import { bookRoutes } from './routes/book-routes';
import { loadOpenApiDocument, withHostedUi, withIntro } from './openapi-document';
import { metaRoutes } from './routes/meta-routes';

/** Everything the app needs; main.ts builds the real ones, tests may swap one for a labelled fake. */
export interface AppDeps {
  /** Parsed configuration. */
  config: Config;
  /** Cognito's sign-in calls. */
  cognito: CognitoAuth;
  /** Cognito's account calls. */
  accounts: CognitoAccounts;
  /** Access token verification. */
  verifier: AccessTokenVerifier;
  /** Denylist and refresh token records. */
  sessions: SessionStore;
  /** Where the budget `name` keeps its counts; in-process when absent. */
  rateLimitStore?: (name: string) => Store;
  /** Logger. */
  logger: Logger;
  /** Options of the session service (clock, sleep) for tests. */
  clock?: { now?: () => number; sleep?: (ms: number) => Promise<void> };
  /** The OpenAPI document; read from openapi.yaml when absent. */
  openapi?: Record<string, unknown>;
}

/** Creates the app. */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  // API answers are per caller and never cached: an ETag would only cost a hash per response.
  app.set('etag', false);
  if (config.server.trustProxy !== undefined) app.set('trust proxy', config.server.trustProxy);

  app.use(requestLogger(deps.logger));
  // Swagger UI's code flow fetches tokens from the hosted-UI domain: the one origin added to connect-src.
  const hostedUi = config.cognito.domain ? [new URL(config.cognito.domain).origin] : [];
  // No upgrade-insecure-requests: it would turn a local stack's http hosted UI into https calls that fail.
  // COOP allows popups: the hosted-UI login popup must reach back to Swagger UI through window.opener.
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { connectSrc: ["'self'", ...hostedUi], upgradeInsecureRequests: null } },
      crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    }),
  );
  if (config.server.corsOrigins.length > 0) {
    app.use(cors({ origin: config.server.corsOrigins, credentials: true, maxAge: 600 }));
  }
  // The redirect page comes back from the hosted UI's origin; any COOP there would cut it off from its opener.
  app.use('/docs/oauth2-redirect.html', (_req, res, next) => {
    res.removeHeader('Cross-Origin-Opener-Policy');
    next();
  });
  app.use(express.json({ limit: '10kb' }));

  const authenticator = new Authenticator(deps.verifier, deps.sessions, config.groupScopes);
  const sessionService = new SessionService(deps.cognito, deps.sessions, deps.logger, {
    sessionTtlSeconds: config.sessionTtlSeconds,
    ...deps.clock,
  });
  const throttles = createThrottles({ ...config.loginRateLimit, store: deps.rateLimitStore });
  const sameSite = sameSiteOnly({ corsOrigins: config.server.corsOrigins, publicUrl: config.server.publicUrl });
  const auth = requireAuth(authenticator, { publicUrl: config.server.publicUrl });
  // A logout that sends a refresh token completes even when its session is already logged out: a first try whose
  // revocation failed (503) is repeated with the same tokens, and only then does Cognito revoke the refresh token.
  const logoutAuth = requireAuth(authenticator, {
    publicUrl: config.server.publicUrl,
    admitLoggedOut: (req) => typeof req.body?.refresh_token === 'string',
  });
  const scopes = [...new Set(['books/read', 'books/write', ...[...config.groupScopes.values()].flat()])];

  app.use(
    metaRoutes({
      sessions: deps.sessions,
      verifier: deps.verifier,
      issuer: config.cognito.issuer,
      scopes,
      publicUrl: config.server.publicUrl,
      openapi: withIntro(withHostedUi(deps.openapi ?? loadOpenApiDocument(), config.cognito.domain), config.docsIntro),
      docs: { clientId: config.cognito.clientId, persistAuthorization: config.docsPersistAuthorization },
    }),
  );
  const accountService = new AccountService(deps.accounts, sessionService, deps.logger);
  const guards = { auth, throttles, sameSite };
  app.use(
    '/auth',
    authRoutes({ sessions: sessionService, cognito: config.cognito, groupScopes: config.groupScopes, logoutAuth, ...guards }),
  );
  app.use('/auth', accountRoutes({ accounts: accountService, ...guards }));
  app.use('/books', bookRoutes(new BookStore(), auth));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
