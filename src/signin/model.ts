// The sign-in model: tokens, challenges and accounts, and the Cognito calls the use cases need (cognito/ implements them).

/** Tokens Cognito issued. */
export interface TokenSet {
  /** The access token (JWT). */
  accessToken: string;
  /** The ID token (JWT). */
  idToken?: string;
  /** The refresh token; absent from a refresh. */
  refreshToken?: string;
  /** Lifetime of the access token in seconds. */
  expiresIn: number;
  /**
   * A refresh only, where the endpoint's access tokens don't say it: when the refresh token's session began, epoch
   * seconds. cognito-local resets `auth_time` on refresh; its refresh tokens carry the login's time.
   */
  sessionAuthTime?: number;
}

/** The MFA methods a user can pick or set up. */
export const MFA_METHODS = ['SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'EMAIL_OTP'] as const;
/** An MFA method. */
export type MfaMethod = (typeof MFA_METHODS)[number];

/** The one-time codes of a passwordless sign-in (USER_AUTH) a caller may choose at SELECT_CHALLENGE. */
export const SIGN_IN_CODES = ['EMAIL_OTP', 'SMS_OTP'] as const;
/** A passwordless sign-in's code. */
export type SignInCode = (typeof SIGN_IN_CODES)[number];

/** The challenges this service answers. */
export const CHALLENGE_NAMES = ['NEW_PASSWORD_REQUIRED', ...MFA_METHODS, 'SMS_OTP', 'SELECT_MFA_TYPE', 'SELECT_CHALLENGE', 'MFA_SETUP'] as const;
/** A challenge this service answers. */
export type ChallengeName = (typeof CHALLENGE_NAMES)[number];

/** Where Cognito sent a code. */
export interface CodeDelivery {
  /** `EMAIL` or `SMS`. */
  medium: string;
  /** The address or number, as Cognito shows it (masked by Amazon Cognito). */
  destination: string;
  /** The attribute it went to, e.g. `email`; absent for MFA codes. */
  attribute?: string;
}

/** A challenge Cognito asks the user to answer before it issues tokens. */
export interface Challenge {
  /** Challenge name. */
  challenge: ChallengeName;
  /** Cognito's opaque session for the answer. */
  session: string;
  /** The username to answer with (Cognito's internal one). */
  username: string;
  /** SMS_MFA and EMAIL_OTP: where the code went. */
  codeDelivery?: CodeDelivery;
  /** SELECT_MFA_TYPE: the methods to choose from; MFA_SETUP: the methods that can be set up. */
  mfaOptions?: string[];
  /** SELECT_CHALLENGE: the one-time codes (or passkey) the user may sign in with. */
  available?: string[];
}

/** What a password login or a challenge answer gives: tokens, or a (further) challenge to answer first. */
export type LoginResult = { tokens: TokenSet } | { challenge: Challenge };

/** An answer to a challenge; MFA_SETUP is answered once the authenticator app is verified with that session. */
export type ChallengeAnswer = { username: string; session: string } & (
  | { challenge: 'NEW_PASSWORD_REQUIRED'; newPassword: string }
  | { challenge: MfaMethod | 'SMS_OTP'; code: string }
  | { challenge: 'SELECT_MFA_TYPE'; answer: MfaMethod }
  | { challenge: 'SELECT_CHALLENGE'; answer: SignInCode }
  | { challenge: 'MFA_SETUP' }
);

/** A new account. */
export interface SignUpInput {
  /** Username. */
  username: string;
  /** Password; Cognito checks it against the pool's policy. */
  password: string;
  /** Email address, where the confirmation code goes. */
  email: string;
  /** Further attributes, e.g. `{ "name": "Ada" }` or `{ "custom:team": "blue" }`. */
  attributes?: Record<string, string>;
}

/** What Cognito answers a sign-up with. */
export interface SignUpResult {
  /** The new user's `sub`. */
  userSub: string;
  /** True when the pool confirmed the account at once (e.g. a PreSignUp trigger). */
  userConfirmed: boolean;
  /** Where the confirmation code went; absent when none was sent. */
  codeDelivery?: CodeDelivery;
}

/** Who sets up an authenticator app: a signed-in user (access token) or a login in the MFA_SETUP challenge. */
export type MfaSubject = { accessToken: string } | { session: string };

/**
 * Cognito's sign-in calls. Each throws the service's domain errors (errors.ts), never an SDK error; tests replace
 * it only where Cognito can't produce a case.
 */
export interface CognitoSignIn {
  /**
   * A sign-in in the flow the app client allows (USER_PASSWORD_AUTH, USER_SRP_AUTH or USER_AUTH); without a
   * password, a passwordless one (USER_AUTH). Wrong username and wrong password both throw InvalidCredentialsError.
   */
  login(username: string, password: string | undefined): Promise<LoginResult>;
  /**
   * New tokens for a refresh token. With `username` (Cognito's internal one, for SECRET_HASH): InitiateAuth
   * REFRESH_TOKEN_AUTH. Without: GetTokensFromRefreshToken, which takes the client secret itself and is the one
   * refresh an app client that rotates refresh tokens allows; its answer then carries the new refresh token.
   */
  refresh(refreshToken: string, username: string | undefined): Promise<TokenSet>;
  /** RespondToAuthChallenge: tokens, or the next challenge (e.g. MFA_SETUP after NEW_PASSWORD_REQUIRED). */
  respondToChallenge(answer: ChallengeAnswer): Promise<LoginResult>;
  /** RevokeToken: the refresh token and the tokens issued from it stop working at Cognito. */
  revokeRefreshToken(refreshToken: string): Promise<void>;
  /** GlobalSignOut with the user's access token. Throws UnsupportedByCognitoError where the endpoint lacks it. */
  globalSignOut(accessToken: string): Promise<void>;
  /**
   * GetUser with the access token: true when Cognito refuses it, as it does once the refresh token it came from is
   * revoked (or it expired). False when Cognito accepts it, and whenever the answer proves nothing (a failure).
   */
  accessTokenRevoked(accessToken: string): Promise<boolean>;
}

/** Finds a user of the pool by username (AdminGetUser, an IAM-authorized call). */
export interface UserDirectory {
  /** The `sub` of the user `username` names; null when the pool has no such user. */
  subOf(username: string): Promise<string | null>;
}

/** Cognito's admin calls about one user (IAM-authorized); a user the pool doesn't have is no error. */
export interface CognitoAdmin {
  /** AdminUserGlobalSignOut: the user's refresh tokens stop working at Cognito. UnsupportedByCognitoError where absent. */
  globalSignOut(username: string): Promise<void>;
  /** AdminDisableUser: the user can no longer sign in, and Cognito revokes the user's tokens. */
  disable(username: string): Promise<void>;
}

/** Cognito's account calls; same error rules as CognitoSignIn. */
export interface CognitoAccounts {
  /** SignUp. Throws UserExistsError for a taken username, InvalidRequestError for a password-policy violation. */
  signUp(input: SignUpInput): Promise<SignUpResult>;
  /** ConfirmSignUp. A wrong, expired or unknown code or user throws InvalidCodeError. */
  confirmSignUp(username: string, code: string): Promise<void>;
  /** ResendConfirmationCode. Throws NoCodeSentError when no code was sent (unknown user, already confirmed). */
  resendConfirmationCode(username: string): Promise<CodeDelivery | undefined>;
  /** ForgotPassword. Throws NoCodeSentError when no code was sent (unknown user, nowhere to send it). */
  forgotPassword(username: string): Promise<CodeDelivery | undefined>;
  /** ConfirmForgotPassword. A wrong, expired or unknown code or user throws InvalidCodeError. */
  confirmForgotPassword(username: string, code: string, newPassword: string): Promise<void>;
  /** ChangePassword with the user's access token. A wrong current password throws InvalidRequestError. */
  changePassword(accessToken: string, oldPassword: string, newPassword: string): Promise<void>;
  /** AssociateSoftwareToken: a new TOTP secret; with a challenge session, also the session to verify with. */
  associateSoftwareToken(subject: MfaSubject): Promise<{ secretCode: string; session?: string }>;
  /** VerifySoftwareToken: checks a first code from the app; with a challenge session, returns the next session. */
  verifySoftwareToken(subject: MfaSubject, code: string, deviceName?: string): Promise<{ session?: string }>;
  /** SetUserMFAPreference: the authenticator app becomes the user's enabled, preferred MFA method. */
  preferSoftwareToken(accessToken: string): Promise<void>;
}
