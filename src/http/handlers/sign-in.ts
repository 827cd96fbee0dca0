// What /auth/login, /refresh, /challenge, /logout, /logout-all and /me do (the token endpoint has its own file).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { CHALLENGE_NAMES, MFA_METHODS, SIGN_IN_CODES, type ChallengeAnswer } from '../../signin/model';
import type { SignInService } from '../../signin/sign-in-service';
import { principalOf, refusalOf } from '../auth-middleware';
import { sendLoginResult, sendTokens } from '../token-response';
import { parseInput } from '../validate';
import { mfaCode, password, refreshToken, session, username } from './fields';

/** The challenges answered here; MFA_SETUP goes through /auth/mfa/setup and /auth/mfa/verify. */
const CHALLENGES = CHALLENGE_NAMES.filter((name) => name !== 'MFA_SETUP');
const mfaMethod = z.enum(MFA_METHODS, { message: `must be ${MFA_METHODS.join(', ').replace(/, (?=[^,]*$)/, ' or ')}` });

// Without a password: a passwordless sign-in (a one-time code), on an app client with choice-based sign-in.
const loginBody = z.object({ username, password: password.optional() });
const signInCode = z.enum(SIGN_IN_CODES, { message: `must be ${SIGN_IN_CODES.join(' or ')}` });
const refreshBody = z.object({ refresh_token: refreshToken });
const logoutBody = z.object({ refresh_token: refreshToken.optional() });
const challengeBody = z.discriminatedUnion(
  'challenge',
  [
    z.object({ challenge: z.literal('NEW_PASSWORD_REQUIRED'), username, session, new_password: password }),
    z.object({ challenge: z.enum([...MFA_METHODS, 'SMS_OTP']), username, session, code: mfaCode }),
    z.object({ challenge: z.literal('SELECT_MFA_TYPE'), username, session, answer: mfaMethod }),
    z.object({
      challenge: z.literal('SELECT_CHALLENGE'),
      username,
      session,
      answer: z.string({ message: 'required' }).refine((answer) => answer !== 'WEB_AUTHN', 'passkeys (WEB_AUTHN) are not supported by this service; choose EMAIL_OTP or SMS_OTP').pipe(signInCode),
    }),
  ],
  { error: `must be one of ${CHALLENGES.join(', ')}; answer MFA_SETUP with POST /auth/mfa/setup and /auth/mfa/verify` },
);

/** The service's answer from the route's snake_case body. */
function toChallengeAnswer(body: z.infer<typeof challengeBody>): ChallengeAnswer {
  const { username, session } = body;
  switch (body.challenge) {
    case 'NEW_PASSWORD_REQUIRED':
      return { challenge: body.challenge, username, session, newPassword: body.new_password };
    case 'SELECT_MFA_TYPE':
      return { challenge: body.challenge, username, session, answer: body.answer };
    case 'SELECT_CHALLENGE':
      return { challenge: body.challenge, username, session, answer: body.answer };
    default:
      return { challenge: body.challenge, username, session, code: body.code };
  }
}

/** GET /auth/me: who the token says the caller is. */
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

/** The handlers of the sign-in routes, over `signIn`; their guards are in the route table (src/http/routes.ts). */
export function signInHandlers(signIn: SignInService) {
  return {
    login: (async (req, res) => {
      const body = parseInput(loginBody, req.body);
      sendLoginResult(res, await signIn.login(body.username, body.password));
    }) satisfies RequestHandler,

    refresh: (async (req, res) => {
      const body = parseInput(refreshBody, req.body);
      sendTokens(res, await signIn.refresh(body.refresh_token));
    }) satisfies RequestHandler,

    challenge: (async (req, res) => {
      const body = parseInput(challengeBody, req.body);
      sendLoginResult(res, await signIn.respondToChallenge(toChallengeAnswer(body)));
    }) satisfies RequestHandler,

    logout: (async (req, res) => {
      const body = parseInput(logoutBody, req.body);
      await signIn.logout(principalOf(res), body.refresh_token);
      res.status(204).end();
    }) satisfies RequestHandler,

    logoutAll: (async (_req, res) => {
      await signIn.logoutAll(principalOf(res), refusalOf(res));
      res.status(204).end();
    }) satisfies RequestHandler,
  };
}

/**
 * A logout or logout-all goes on for a session already refused: a first try answered 503 (Cognito could not revoke
 * the refresh token, or the replicas did not acknowledge in time) has already written its entry, and the client
 * repeats it with the same token. The repeat writes the same again, so it is idempotent, and answers 204.
 */
export const admitRepeat = (): boolean => true;
