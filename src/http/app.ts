// Builds the Express app over ready services: no global state, nothing constructed or listening here.
import cors from 'cors';
import express, { type Express } from 'express';
import type { Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Authenticator } from '../bearer/authenticator';
import type { BookStore } from '../books/book-store';
import type { Config } from '../config/config';
import type { Metrics } from '../metrics/metrics';
import type { AccountService } from '../signin/account-service';
import type { AdminService } from '../signin/admin-service';
import type { TokenRevocation } from '../signin/token-revocation';
import type { SignInService } from '../signin/sign-in-service';
import type { Readiness } from '../start-up';
import { createBudgets, FailureBudget } from './budgets';
import { errorHandler, notFound } from './error-handler';
import { Guards } from './guards';
import { loadOpenApiDocument, withHostedUi, withIntro } from './openapi-document';
import { requestLogger } from './request-logger';
import { mountRoutes, routeTable } from './routes';
import { securityHeaders } from './security-headers';

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
  /** What administrators do to other users' sessions. */
  admin: AdminService;
  /** RFC 7009 revocation and RFC 7662 introspection. */
  revocation: TokenRevocation;
  /** The example resource's storage. */
  books: BookStore;
  /** What /readyz reports. */
  readiness: Readiness;
  /** Where the budget `name` keeps its counts; in-process when absent. */
  budgetStore?: (name: string) => Store;
  /** The OpenAPI document; read from openapi.yaml when absent. */
  openapi?: Record<string, unknown>;
  /** Counts and times requests, token checks and refusals (`noMetrics`: off). */
  metrics: Metrics;
}

/** Creates the app: the request log, the headers every response carries, the route table, the error handler. */
export function createApp(deps: AppDeps): Express {
  const { config, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  // API answers are per caller and never cached: an ETag would only cost a hash per response.
  app.set('etag', false);
  if (config.server.trustProxy !== undefined) app.set('trust proxy', config.server.trustProxy);
  // Queries are read by queryOf (query.ts), as the forward-auth port reads them; req.query would be a second reading.
  app.set('query parser', false);

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

  const guards = new Guards({
    authenticator: deps.authenticator,
    budgets: createBudgets({ ...config.loginRateLimit, store: deps.budgetStore, metrics }),
    metrics,
    corsOrigins: config.server.corsOrigins,
    publicUrl: config.server.publicUrl,
  });
  const openapi = withIntro(withHostedUi(deps.openapi ?? loadOpenApiDocument(), config.cognito.domain), config.docsIntro);
  const routes = routeTable({
    signIn: deps.signIn,
    accounts: deps.accounts,
    admin: deps.admin,
    revocation: deps.revocation,
    authenticator: deps.authenticator,
    introspection: {
      ...config.introspection,
      // Gateways authenticate on every call: only wrong secrets count, LOGIN_IP_RATE_LIMIT per client id per window.
      failures: new FailureBudget({
        name: 'introspection-caller',
        limit: config.loginRateLimit.addressLimit,
        windowSeconds: config.loginRateLimit.windowSeconds,
        message: 'Too many failed authentications as this client; try again later.',
        metrics,
      }, new Set(config.introspection.clients.keys())),
    },
    books: deps.books,
    readiness: deps.readiness,
    metrics,
    guards,
    cognito: config.cognito,
    groupScopes: config.groupScopes,
    publicUrl: config.server.publicUrl,
    openapi,
    docsPersistAuthorization: config.docsPersistAuthorization,
  });
  mountRoutes(app, routes, guards);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
