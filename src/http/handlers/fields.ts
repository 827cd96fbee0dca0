// The request fields the /auth routes share, validated the same way everywhere.
import { z } from 'zod';

/** A username as Cognito takes it. */
export const username = z.string({ message: 'required' }).min(1, 'required').max(128, 'at most 128 characters');
/** A password; its policy is Cognito's to check. */
export const password = z.string({ message: 'required' }).min(1, 'required').max(256, 'at most 256 characters');
/** Cognito's opaque challenge session. */
export const session = z.string({ message: 'required' }).min(1, 'required').max(4096, 'at most 4096 characters');
/** A code from an authenticator app, a text message or an email at sign-in. */
export const mfaCode = z.string({ message: 'required' }).regex(/^\d{6,8}$/, 'must be the 6 to 8 digit code');
/** A confirmation or password reset code from a message. */
export const messageCode = z.string({ message: 'required' }).regex(/^\S{1,64}$/, 'must be the code from the message');
/** A refresh token Cognito issued. */
export const refreshToken = z.string({ message: 'required' }).min(1, 'required').max(8192, 'at most 8192 characters');
