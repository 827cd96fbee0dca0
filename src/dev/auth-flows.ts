// The sign-in flows cognito-local lacks, beside it and over its user store, for the local stack only: USER_SRP_AUTH,
// choice-based sign-in (USER_AUTH: a password, SRP, or a one-time code by email), each app client's
// ExplicitAuthFlows as Cognito enforces them, and SECRET_HASH on those flows. Everything else, and every challenge
// after the first factor (a new password, TOTP), goes to cognito-local as it came.
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { srpChallenge, srpSignatureMatches, type SrpExchange } from './srp-server';

/** The file the one-time sign-in codes are written to, beside cognito-local's pools (pending-codes.ts reads it). */
export const SIGN_IN_CODES_FILE = 'sign-in-codes.json';

/** A one-time sign-in code as the layer writes it. */
export interface SignInCode {
  username: string;
  destination: string;
  code: string;
}

interface StoredClient {
  ClientId: string;
  UserPoolId: string;
  ClientSecret?: string;
  ExplicitAuthFlows?: string[];
  PreventUserExistenceErrors?: string;
}

interface StoredUser {
  Username: string;
  Password?: string;
  Enabled?: boolean;
  Attributes?: { Name: string; Value: string }[];
}

/** A first factor under way: SRP's exchange, or a code sent, keyed by the session handed out. */
interface Pending {
  clientId: string;
  userId: string;
  /** The user as stored; undefined for a username the pool doesn't have (answered alike, refused at the end). */
  user?: StoredUser;
  srp?: SrpExchange;
  /** USER_AUTH's PASSWORD_SRP sends SRP_A in its first call, not with the answer. */
  srpA?: unknown;
  code?: string;
  attempts: number;
  expiresAt: number;
}

/** Cognito's answer to a refused request: its exception name and message. */
class CognitoFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const REFUSED = () => new CognitoFault('NotAuthorizedException', 'Incorrect username or password.');
/** Cognito's default flows for a client created without ExplicitAuthFlows. */
const DEFAULT_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'];
/** The first factors USER_AUTH offers here; passkeys (WEB_AUTHN) and SMS codes are not emulated. */
const FIRST_FACTORS = ['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP'];
const PENDING_MS = 3 * 60 * 1000;

/** `r***@example.com`: where a code went, as Cognito shows it. */
const masked = (email: string) => email.replace(/^(.)[^@]*/, '$1***');

