// /auth/* account routes: sign-up, confirmation, password reset and change, authenticator-app MFA.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AccountService, TotpSetup } from '../../signin/account-service';
import type { Principal } from '../../bearer/principal';
import { principalOf } from '../auth-middleware';
import type { Throttles } from '../throttles';
import { requireMediaType } from '../media-type';
import { sendLoginResult } from '../token-response';
import { parseInput } from '../validate';
import { messageCode, password, username } from './fields';

const attributeName = /^(custom:)?[\w.:-]{1,32}$/;
const signUpBody = z.object({
  username: username.regex(/^\S+$/, 'must not contain spaces'),
  password,
  email: z.email({ message: 'must be an email address' }).max(254),
  attributes: z
    .record(z.string().regex(attributeName, 'unknown attribute name'), z.string().max(2048))
    .refine((attributes) => Object.keys(attributes).length <= 25, 'at most 25 attributes')
    .refine((attributes) => !('sub' in attributes), 'sub is set by Cognito')
    .optional(),
});
const confirmBody = z.object({ username, code: messageCode });
const usernameBody = z.object({ username });
const resetBody = z.object({ username, code: messageCode, new_password: password });
const changePasswordBody = z.object({ old_password: password, new_password: password });
const deviceName = z.string().min(1).max(64).optional();
const totpCode = z.string({ message: 'required' }).regex(/^\d{6}$/, 'must be the 6-digit code from the app');
const withoutToken = 'required unless an access token is sent';
const setupChallengeBody = z.object({
  username,
  session: z.string({ message: withoutToken }).min(1, withoutToken).max(4096),
});
const verifyBody = z.object({ code: totpCode, device_name: deviceName });
const verifyChallengeBody = setupChallengeBody.extend({ code: totpCode, device_name: deviceName });

/** The body of the answers that must not tell whether the account exists. */
const CODE_SENT_IF_ACCOUNT_EXISTS = {
  message: 'If an account with this username can receive it, a code is on its way.',
};

/** What the account routes need. */
export interface AccountRoutesDeps {
  /** Account lifecycle logic. */
  accounts: AccountService;
  /** Bearer verification for change-password. */
  auth: RequestHandler;
  /** Bearer verification when a token is sent: MFA setup serves signed-in users and logins in MFA_SETUP. */
  authIfSent: RequestHandler;
  /** The budgets: per client IP, per (client IP, username) shared with login, and per user. */
  throttles: Throttles;
  /** Refuses cross-site browser requests on the routes that need no token. */
  sameSite: RequestHandler;
}

const jsonOnly = requireMediaType('application/json');

/** Builds the account routes, mounted under /auth. */
export function accountRoutes(deps: AccountRoutesDeps): Router {
  const router = Router();
  const { auth, authIfSent, sameSite, throttles } = deps;
  // Every route that calls Cognito without a token: same-site browsers only, then the address and username budgets.
  const withoutToken = [sameSite, jsonOnly, throttles.address, throttles.username];
  const signedIn = (locals: Record<string, unknown>): Principal | undefined => locals.principal as Principal | undefined;
  /** Runs `guards` only for a caller that sent no token (the MFA_SETUP challenge). */
  const whenSignedOut = (...guards: RequestHandler[]): RequestHandler => {
    const chain = Router().use(...guards);
    return (req, res, next) => (signedIn(res.locals) ? next() : chain(req, res, next));
  };
  /** Runs `guard` only for a signed-in caller. */
  const whenSignedIn =
    (guard: RequestHandler): RequestHandler =>
    (req, res, next) =>
      signedIn(res.locals) ? guard(req, res, next) : next();

  router.post('/signup', ...withoutToken, async (req, res) => {
    const body = parseInput(signUpBody, req.body);
    const result = await deps.accounts.signUp(body);
    res.status(201).set('Cache-Control', 'no-store').json({
      user_sub: result.userSub,
      user_confirmed: result.userConfirmed,
      code_delivery: result.codeDelivery ?? null,
    });
  });

  router.post('/confirm', ...withoutToken, async (req, res) => {
    const body = parseInput(confirmBody, req.body);
    await deps.accounts.confirmSignUp(body.username, body.code);
    res.status(204).end();
  });

  router.post('/resend-code', ...withoutToken, async (req, res) => {
    const body = parseInput(usernameBody, req.body);
    await deps.accounts.resendConfirmationCode(body.username);
    res.status(202).json(CODE_SENT_IF_ACCOUNT_EXISTS);
  });

  router.post('/forgot-password', ...withoutToken, async (req, res) => {
    const body = parseInput(usernameBody, req.body);
    await deps.accounts.forgotPassword(body.username);
    res.status(202).json(CODE_SENT_IF_ACCOUNT_EXISTS);
  });

  router.post('/reset-password', ...withoutToken, async (req, res) => {
    const body = parseInput(resetBody, req.body);
    await deps.accounts.resetPassword(body.username, body.code, body.new_password);
    res.status(204).end();
  });

  router.post('/change-password', auth, jsonOnly, throttles.user, async (req, res) => {
    const body = parseInput(changePasswordBody, req.body);
    await deps.accounts.changePassword(principalOf(res), body.old_password, body.new_password);
    res.status(204).end();
  });

  router.post('/mfa/setup', authIfSent, jsonOnly, whenSignedOut(sameSite, throttles.address), async (req, res) => {
    const principal = signedIn(res.locals);
    let setup: TotpSetup;
    if (principal) {
      setup = await deps.accounts.setUpTotp({ accessToken: principal.accessToken }, principal.username ?? principal.sub);
    } else {
      const body = parseInput(setupChallengeBody, req.body);
      setup = await deps.accounts.setUpTotp({ session: body.session }, body.username);
    }
    res.set('Cache-Control', 'no-store').json({
      secret_code: setup.secretCode,
      otpauth_uri: setup.otpauthUri,
      ...(setup.session ? { session: setup.session } : {}),
    });
  });

  router.post(
    '/mfa/verify',
    authIfSent,
    jsonOnly,
    whenSignedOut(sameSite, throttles.address, throttles.username),
    whenSignedIn(throttles.user),
    async (req, res) => {
      const principal = signedIn(res.locals);
      if (principal) {
        const body = parseInput(verifyBody, req.body);
        await deps.accounts.verifyTotp(principal, body.code, body.device_name);
        res.status(204).end();
        return;
      }
      const body = parseInput(verifyChallengeBody, req.body);
      sendLoginResult(
        res,
        await deps.accounts.verifyTotpSetupChallenge(body.username, body.session, body.code, body.device_name),
      );
    },
  );

  return router;
}
