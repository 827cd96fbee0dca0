// /auth/*: login, OAuth 2.0 token endpoint, refresh, challenges, logout, logout-all and me.
import { timingSafeEqual } from 'node:crypto';
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import express, { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { GroupScopes } from '../../auth/group-scopes';
import { scopesOf } from '../../auth/principal';
import type { SessionService } from '../../auth/session-service';
import { CHALLENGE_NAMES, type ChallengeAnswer, type TokenSet } from '../../cognito/cognito-auth';
import type { CognitoConfig } from '../../config/config';
import {
  InvalidClientError,
  InvalidCredentialsError,
  InvalidGrantError,
  UnsupportedGrantTypeError,
} from '../../errors';
import { principalOf } from '../auth-middleware';
import type { Throttles } from '../throttles';
import { requireMediaType } from '../media-type';
import { sendLoginResult, sendTokens } from '../token-response';
import { parseInput } from '../validate';
import { mfaCode, password, session, username } from './fields';

/** The challenges answered here; MFA_SETUP goes through /auth/mfa/setup and /auth/mfa/verify. */
const CHALLENGES = CHALLENGE_NAMES.filter((name) => name !== 'MFA_SETUP');
const refreshToken = z.string({ message: 'required' }).min(1, 'required').max(8192);
const mfaMethod = z.enum(['SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'EMAIL_OTP'], {
  message: 'must be SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP',
});

const loginBody = z.object({ username, password });
const refreshBody = z.object({ refresh_token: refreshToken });
const logoutBody = z.object({ refresh_token: refreshToken.optional() });
const challengeBody = z.discriminatedUnion(
  'challenge',
  [
    z.object({ challenge: z.literal('NEW_PASSWORD_REQUIRED'), username, session, new_password: password }),
    z.object({ challenge: z.enum(['SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'EMAIL_OTP']), username, session, code: mfaCode }),
    z.object({ challenge: z.literal('SELECT_MFA_TYPE'), username, session, answer: mfaMethod }),
  ],
  { error: `must be one of ${CHALLENGES.join(', ')}; answer MFA_SETUP with POST /auth/mfa/setup and /auth/mfa/verify` },
);
const tokenForm = z.object({
  grant_type: z.string({ message: 'required' }).min(1, 'required'),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  scope: z.string().optional(),
});
const passwordGrant = z.object({ username, password });
const refreshGrant = z.object({ refresh_token: refreshToken });

/** What the auth routes need. */
export interface AuthRoutesDeps {
  /** Login, refresh, challenge and logout logic. */
  sessions: SessionService;
  /** Bearer verification for the protected routes. */
  auth: RequestHandler;
  /** Bearer verification for logout: admits an already logged-out session when a refresh token is sent. */
  logoutAuth: RequestHandler;
  /** The budgets of the routes that need no token. */
  throttles: Throttles;
  /** Refuses cross-site browser requests on the routes that need no token. */
  sameSite: RequestHandler;
  /** The app client, to check client credentials sent to the token endpoint. */
  cognito: CognitoConfig;
  /** Scopes each Cognito group grants, for the token endpoint's `scope` answer. */
  groupScopes: GroupScopes;
}

const jsonOnly = requireMediaType('application/json');
const formOnly = requireMediaType('application/x-www-form-urlencoded');

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Client credentials are optional; when sent (form or HTTP Basic), they must be this service's app client. */
function checkClient(req: Request, form: z.infer<typeof tokenForm>, cognito: CognitoConfig): void {
  let clientId = form.client_id;
  let clientSecret = form.client_secret;
  const authorization = req.get('authorization');
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new InvalidClientError('The Basic client credentials are malformed.');
    try {
      // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    } catch {
      throw new InvalidClientError('The Basic client credentials are malformed.');
    }
  }
  if (clientId && clientId !== cognito.clientId) throw new InvalidClientError('Unknown client.');
  if (clientSecret && !(cognito.clientSecret && safeEqual(clientSecret, cognito.clientSecret))) {
    throw new InvalidClientError('Invalid client credentials.');
  }
}

/**
 * The scopes of a token Cognito has just issued, as RFC 6749 §3.3 asks the token endpoint to say when they differ
 * from the requested ones. The token comes straight from Cognito: it is read here, not trusted as a credential.
 */
function grantedScope(accessToken: string, groupScopes: GroupScopes): string {
  return scopesOf(decomposeUnverifiedJwt(accessToken).payload, groupScopes).join(' ');
}

/** The service's answer from the route's snake_case body. */
function toChallengeAnswer(body: z.infer<typeof challengeBody>): ChallengeAnswer {
  const { username, session } = body;
  switch (body.challenge) {
    case 'NEW_PASSWORD_REQUIRED':
      return { challenge: body.challenge, username, session, newPassword: body.new_password };
    case 'SELECT_MFA_TYPE':
      return { challenge: body.challenge, username, session, answer: body.answer };
    default:
      return { challenge: body.challenge, username, session, code: body.code };
  }
}

/** Builds the /auth router. */
export function authRoutes(deps: AuthRoutesDeps): Router {
  const router = Router();
  const { auth, sameSite, throttles } = deps;
  const form = express.urlencoded({ extended: false, limit: '10kb', parameterLimit: 20 });

  router.post('/login', sameSite, jsonOnly, throttles.address, throttles.username, async (req, res) => {
    const body = parseInput(loginBody, req.body);
    sendLoginResult(res, await deps.sessions.login(body.username, body.password));
  });

  // Only the password grant is a login attempt; refreshes are not throttled by username.
  const limitPasswordGrant: RequestHandler = (req, res, next) =>
    req.body?.grant_type === 'password' ? throttles.username(req, res, next) : next();

  router.post('/token', sameSite, formOnly, form, throttles.address, limitPasswordGrant, async (req, res) => {
    const params = parseInput(tokenForm, req.body);
    checkClient(req, params, deps.cognito);
    // Scopes come from the user's groups, not from the request: a client that asked for some hears what it got.
    const send = (tokens: TokenSet) =>
      sendTokens(res, tokens, params.scope?.trim() ? grantedScope(tokens.accessToken, deps.groupScopes) : undefined);
    if (params.grant_type === 'refresh_token') {
      const grant = parseInput(refreshGrant, req.body);
      send(await deps.sessions.refresh(grant.refresh_token));
      return;
    }
    if (params.grant_type !== 'password') {
      throw new UnsupportedGrantTypeError('grant_type must be "password" or "refresh_token".');
    }
    const grant = parseInput(passwordGrant, req.body);
    const result = await deps.sessions.login(grant.username, grant.password).catch((err: unknown) => {
      // RFC 6749 §5.2: the token endpoint reports bad resource-owner credentials as invalid_grant.
      throw err instanceof InvalidCredentialsError ? new InvalidGrantError(err.message) : err;
    });
    if ('challenge' in result) {
      throw new InvalidGrantError(
        `This login must answer ${result.challenge.challenge} first: use POST /auth/login, then POST /auth/challenge.`,
      );
    }
    send(result.tokens);
  });

  router.post('/refresh', sameSite, jsonOnly, throttles.address, async (req, res) => {
    const body = parseInput(refreshBody, req.body);
    sendTokens(res, await deps.sessions.refresh(body.refresh_token));
  });

  // Throttled like a login: an MFA code is a credential too.
  router.post('/challenge', sameSite, jsonOnly, throttles.address, throttles.username, async (req, res) => {
    const body = parseInput(challengeBody, req.body);
    sendLoginResult(res, await deps.sessions.respondToChallenge(toChallengeAnswer(body)));
  });

  router.post('/logout', deps.logoutAuth, jsonOnly, async (req, res) => {
    const body = parseInput(logoutBody, req.body);
    await deps.sessions.logout(principalOf(res), body.refresh_token);
    res.status(204).end();
  });

  router.post('/logout-all', auth, async (_req, res) => {
    await deps.sessions.logoutAll(principalOf(res));
    res.status(204).end();
  });

  router.get('/me', auth, (_req, res) => {
    const p = principalOf(res);
    res.set('Cache-Control', 'no-store').json({
      sub: p.sub,
      username: p.username,
      client_id: p.clientId,
      scopes: p.scopes,
      groups: p.groups,
      token_use: p.tokenUse,
      session_id: p.sessionId,
      issued_at: p.issuedAt,
      expires_at: p.expiresAt,
      auth_time: p.authTime,
    });
  });

  return router;
}
