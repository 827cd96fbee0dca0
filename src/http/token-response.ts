// Writes the contract's token response: snake_case OAuth 2.0 fields, never cached.
import type { Response } from 'express';
import type { TokenSet } from '../cognito/cognito-auth';

/** Sends `tokens` as `{access_token, id_token, refresh_token?, token_type, expires_in}` with `Cache-Control: no-store`. */
export function sendTokens(res: Response, tokens: TokenSet): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json({
    access_token: tokens.accessToken,
    id_token: tokens.idToken,
    ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
  });
}
