// Parses the environment once, by a schema, into the typed configuration the rest of the service takes.
import { z } from 'zod';
import { groupScopesText, type GroupScopes } from './group-scopes';
import { ConfigError } from '../errors';

/** Where a Redis server or cluster is, and how the service names its keys. */
export interface RedisConfig {
  /** `redis://` or `rediss://` URL of a single server; undefined when a cluster or no Redis is used. */
  url?: string;
  /** Seed nodes of a Redis Cluster, used instead of `url`. */
  clusterNodes?: { host: string; port: number }[];
  /** Password (AUTH), for managed Redis; a password in a `redis://` URL works too. */
  password?: string;
  /** Connect with TLS (also implied by a `rediss://` URL). */
  tls: boolean;
}

/** How the denylist makes what it is told last (README, "When Redis loses data"). */
export interface DenylistConfig {
  /** DENYLIST_MIN_REPLICAS: replicas that must acknowledge a session-ending write before it is answered. */
  minReplicas: number;
  /** DENYLIST_REPLICA_TIMEOUT_MS: how long such a write waits for them. */
  replicaTimeoutMs: number;
  /** DENYLIST_ON_LOSS: refuse sessions begun before a loss was noticed, or accept them. */
  onLoss: 'refuse-older' | 'accept';
}

/** The Cognito user pool and app client the service logs users in with and accepts tokens from. */
export interface CognitoConfig {
  /** AWS region of the pool. */
  region: string;
  /** User pool id, e.g. `eu-west-1_AbCdEf123`. */
  userPoolId: string;
  /** The app client used for login. */
  clientId: string;
  /** The app client's secret, when it has one: SECRET_HASH is then sent on every call. */
  clientSecret?: string;
  /** Cognito API endpoint override (cognito-local); undefined for AWS. */
  endpoint?: string;
  /** Issuer every accepted token must carry. */
  issuer: string;
  /** Where the signing keys are fetched. */
  jwksUri: string;
  /** True when issuer and JWKS are AWS's own for this pool, so aws-jwt-verify's Cognito verifier applies. */
  awsIssuer: boolean;
  /** Client ids whose access tokens are accepted: the login client first, then the allowed extra ones. */
  acceptedClientIds: string[];
  /** Hosted UI (managed login) domain, e.g. `https://auth.example.com`; enables the code + PKCE flow in Swagger UI. */
  domain?: string;
  /** COGNITO_SIGN_IN_FLOW: how a password signs in (sign-in-flows.ts); `auto` uses what the app client allows. */
  signInFlow: SignInFlowSetting;
}

/** COGNITO_SIGN_IN_FLOW's values: USER_PASSWORD_AUTH, USER_SRP_AUTH, USER_AUTH (choice-based), or whichever works. */
export const SIGN_IN_FLOWS = ['password', 'srp', 'choice', 'auto'] as const;
/** A value of COGNITO_SIGN_IN_FLOW. */
export type SignInFlowSetting = (typeof SIGN_IN_FLOWS)[number];

