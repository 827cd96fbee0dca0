// Every route of the API in one table: method, path, who may call, scopes, body, budgets, handler.
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { AccountService } from '../signin/account-service';
import type { AdminService } from '../signin/admin-service';
import type { TokenRevocation } from '../signin/token-revocation';
import type { Authenticator } from '../bearer/authenticator';
import type { BookStore } from '../books/book-store';
import type { CognitoConfig } from '../config/config';
import type { GroupScopes } from '../config/group-scopes';
import type { Metrics } from '../metrics/metrics';
import { SCOPES } from '../pool/pool-definition';
import type { SignInService } from '../signin/sign-in-service';
import type { Readiness } from '../start-up';
import type { FailureBudget } from './budgets';
import { speakOAuth } from './error-handler';
import { formBody } from './form-body';
import type { GuardSpec, Guards } from './guards';
import { accountHandlers } from './handlers/accounts';
import { adminHandlers } from './handlers/admin';
import { bookHandlers } from './handlers/books';
import { FORWARD_AUTH_PATHS, forwardAuth } from './handlers/forward-auth';
import { docsRoutes, healthz, metaHandlers } from './handlers/meta';
import { oauthHandlers } from './handlers/oauth';
import { admitRepeat, me, signInHandlers } from './handlers/sign-in';
import { isPasswordGrant, tokenEndpoint } from './handlers/token-endpoint';
import { MEDIA_TYPES, requireMediaType } from './media-type';

/** One route: where it is, what guards it (GuardSpec: access, scopes, budgets), what body it takes, what answers. */
export interface Route extends GuardSpec {
  /** `use` mounts a whole router under `path` (Swagger UI's files). */
  method: 'get' | 'post' | 'delete' | 'all' | 'use';
  path: string | string[];
  /** The body the route reads: parsed first, and any other media type refused with 415. */
  body?: 'json' | 'form';
  /** The route answers errors as an OAuth 2.0 endpoint does (RFC 6749 §5.2). */
  oauthErrors?: boolean;
  handler: RequestHandler | (RequestHandler | ErrorRequestHandler)[];
}

/** What the handlers are built over. */
export interface RouteDeps {
  signIn: SignInService;
  accounts: AccountService;
  admin: AdminService;
  revocation: TokenRevocation;
  authenticator: Authenticator;
  /** Who may call /auth/introspect, and the budget their failed authentications spend. */
  introspection: { clients: Map<string, string>; scope: string; failures: FailureBudget };
  books: BookStore;
  readiness: Readiness;
  metrics: Metrics;
  guards: Guards;
  /** The app client, whose credentials the token endpoint checks. */
  cognito: CognitoConfig;
  groupScopes: GroupScopes;
  publicUrl?: string;
  /** The OpenAPI document as served. */
  openapi: Record<string, unknown>;
  /** Keep Swagger UI's authorization across page reloads. */
  docsPersistAuthorization: boolean;
}

/** Every scope the API knows: its routes' and those GROUP_SCOPES grants. */
export function scopesSupported(groupScopes: GroupScopes): string[] {
  return [...new Set([...Object.values(SCOPES), ...[...groupScopes.values()].flat()])];
}

/**
 * The table. Express tries routes in this order, and the first four answer most requests (health probes, apps,
 * proxies, gateways): they come first, so no request to them is matched against the rest.
 */
