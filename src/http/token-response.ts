// Writes the contract's token and challenge responses: snake_case fields, never cached.
import type { Response } from 'express';
import type { LoginResult, TokenSet } from '../signin/model';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/**
 * Sends `tokens` as `{access_token, id_token, refresh_token?, token_type, expires_in, scope?}` with
 * `Cache-Control: no-store`; `scope` (space-separated) only where the token endpoint must name the granted scopes.
 */
export function sendTokens(res: Response, tokens: TokenSet, scope?: string): void {
  res.set(NO_STORE).json({
    access_token: tokens.accessToken,
    id_token: tokens.idToken,
    ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    ...(scope !== undefined ? { scope } : {}),
  });
}

/**
 * Sends tokens, or a challenge as `{challenge, session, username, code_delivery?, mfa_options?, available?}` (HTTP 200: the
 * login worked so far, it is not finished).
 */
export function sendLoginResult(res: Response, result: LoginResult): void {
  if ('tokens' in result) return sendTokens(res, result.tokens);
  const { challenge, session, username, codeDelivery, mfaOptions, available } = result.challenge;
  res.set(NO_STORE).json({
    challenge,
    session,
    username,
    ...(codeDelivery ? { code_delivery: codeDelivery } : {}),
    ...(mfaOptions ? { mfa_options: mfaOptions } : {}),
    ...(available ? { available } : {}),
  });
}
