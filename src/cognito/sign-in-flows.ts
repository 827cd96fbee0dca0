// How a password signs in at Cognito: which InitiateAuth flow the app client allows (COGNITO_SIGN_IN_FLOW), and the
// SRP exchange, whose math is amazon-cognito-identity-js's (AWS's own client).
import { createHmac } from 'node:crypto';
import { DescribeUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationHelper, DateHelper } from 'amazon-cognito-identity-js';
import BigInteger from 'amazon-cognito-identity-js/lib/BigInteger';
import type { Logger } from 'pino';
import type { SignInFlowSetting } from '../config/config';
import { RetryLaterError, ServerError } from '../errors';
import type { CognitoClient } from './cognito-client';

/** A flow a password signs in with: USER_PASSWORD_AUTH, USER_SRP_AUTH, or USER_AUTH (choice-based) with SRP. */
export type SignInFlow = 'password' | 'srp' | 'choice';

/** Each flow's name at InitiateAuth, and the ExplicitAuthFlows entry that allows it. */
export const AUTH_FLOW: Record<SignInFlow, 'USER_PASSWORD_AUTH' | 'USER_SRP_AUTH' | 'USER_AUTH'> = {
  password: 'USER_PASSWORD_AUTH',
  srp: 'USER_SRP_AUTH',
  choice: 'USER_AUTH',
};

/**
 * Tried in this order when the app client's flows are unknown: the two that never send the password first, so no
 * password goes to a flow the client refuses.
 */
const PROBE_ORDER: SignInFlow[] = ['srp', 'choice', 'password'];
/** Preferred when the flows are known: the password flow costs one round trip to Cognito, SRP two. */
const PREFERENCE: SignInFlow[] = ['password', 'srp', 'choice'];
/** What an app client created without ExplicitAuthFlows allows. */
const DEFAULT_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'];

/** Cognito refused a flow because the app client doesn't allow it (InvalidParameterException "… not enabled …"). */
export class FlowNotEnabledError extends ServerError {}

/** The flow in use, and how it was found. */
export class SignInFlows {
  private known: SignInFlow | undefined;
  /** The flows the app client allows, once DescribeUserPoolClient said. */
  private allowed: SignInFlow[] | undefined;
  private finding: Promise<void> | undefined;

  constructor(
    private readonly cognito: CognitoClient,
    private readonly setting: SignInFlowSetting,
    private readonly logger?: Logger,
  ) {
    if (setting !== 'auto') this.known = setting;
  }

  /** The flow known to work; undefined while `auto` has not found it. */
  get current(): SignInFlow | undefined {
    return this.known;
  }

  /**
   * With `auto`, asks DescribeUserPoolClient for the client's flows (once; main.ts starts it at start-up). Where the
   * role may not call it, the first login learns the flow from Cognito's answers instead.
   */
  find(): Promise<void> {
    this.finding ??= this.describe();
    return this.finding;
  }

  /** The flows a login tries, in order: the one known, else all, those that never send the password first. */
  async candidates(): Promise<SignInFlow[]> {
    if (this.known) return [this.known];
    await this.find();
    return this.known ? [this.known] : PROBE_ORDER;
  }

  /**
   * Whether a sign-in without a password (USER_AUTH) may be tried: COGNITO_SIGN_IN_FLOW=choice, or `auto` where the
   * client allows USER_AUTH or its flows are unknown (Cognito's answer then says).
   */
  async passwordless(): Promise<boolean> {
    if (this.setting !== 'auto') return this.setting === 'choice';
    await this.find();
    return this.allowed === undefined || this.allowed.includes('choice');
  }

  /** `flow` was not refused as disabled: every later login uses it. */
  learn(flow: SignInFlow): void {
    if (this.known) return;
    this.known = flow;
    this.logger?.info({ flow, authFlow: AUTH_FLOW[flow] }, 'sign-in flow learnt from Cognito\'s answer');
  }