/** A running layer. */
export interface AuthFlows {
  /** Where clients call: cognito-local's API with these flows added. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts the layer on `port` in front of cognito-local at `upstream`, reading its store in `dbDir`. `onCode` hears of
 * each one-time code, which is also written to `dbDir/sign-in-codes.json`, as cognito-local keeps its own codes.
 */
export async function startAuthFlows(options: { upstream: string; dbDir: string; port: number; host?: string }): Promise<AuthFlows> {
  const upstream = new URL(options.upstream);
  const pending = new Map<string, Pending>();
  const codes: SignInCode[] = [];

  const readJson = <T>(file: string): T | undefined => {
    try {
      return JSON.parse(readFileSync(path.join(options.dbDir, file), 'utf8')) as T;
    } catch {
      return undefined;
    }
  };
  const clientOf = (clientId: unknown): StoredClient => {
    const client = typeof clientId === 'string' ? readJson<{ Clients?: Record<string, StoredClient> }>('clients.json')?.Clients?.[clientId] : undefined;
    if (!client) throw new CognitoFault('ResourceNotFoundException', 'User pool client does not exist.');
    return client;
  };
  const userOf = (client: StoredClient, username: string): StoredUser | undefined => {
    const users = readJson<{ Users?: Record<string, StoredUser> }>(`${client.UserPoolId}.json`)?.Users ?? {};
    return users[username] ?? Object.values(users).find((user) => user.Username.toLowerCase() === username.toLowerCase());
  };
  const allows = (client: StoredClient, flow: string) => (client.ExplicitAuthFlows?.length ? client.ExplicitAuthFlows : DEFAULT_FLOWS).includes(flow);
  const checkSecretHash = (client: StoredClient, username: string, sent: unknown) => {
    if (!client.ClientSecret) return;
    const expected = createHmac('sha256', client.ClientSecret).update(`${username}${client.ClientId}`).digest();
    const given = Buffer.from(typeof sent === 'string' ? sent : '', 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new CognitoFault('NotAuthorizedException', `Client ${client.ClientId} is configured with secret but SECRET_HASH was not received`);
    }
  };
  const poolNameOf = (client: StoredClient) => client.UserPoolId.split('_')[1] ?? client.UserPoolId;

  /** A new session for a first factor under way. */
  const begin = (client: StoredClient, username: string, state: Omit<Pending, 'clientId' | 'attempts' | 'expiresAt'>): string => {
    const session = randomBytes(48).toString('base64');
    pending.set(session, { ...state, clientId: client.ClientId, attempts: 0, expiresAt: Date.now() + PENDING_MS });
    return session;
  };
  const take = (session: unknown, clientId: unknown): Pending => {
    const state = typeof session === 'string' ? pending.get(session) : undefined;
    if (!state || state.expiresAt < Date.now() || state.clientId !== clientId) {
      throw new CognitoFault('NotAuthorizedException', 'Invalid session for the user, session is expired.');
    }
    return state;
  };

  /** SRP's first step: the PASSWORD_VERIFIER challenge. Unknown users get one too (PreventUserExistenceErrors). */
  const srpVerifier = (client: StoredClient, username: string, srpA?: unknown) => {
    const user = userOf(client, username);
    if (!user && client.PreventUserExistenceErrors !== 'ENABLED') throw new CognitoFault('UserNotFoundException', 'User does not exist.');
    const userId = user?.Username ?? username;
    const srp = srpChallenge(poolNameOf(client), userId, user?.Password);
    const session = begin(client, username, { userId, user, srp, srpA });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      ChallengeParameters: { SALT: srp.salt, SRP_B: srp.srpB, SECRET_BLOCK: srp.secretBlock, USER_ID_FOR_SRP: userId, USERNAME: userId },
      Session: session,
    };
  };

