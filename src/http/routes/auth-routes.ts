// /auth/*: login, refresh, challenges, logout, logout-all and me (the JSON routes; the token endpoint has its own file).
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { CHALLENGE_NAMES, MFA_METHODS, type ChallengeAnswer } from '../../signin/model';
import type { SignInService } from '../../signin/sign-in-service';
import { principalOf } from '../auth-middleware';
import { requireMediaType } from '../media-type';
import type { Throttles } from '../throttles';
import { sendLoginResult, sendTokens } from '../token-response';
import { parseInput } from '../validate';
import { mfaCode, password, refreshToken, session, username } from './fields';

/** The challenges answered here; MFA_SETUP goes through /auth/mfa/setup and /auth/mfa/verify. */
const CHALLENGES = CHALLENGE_NAMES.filter((name) => name !== 'MFA_SETUP');
const mfaMethod = z.enum(MFA_METHODS, { message: `must be ${MFA_METHODS.join(', ').replace(/, (?=[^,]*$)/, ' or ')}` });

const loginBody = z.object({ username, password });
const refreshBody = z.object({ refresh_token: refreshToken });
const logoutBody = z.object({ refresh_token: refreshToken.optional() });
const challengeBody = z.discriminatedUnion(
  'challenge',
  [
    z.object({ challenge: z.literal('NEW_PASSWORD_REQUIRED'), username, session, new_password: password }),
    z.object({ challenge: z.enum(MFA_METHODS), username, session, code: mfaCode }),
    z.object({ challenge: z.literal('SELECT_MFA_TYPE'), username, session, answer: mfaMethod }),
  ],
  { error: `must be one of ${CHALLENGES.join(', ')}; answer MFA_SETUP with POST /auth/mfa/setup and /auth/mfa/verify` },
);

/** What the auth routes need. */
export interface AuthRoutesDeps {
  /** Login, refresh, challenge and logout. */
  signIn: SignInService;
  /** Bearer verification for the protected routes. */
  auth: RequestHandler;
  /** Bearer verification for logout: admits an already logged-out session when a refresh token is sent. */
  logoutAuth: RequestHandler;
  /** The budgets of the routes that need no token. */
  throttles: Throttles;
  /** Refuses cross-site browser requests on the routes that need no token. */
  sameSite: RequestHandler;
}

const jsonOnly = requireMediaType('application/json');

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

/** GET /auth/me, after requireAuth: who the token says the caller is (app.ts mounts it ahead of every router). */
export const me: RequestHandler = (_req, res) => {
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
};

/** Builds the /auth router of the JSON sign-in routes (/auth/me is `me`, mounted by app.ts). */
export function authRoutes(deps: AuthRoutesDeps): Router {
  const router = Router();
  const { auth, sameSite, throttles } = deps;

  router.post('/login', sameSite, jsonOnly, throttles.address, throttles.username, async (req, res) => {
    const body = parseInput(loginBody, req.body);
    sendLoginResult(res, await deps.signIn.login(body.username, body.password));
  });

  router.post('/refresh', sameSite, jsonOnly, throttles.address, async (req, res) => {
    const body = parseInput(refreshBody, req.body);
    sendTokens(res, await deps.signIn.refresh(body.refresh_token));
  });

  // Throttled like a login: an MFA code is a credential too.
  router.post('/challenge', sameSite, jsonOnly, throttles.address, throttles.username, async (req, res) => {
    const body = parseInput(challengeBody, req.body);
    sendLoginResult(res, await deps.signIn.respondToChallenge(toChallengeAnswer(body)));
  });

  router.post('/logout', deps.logoutAuth, jsonOnly, async (req, res) => {
    const body = parseInput(logoutBody, req.body);
    await deps.signIn.logout(principalOf(res), body.refresh_token);
    res.status(204).end();
  });

  router.post('/logout-all', auth, async (_req, res) => {
    await deps.signIn.logoutAll(principalOf(res));
    res.status(204).end();
  });

  return router;
}