export function routeTable(deps: RouteDeps): Route[] {
  const signIn = signInHandlers(deps.signIn);
  const accounts = accountHandlers(deps.accounts);
  const books = bookHandlers(deps.books);
  const admin = adminHandlers(deps.admin);
  const meta = metaHandlers({
    readiness: deps.readiness,
    issuer: deps.cognito.issuer,
    scopes: scopesSupported(deps.groupScopes),
    publicUrl: deps.publicUrl,
    openapi: deps.openapi,
  });
  const oauth = oauthHandlers({
    revocation: deps.revocation,
    authenticator: deps.authenticator,
    cognito: deps.cognito,
    introspection: deps.introspection,
    issuer: deps.cognito.issuer,
    scopes: scopesSupported(deps.groupScopes),
    publicUrl: deps.publicUrl,
  });
  const docs = docsRoutes({ openapi: deps.openapi, clientId: deps.cognito.clientId, persistAuthorization: deps.docsPersistAuthorization });
  const token = tokenEndpoint({ signIn: deps.signIn, client: deps.cognito, groupScopes: deps.groupScopes });
  const verify = forwardAuth({ requireScopes: deps.guards.scopes, metrics: deps.metrics });
  // An MFA code is a credential too: challenges count like logins.
  const login = ['address', 'username'] as const;

  return [
    { method: 'get', path: '/healthz', access: 'open', handler: healthz },
    { method: 'get', path: '/auth/me', access: 'bearer', handler: me },
    { method: 'all', path: FORWARD_AUTH_PATHS, access: 'bearer', handler: verify },
    // The caller authenticates in the handler (HTTP Basic or a Bearer token with the scope): gateways ask per request,
    // as proxies ask /auth/verify.
    { method: 'post', path: '/auth/introspect', access: 'open', body: 'form', oauthErrors: true, handler: oauth.introspect },

    { method: 'post', path: '/auth/login', access: 'no-token', body: 'json', budgets: login, handler: signIn.login },
    { method: 'post', path: '/auth/token', access: 'no-token', body: 'form', oauthErrors: true, budgets: ['address', 'username-if'], countsAsLogin: isPasswordGrant, handler: token },
    { method: 'post', path: '/auth/refresh', access: 'no-token', body: 'json', budgets: ['address'], handler: signIn.refresh },
    { method: 'post', path: '/auth/challenge', access: 'no-token', body: 'json', budgets: login, handler: signIn.challenge },
    { method: 'post', path: '/auth/logout', access: 'bearer-admitting-logged-out', admitLoggedOut: admitRepeat, body: 'json', handler: signIn.logout },
    { method: 'post', path: '/auth/logout-all', access: 'bearer-admitting-logged-out', admitLoggedOut: admitRepeat, handler: signIn.logoutAll },
    { method: 'post', path: '/auth/revoke', access: 'no-token', body: 'form', oauthErrors: true, budgets: ['address'], handler: oauth.revoke },

    { method: 'post', path: '/auth/signup', access: 'no-token', body: 'json', budgets: login, handler: accounts.signUp },
    { method: 'post', path: '/auth/confirm', access: 'no-token', body: 'json', budgets: login, handler: accounts.confirm },
    { method: 'post', path: '/auth/resend-code', access: 'no-token', body: 'json', budgets: login, handler: accounts.resendCode },
    { method: 'post', path: '/auth/forgot-password', access: 'no-token', body: 'json', budgets: login, handler: accounts.forgotPassword },
    { method: 'post', path: '/auth/reset-password', access: 'no-token', body: 'json', budgets: login, handler: accounts.resetPassword },
    { method: 'post', path: '/auth/change-password', access: 'bearer', body: 'json', budgets: ['user'], handler: accounts.changePassword },
    { method: 'post', path: '/auth/mfa/setup', access: 'bearer-if-sent', body: 'json', budgets: ['address'], handler: accounts.mfaSetup },
    { method: 'post', path: '/auth/mfa/verify', access: 'bearer-if-sent', body: 'json', budgets: [...login, 'user'], handler: accounts.mfaVerify },

    { method: 'post', path: '/admin/users/:username/logout-all', access: 'bearer', scopes: [SCOPES.adminUsers], budgets: ['user'], handler: admin.logoutAll },
    { method: 'post', path: '/admin/users/:username/disable', access: 'bearer', scopes: [SCOPES.adminUsers], budgets: ['user'], handler: admin.disable },

    { method: 'get', path: '/books', access: 'bearer', scopes: [SCOPES.booksRead], handler: books.list },
    { method: 'post', path: '/books', access: 'bearer', scopes: [SCOPES.booksWrite], body: 'json', handler: books.add },
    { method: 'delete', path: '/books/:id', access: 'bearer', scopes: [SCOPES.booksWrite], handler: books.remove },

    { method: 'get', path: '/readyz', access: 'open', handler: meta.readyz },
    { method: 'get', path: '/.well-known/oauth-protected-resource', access: 'open', handler: meta.protectedResource },
    { method: 'get', path: '/.well-known/oauth-authorization-server', access: 'open', handler: oauth.authorizationServer },
    { method: 'get', path: '/openapi.json', access: 'open', handler: meta.openapi },
    { method: 'use', path: '/docs', access: 'open', handler: docs },
  ];
}

/**
 * Mounts `routes` on `app`, in order. Each route's chain: the OAuth error style where it speaks OAuth, its body
 * parser (before the guards: a logout reads its body to know whether a logged-out session may go on, and a malformed
 * body is a 400 before anything else), its guards with its media type check before the budgets, its handler.
 */
export function mountRoutes(app: Express, routes: Route[], guards: Guards): void {
  const parsers = {
    json: express.json({ limit: '10kb' }),
    form: formBody({ limitBytes: 10 * 1024, maxParameters: 20 }),
  };
  const mediaTypes = { json: requireMediaType(MEDIA_TYPES.json), form: requireMediaType(MEDIA_TYPES.form) };
  for (const route of routes) {
    const chain = [
      ...(route.oauthErrors ? [speakOAuth] : []),
      ...(route.body ? [parsers[route.body]] : []),
      ...guards.of(route, route.body ? [mediaTypes[route.body]] : []),
      ...(Array.isArray(route.handler) ? route.handler : [route.handler]),
    ];
    app[route.method](route.path, ...chain);
  }
}