  /** A one-time code by email: the EMAIL_OTP challenge. An unknown user is told of a code that never comes. */
  const emailCode = (client: StoredClient, username: string) => {
    const user = userOf(client, username);
    const email = user?.Attributes?.find((attribute) => attribute.Name === 'email')?.Value ?? `${username}@example.com`;
    const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
    if (user) {
      codes.push({ username: user.Username, destination: email, code });
      writeFileSync(path.join(options.dbDir, SIGN_IN_CODES_FILE), JSON.stringify(codes.slice(-50), null, 2));
    }
    const session = begin(client, username, { userId: user?.Username ?? username, user, code: user ? code : undefined });
    return {
      ChallengeName: 'EMAIL_OTP',
      ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: masked(email), USERNAME: user?.Username ?? username },
      Session: session,
    };
  };

  /** The first factor passed: cognito-local signs the user in (its password is in its store) and goes on from there. */
  const signIn = async (client: StoredClient, user: StoredUser | undefined) => {
    if (!user?.Password) throw REFUSED();
    if (user.Enabled === false) throw new CognitoFault('NotAuthorizedException', 'User is disabled.');
    return forwardJson('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: client.ClientId, AuthParameters: { USERNAME: user.Username, PASSWORD: user.Password } });
  };

  /** A password sent as it is (USER_AUTH's PASSWORD): cognito-local checks it. */
  const passwordSignIn = (client: StoredClient, username: string, password: unknown) =>
    forwardJson('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: client.ClientId, AuthParameters: { USERNAME: username, PASSWORD: password } });

  const firstFactor = async (client: StoredClient, username: string, choice: unknown, params: Record<string, unknown>) => {
    switch (choice) {
      case 'PASSWORD':
        return passwordSignIn(client, username, params.PASSWORD);
      case 'PASSWORD_SRP':
        return srpVerifier(client, username, params.SRP_A);
      case 'EMAIL_OTP':
        return emailCode(client, username);
      default:
        throw new CognitoFault('InvalidParameterException', `The challenge ${String(choice)} is not available for this user.`);
    }
  };

  const initiateAuth = async (body: Record<string, unknown>) => {
    const client = clientOf(body.ClientId);
    const params = (body.AuthParameters ?? {}) as Record<string, unknown>;
    const username = typeof params.USERNAME === 'string' ? params.USERNAME : '';
    const flow = body.AuthFlow;
    if (flow === 'USER_PASSWORD_AUTH' || flow === 'USER_SRP_AUTH' || flow === 'USER_AUTH') {
      if (!allows(client, `ALLOW_${flow}`)) throw new CognitoFault('InvalidParameterException', `${flow} flow not enabled for this client`);
      checkSecretHash(client, username, params.SECRET_HASH);
    }
    if (flow === 'USER_SRP_AUTH') return srpVerifier(client, username, params.SRP_A);
    if (flow !== 'USER_AUTH') return undefined;
    const preferred = params.PREFERRED_CHALLENGE;
    if (preferred !== undefined) return firstFactor(client, username, preferred, params);
    return { ChallengeName: 'SELECT_CHALLENGE', AvailableChallenges: FIRST_FACTORS, ChallengeParameters: { USERNAME: username }, Session: begin(client, username, { userId: username, user: userOf(client, username) }) };
  };

  const respond = async (body: Record<string, unknown>) => {
    const name = body.ChallengeName;
    if (name !== 'PASSWORD_VERIFIER' && name !== 'SELECT_CHALLENGE' && name !== 'EMAIL_OTP') return undefined;
    const client = clientOf(body.ClientId);
    const answers = (body.ChallengeResponses ?? {}) as Record<string, unknown>;
    const username = typeof answers.USERNAME === 'string' ? answers.USERNAME : '';
    checkSecretHash(client, username, answers.SECRET_HASH);
    const state = take(body.Session, client.ClientId);
    // take() found it, so it is a session string; each answer uses it up, but a wrong code has three tries.
    const session = String(body.Session);
    if (name === 'SELECT_CHALLENGE') {
      pending.delete(session);
      return firstFactor(client, state.userId, answers.ANSWER, answers);
    }
    state.attempts += 1;
    if (name === 'EMAIL_OTP') {
      const right = state.code !== undefined && answers.EMAIL_OTP_CODE === state.code;
      if (!right) {
        if (state.attempts >= 3) pending.delete(session);
        throw new CognitoFault('CodeMismatchException', 'Invalid code or auth state for the user.');
      }
      pending.delete(session);
      return signIn(client, state.user);
    }
    pending.delete(session);
    const srpA = state.srpA ?? answers.SRP_A;
    const matches =
      state.srp !== undefined &&
      state.user !== undefined &&
      answers.PASSWORD_CLAIM_SECRET_BLOCK === state.srp.secretBlock &&
      srpSignatureMatches(state.srp, {
        poolName: poolNameOf(client),
        userId: state.userId,
        srpA: typeof srpA === 'string' ? srpA : '',
        timestamp: String(answers.TIMESTAMP ?? ''),
        signature: String(answers.PASSWORD_CLAIM_SIGNATURE ?? ''),
      });
    if (!matches) throw REFUSED();
    return signIn(client, state.user);
  };

  /** Calls cognito-local's API and answers with its JSON, or throws its fault. */
  async function forwardJson(target: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(upstream, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `AWSCognitoIdentityProviderService.${target}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) throw new CognitoFault(String(answer.__type ?? 'InternalErrorException').split('#').pop() ?? 'InternalErrorException', String(answer.message ?? ''));
    return answer;
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };

  /** Everything the layer doesn't answer goes to cognito-local byte for byte. */
  const pass = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // cognito-local down: the caller's connection drops, as it would with nothing in front of it.
    out.on('error', () => res.socket?.destroy());
    out.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '').split('.').pop();
      const handler = req.method === 'POST' ? { InitiateAuth: initiateAuth, RespondToAuthChallenge: respond }[target ?? ''] : undefined;
      if (!handler) return pass(req, res, body);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return pass(req, res, body);
      }
      handler(parsed).then(
        (answer) => (answer === undefined ? pass(req, res, body) : send(res, 200, answer)),
        (err: unknown) => {
          if (!(err instanceof CognitoFault)) return res.socket?.destroy();
          send(res, err.type === 'InternalErrorException' ? 500 : 400, { __type: err.type, message: err.message });
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