/** The whole configuration of one service instance. */
export interface Config {
  /** True when NODE_ENV is `production`: start-up then warns about settings a deployment should make. */
  production: boolean;
  /** Listening and HTTP behaviour. */
  server: {
    /** Listen port. */
    port: number;
    /** Listen address. */
    host: string;
    /** Express `trust proxy` setting; undefined leaves Express's default (trust nothing). */
    trustProxy?: boolean | number | string;
    /** Origins allowed to call with credentials. */
    corsOrigins: string[];
    /** The API's external base URL (no trailing slash); undefined: derived from each request. */
    publicUrl?: string;
    /** Port of the separate Prometheus listener (`GET /metrics`, on HOST); undefined: no metrics at all. */
    metricsPort?: number;
    /** Port of the forward-auth door (`/auth/verify` on node:http, on HOST); undefined: none. */
    forwardAuthPort?: number;
    /** The share of accepted forward-auth checks the door logs a line for (0 to 1). */
    forwardAuthLogAccepted: number;
  };
  /** Cognito pool and client. */
  cognito: CognitoConfig;
  /** Redis; undefined means the in-process store (one instance only). */
  redis?: RedisConfig;
  /** Prefix of every key the service writes. */
  keyPrefix: string;
  /** How the denylist keeps what it is told (README, "When Redis loses data"). */
  denylist: DenylistConfig;
  /** How long a logged-out session and a logout-all cut-off are remembered, in seconds. */
  sessionTtlSeconds: number;
  /** Scopes each Cognito group grants. */
  groupScopes: GroupScopes;
  /** Who may call `/auth/introspect` (RFC 7662). */
  introspection: {
    /** Client id → secret, for HTTP Basic (INTROSPECTION_CLIENTS). */
    clients: Map<string, string>;
    /** A Bearer access token carrying this scope may call it (INTROSPECTION_SCOPE). */
    scope: string;
  };
  /**
   * Budgets of the routes that need no token: `limit` per (client IP, username) and per user for credential checks
   * made with a token, `addressLimit` per client IP across usernames, both per `windowSeconds`.
   */
  loginRateLimit: { limit: number; addressLimit: number; windowSeconds: number };
  /** pino level. */
  logLevel: string;
  /** Swagger UI keeps its authorization across page reloads (in localStorage) only when this is true. */
  docsPersistAuthorization: boolean;
  /** Markdown added to the Swagger UI page's intro (`npm run dev` names its demo users there); undefined: none. */
  docsIntro?: string;
  /** Most verified tokens kept in memory (0: no cache). */
  tokenCacheSize: number;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

const optionalText = z
  .string()
  .transform((value) => value.trim())
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const commaList = optionalText.transform((value) =>
  value
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [],
);

/** A boolean setting, `true` or `false` (false when unset). */
const flag = z.stringbool({ truthy: ['true'], falsy: ['false'], error: 'must be true or false' }).default(false);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const httpUrl = optionalText.refine(
  (value) => {
    if (value === undefined) return true;
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL' },
);

const envSchema = z
  .object({
    NODE_ENV: optionalText,
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    METRICS_PORT: z.preprocess(
      (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
      z.coerce.number({ message: 'must be a port number' }).int().min(1).max(65535).optional(),
    ),
    FORWARD_AUTH_PORT: z.preprocess(
      (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
      z.coerce.number({ message: 'must be a port number' }).int().min(1).max(65535).optional(),
    ),
    FORWARD_AUTH_LOG_ACCEPTED: z.preprocess(
      (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
      z.coerce.number({ message: 'must be a number from 0 to 1' }).min(0, 'must be a number from 0 to 1').max(1, 'must be a number from 0 to 1').default(0),
    ),
    HOST: optionalText.default('0.0.0.0'),
    AWS_REGION: optionalText.refine((value) => value === undefined || /^[a-z]{2}(-[a-z]+)+-\d+$/.test(value), {
      message: 'must be an AWS region such as eu-west-1',
    }),
    COGNITO_USER_POOL_ID: z
      .string({ message: 'required' })
      .regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id such as eu-west-1_AbCdEf123'),
    COGNITO_CLIENT_ID: z.string({ message: 'required' }).regex(/^[\w+]+$/, 'must be an app client id'),
    COGNITO_CLIENT_SECRET: optionalText,
    COGNITO_ENDPOINT: httpUrl,
    COGNITO_ISSUER: httpUrl,
    COGNITO_JWKS_URI: httpUrl,
    COGNITO_ALLOWED_CLIENT_IDS: commaList,
    COGNITO_DOMAIN: httpUrl,
    COGNITO_SIGN_IN_FLOW: z.enum(SIGN_IN_FLOWS, { message: 'must be password, srp, choice or auto' }).default('auto'),
    REDIS_URL: optionalText.refine(
      (value) => value === undefined || /^rediss?:\/\//.test(value),
      'must be a redis:// or rediss:// URL',
    ),
    REDIS_CLUSTER_NODES: commaList.refine(
      (nodes) => nodes.every((node) => /^[^:\s]+:\d{1,5}$/.test(node)),
      'must be host:port,host:port',
    ),
    REDIS_PASSWORD: optionalText,
    REDIS_TLS: flag,
    REDIS_KEY_PREFIX: z
      .string()
      .default('auth:')
      .refine((value) => !/[{}]/.test(value), 'must have no { or }: a hash tag there would put every key in one slot of a Cluster'),
    DENYLIST_MIN_REPLICAS: z.coerce.number().int().min(0).max(16).default(0),
    DENYLIST_REPLICA_TIMEOUT_MS: z.coerce.number().int().positive().max(10_000).default(500),
    DENYLIST_ON_LOSS: z.enum(['refuse-older', 'accept'], { message: 'must be refuse-older or accept' }).default('refuse-older'),
    SESSION_TTL_SECONDS: positiveInt(2_592_000),
    GROUP_SCOPES: groupScopesText,
    CORS_ORIGINS: commaList,
    PUBLIC_URL: httpUrl.refine((value) => value === undefined || !/[?#]/.test(value), 'must have no query or fragment'),
    INTROSPECTION_CLIENTS: commaList.refine(
      (pairs) => pairs.every((pair) => /^[^:\s]+:\S+$/.test(pair)),
      'must be id:secret,id:secret',
    ),
    INTROSPECTION_SCOPE: optionalText.default('auth/introspect').refine((value) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(value ?? ''), 'must be one scope'),
    LOGIN_RATE_LIMIT: positiveInt(10),
    LOGIN_IP_RATE_LIMIT: positiveInt(100),
    LOGIN_RATE_WINDOW_SECONDS: positiveInt(900),
    TRUST_PROXY: optionalText,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).default(10_000),
    DOCS_PERSIST_AUTHORIZATION: flag,
    DOCS_INTRO: optionalText.refine((value) => value === undefined || value.length <= 2000, 'must be at most 2000 characters'),
  })
  .superRefine((env, ctx) => {
    if (!env.AWS_REGION && !env.COGNITO_ENDPOINT) {
      ctx.addIssue({ code: 'custom', path: ['AWS_REGION'], message: 'required unless COGNITO_ENDPOINT is set' });
    }
    if (env.FORWARD_AUTH_PORT !== undefined && (env.FORWARD_AUTH_PORT === env.PORT || env.FORWARD_AUTH_PORT === env.METRICS_PORT)) {
      ctx.addIssue({ code: 'custom', path: ['FORWARD_AUTH_PORT'], message: 'must differ from PORT and METRICS_PORT' });
    }
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT && env.PORT !== 0) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT: the API port never serves /metrics' });
    }
    if (env.NODE_ENV === 'production' && !env.REDIS_URL && env.REDIS_CLUSTER_NODES.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_URL'],
        message: 'required when NODE_ENV=production (the in-process denylist serves one instance only)',
      });
    }
  });

/** Every environment variable the configuration reads: what a deployment may set (deploy/aws's tests hold it to them). */
export const CONFIG_KEYS: readonly string[] = Object.keys(envSchema.shape);

/** `true`/`false`, a hop count, or Express's own strings (`loopback`, subnets). */
function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function checkHttpsUnlessLoopback(name: string, uri: string | undefined): void {
  if (uri === undefined) return;
  const url = new URL(uri);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError(`Invalid configuration: ${name}: http is allowed only for loopback hosts`);
  }
}

/** Parses the environment; throws ConfigError whose message is one line naming the variable and the problem. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') || 'environment';
    throw new ConfigError(`Invalid configuration: ${name}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  const region = e.AWS_REGION ?? 'us-east-1';
  const endpoint = e.COGNITO_ENDPOINT?.replace(/\/+$/, '');
  const defaultIssuer = endpoint
    ? `${endpoint}/${e.COGNITO_USER_POOL_ID}`
    : `https://cognito-idp.${region}.amazonaws.com/${e.COGNITO_USER_POOL_ID}`;
  const issuer = (e.COGNITO_ISSUER ?? defaultIssuer).replace(/\/+$/, '');
  const jwksUri = e.COGNITO_JWKS_URI ?? `${issuer}/.well-known/jwks.json`;
  checkHttpsUnlessLoopback('COGNITO_JWKS_URI', jwksUri);
  checkHttpsUnlessLoopback('COGNITO_DOMAIN', e.COGNITO_DOMAIN);
  const awsIssuer = !endpoint && !e.COGNITO_ISSUER && !e.COGNITO_JWKS_URI;

  let redis: RedisConfig | undefined;
  const redisAuth = { password: e.REDIS_PASSWORD, tls: e.REDIS_TLS || Boolean(e.REDIS_URL?.startsWith('rediss://')) };
  if (e.REDIS_CLUSTER_NODES.length > 0) {
    redis = {
      clusterNodes: e.REDIS_CLUSTER_NODES.map((node) => {
        const [host = '', port = ''] = node.split(':');
        return { host, port: Number(port) };
      }),
      ...redisAuth,
    };
  } else if (e.REDIS_URL) {
    redis = { url: e.REDIS_URL, ...redisAuth };
  }

  return {
    production: e.NODE_ENV === 'production',
    server: {
      port: e.PORT,
      host: e.HOST ?? '0.0.0.0',
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      corsOrigins: e.CORS_ORIGINS,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      metricsPort: e.METRICS_PORT,
      forwardAuthPort: e.FORWARD_AUTH_PORT,
      forwardAuthLogAccepted: e.FORWARD_AUTH_LOG_ACCEPTED,
    },
    cognito: {
      region,
      userPoolId: e.COGNITO_USER_POOL_ID,
      clientId: e.COGNITO_CLIENT_ID,
      clientSecret: e.COGNITO_CLIENT_SECRET,
      endpoint,
      issuer,
      jwksUri,
      awsIssuer,
      acceptedClientIds: [e.COGNITO_CLIENT_ID, ...e.COGNITO_ALLOWED_CLIENT_IDS],
      domain: e.COGNITO_DOMAIN?.replace(/\/+$/, ''),
      signInFlow: e.COGNITO_SIGN_IN_FLOW,
    },
    redis,
    keyPrefix: e.REDIS_KEY_PREFIX,
    denylist: {
      minReplicas: e.DENYLIST_MIN_REPLICAS,
      replicaTimeoutMs: e.DENYLIST_REPLICA_TIMEOUT_MS,
      onLoss: e.DENYLIST_ON_LOSS,
    },
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    groupScopes: e.GROUP_SCOPES,
    introspection: {
      clients: new Map(e.INTROSPECTION_CLIENTS.map((pair) => [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)])),
      scope: e.INTROSPECTION_SCOPE ?? 'auth/introspect',
    },
    loginRateLimit: {
      limit: e.LOGIN_RATE_LIMIT,
      addressLimit: e.LOGIN_IP_RATE_LIMIT,
      windowSeconds: e.LOGIN_RATE_WINDOW_SECONDS,
    },
    logLevel: e.LOG_LEVEL,
    docsPersistAuthorization: e.DOCS_PERSIST_AUTHORIZATION,
    docsIntro: e.DOCS_INTRO,
    tokenCacheSize: e.TOKEN_CACHE_SIZE,
  };
}