  private async describe(): Promise<void> {
    if (this.known) return;
    const { clientId, userPoolId } = this.cognito.config;
    try {
      const described = await this.cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }));
      const flows = described.UserPoolClient?.ExplicitAuthFlows?.length ? described.UserPoolClient.ExplicitAuthFlows : DEFAULT_FLOWS;
      this.allowed = PREFERENCE.filter((flow) => flows.includes(`ALLOW_${AUTH_FLOW[flow]}`));
      const allowed = this.allowed[0];
      if (allowed === undefined) {
        this.logger?.error({ flows }, 'the app client allows none of USER_PASSWORD_AUTH, USER_SRP_AUTH, USER_AUTH: no one can sign in here');
        return;
      }
      this.known = allowed;
      this.logger?.info({ flow: allowed, authFlow: AUTH_FLOW[allowed] }, 'sign-in flow: from the app client\'s flows (DescribeUserPoolClient)');
    } catch (err) {
      // Cognito down or slow: this login fails as any call would (503), and the next one asks again.
      if (err instanceof RetryLaterError) {
        this.finding = undefined;
        throw err;
      }
      this.logger?.info(
        { reason: (err as Error).name },
        'sign-in flow: DescribeUserPoolClient did not answer; the first login learns the flow from Cognito (it tries USER_SRP_AUTH, then USER_AUTH, then USER_PASSWORD_AUTH)',
      );
    }
  }
}

/** The parameters of Cognito's PASSWORD_VERIFIER challenge. */
export interface VerifierChallenge {
  SALT?: string;
  SRP_B?: string;
  SECRET_BLOCK?: string;
  USER_ID_FOR_SRP?: string;
}

/** The ChallengeResponses that answer PASSWORD_VERIFIER; USERNAME is Cognito's own (USER_ID_FOR_SRP). */
export interface VerifierAnswer {
  USERNAME: string;
  PASSWORD_CLAIM_SECRET_BLOCK: string;
  TIMESTAMP: string;
  PASSWORD_CLAIM_SIGNATURE: string;
}

/** One SRP sign-in: SRP_A for InitiateAuth, then the answer to PASSWORD_VERIFIER. */
export class SrpSignIn {
  private readonly helper: AuthenticationHelper;

  constructor(private readonly userPoolId: string) {
    this.helper = new AuthenticationHelper(poolNameOf(userPoolId));
  }

  /** SRP_A, hex. */
  srpA(): Promise<string> {
    return new Promise((resolve, reject) => this.helper.getLargeAValue((err, largeA) => (err ? reject(err) : resolve(largeA.toString(16)))));
  }

  /** The ChallengeResponses of PASSWORD_VERIFIER (without SECRET_HASH), signed with the key `password` derives. */
  async answer(challenge: VerifierChallenge, password: string): Promise<VerifierAnswer> {
    const { SALT: salt, SRP_B: srpB, SECRET_BLOCK: secretBlock, USER_ID_FOR_SRP: userId } = challenge;
    if (!salt || !srpB || !secretBlock || !userId) throw new ServerError('Cognito\'s PASSWORD_VERIFIER challenge lacks its parameters.');
    const key = await new Promise<Uint8Array>((resolve, reject) =>
      this.helper.getPasswordAuthenticationKey(userId, password, new BigInteger(srpB, 16), new BigInteger(salt, 16), (err, derived) =>
        err ? reject(err) : resolve(derived),
      ),
    );
    const timestamp = new DateHelper().getNowString();
    const message = Buffer.concat([Buffer.from(poolNameOf(this.userPoolId)), Buffer.from(userId), Buffer.from(secretBlock, 'base64'), Buffer.from(timestamp)]);
    return {
      USERNAME: userId,
      PASSWORD_CLAIM_SECRET_BLOCK: secretBlock,
      TIMESTAMP: timestamp,
      PASSWORD_CLAIM_SIGNATURE: createHmac('sha256', Buffer.from(key)).update(message).digest('base64'),
    };
  }
}

/** The pool id's part after the region, which SRP hashes. */
const poolNameOf = (userPoolId: string) => userPoolId.split('_')[1] ?? userPoolId;
