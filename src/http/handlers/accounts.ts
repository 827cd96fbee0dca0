// What the /auth account routes do: sign-up, confirmation, password reset and change, authenticator-app MFA.
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { AccountService, TotpSetup } from '../../signin/account-service';
import type { Principal } from '../../bearer/principal';
import { principalOf } from '../auth-middleware';
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
const unlessSignedIn = 'required unless an access token is sent';
const setupChallengeBody = z.object({
  username,
  session: z.string({ message: unlessSignedIn }).min(1, unlessSignedIn).max(4096),
});
const verifyBody = z.object({ code: totpCode, device_name: deviceName });
const verifyChallengeBody = setupChallengeBody.extend({ code: totpCode, device_name: deviceName });

/** The body of the answers that must not tell whether the account exists. */
const CODE_SENT_IF_ACCOUNT_EXISTS = {
  message: 'If an account with this username can receive it, a code is on its way.',
};

/** The caller, on the routes that serve both signed-in callers and logins in MFA_SETUP. */
const signedIn = (res: Response): Principal | undefined => res.locals.principal as Principal | undefined;

/** The handlers of the account routes, over `accounts`; their guards are in the route table (src/http/routes.ts). */
export function accountHandlers(accounts: AccountService) {
  return {
    signUp: (async (req, res) => {
      const body = parseInput(signUpBody, req.body);
      const result = await accounts.signUp(body);
      res.status(201).set('Cache-Control', 'no-store').json({
        user_sub: result.userSub,
        user_confirmed: result.userConfirmed,
        code_delivery: result.codeDelivery ?? null,
      });
    }) satisfies RequestHandler,

    confirm: (async (req, res) => {
      const body = parseInput(confirmBody, req.body);
      await accounts.confirmSignUp(body.username, body.code);
      res.status(204).end();
    }) satisfies RequestHandler,

    resendCode: (async (req, res) => {
      const body = parseInput(usernameBody, req.body);
      await accounts.resendConfirmationCode(body.username);
      res.status(202).json(CODE_SENT_IF_ACCOUNT_EXISTS);
    }) satisfies RequestHandler,

    forgotPassword: (async (req, res) => {
      const body = parseInput(usernameBody, req.body);
      await accounts.forgotPassword(body.username);
      res.status(202).json(CODE_SENT_IF_ACCOUNT_EXISTS);
    }) satisfies RequestHandler,

    resetPassword: (async (req, res) => {
      const body = parseInput(resetBody, req.body);
      await accounts.resetPassword(body.username, body.code, body.new_password);
      res.status(204).end();
    }) satisfies RequestHandler,

    changePassword: (async (req, res) => {
      const body = parseInput(changePasswordBody, req.body);
      await accounts.changePassword(principalOf(res), body.old_password, body.new_password);
      res.status(204).end();
    }) satisfies RequestHandler,

    /** A signed-in caller sets up its own authenticator app; a login in MFA_SETUP does so with its session. */
    mfaSetup: (async (req, res) => {
      const principal = signedIn(res);
      let setup: TotpSetup;
      if (principal) {
        setup = await accounts.setUpTotp({ accessToken: principal.accessToken }, principal.username ?? principal.sub);
      } else {
        const body = parseInput(setupChallengeBody, req.body);
        setup = await accounts.setUpTotp({ session: body.session }, body.username);
      }
      res.set('Cache-Control', 'no-store').json({
        secret_code: setup.secretCode,
        otpauth_uri: setup.otpauthUri,
        ...(setup.session ? { session: setup.session } : {}),
      });
    }) satisfies RequestHandler,

    /** A signed-in caller confirms its app; a login in MFA_SETUP confirms it and gets its tokens. */
    mfaVerify: (async (req, res) => {
      const principal = signedIn(res);
      if (principal) {
        const body = parseInput(verifyBody, req.body);
        await accounts.verifyTotp(principal, body.code, body.device_name);
        res.status(204).end();
        return;
      }
      const body = parseInput(verifyChallengeBody, req.body);
      sendLoginResult(res, await accounts.verifyTotpSetupChallenge(body.username, body.session, body.code, body.device_name));
    }) satisfies RequestHandler,
  };
}
