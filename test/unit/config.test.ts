// Configuration: one schema, defaults from the contract, one line naming the variable when a value is bad.
import { loadConfig } from '../../src/config/config';
import { ConfigError } from '../../src/errors';

const base = { AWS_REGION: 'eu-west-1', COGNITO_USER_POOL_ID: 'eu-west-1_AbCdEf123', COGNITO_CLIENT_ID: 'abc123def456' };

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the contract\'s defaults and derives issuer and JWKS of a real pool', () => {
    const config = loadConfig(base);
    expect(config.server).toEqual({ port: 3000, host: '0.0.0.0', trustProxy: undefined, corsOrigins: [], publicUrl: undefined, forwardAuthLogAccepted: 0 });
    expect(config.cognito).toMatchObject({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json',
      awsIssuer: true,
      acceptedClientIds: ['abc123def456'],
    });
    expect(config).toMatchObject({
      redis: undefined,
      keyPrefix: 'auth:',
      sessionTtlSeconds: 2592000,
      groupScopes: new Map(),
      loginRateLimit: { limit: 10, addressLimit: 100, windowSeconds: 900 },
      logLevel: 'info',
    });
  });

  it('derives the issuer from an overridden endpoint and accepts the extra client ids', () => {
    const config = loadConfig({
      COGNITO_ENDPOINT: 'http://127.0.0.1:9229/',
      COGNITO_USER_POOL_ID: 'local_abc',
      COGNITO_CLIENT_ID: 'client1',
      COGNITO_ALLOWED_CLIENT_IDS: 'm2m1, m2m2',
      REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001',
      GROUP_SCOPES: '{"editors":["books/read","books/write"]}',
      TRUST_PROXY: '1',
    });
    expect(config.cognito).toMatchObject({
      region: 'us-east-1',
      issuer: 'http://127.0.0.1:9229/local_abc',
      jwksUri: 'http://127.0.0.1:9229/local_abc/.well-known/jwks.json',
      awsIssuer: false,
      acceptedClientIds: ['client1', 'm2m1', 'm2m2'],
    });
    expect(config.redis).toEqual({
      clusterNodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }],
      password: undefined,
      tls: false,
    });
    expect(config.groupScopes).toEqual(new Map([['editors', ['books/read', 'books/write']]]));
    expect(config.server.trustProxy).toBe(1);
  });

  it('reads password and TLS for managed Redis, TLS also from a rediss:// URL', () => {
    expect(loadConfig({ ...base, REDIS_URL: 'rediss://cache.example.com:6379', REDIS_PASSWORD: 'p' }).redis).toEqual({
      url: 'rediss://cache.example.com:6379',
      password: 'p',
      tls: true,
    });
    expect(loadConfig({ ...base, REDIS_CLUSTER_NODES: 'a:6379', REDIS_TLS: 'true' }).redis).toMatchObject({ tls: true });
  });

  it.each([
    [{ REDIS_TLS: 'yes' }, 'Invalid configuration: REDIS_TLS: must be true or false'],
    [{ COGNITO_USER_POOL_ID: undefined }, 'Invalid configuration: COGNITO_USER_POOL_ID: required'],
    [{ AWS_REGION: undefined }, 'Invalid configuration: AWS_REGION: required unless COGNITO_ENDPOINT is set'],
    [{ AWS_REGION: 'mars' }, 'Invalid configuration: AWS_REGION: must be an AWS region such as eu-west-1'],
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT: '],
    [{ GROUP_SCOPES: '{oops' }, 'Invalid configuration: GROUP_SCOPES: must be a JSON object'],
    [{ GROUP_SCOPES: '{"editors":"books/read"}' }, 'Invalid configuration: GROUP_SCOPES.editors: '],
    [{ REDIS_URL: 'http://x' }, 'Invalid configuration: REDIS_URL: must be a redis:// or rediss:// URL'],
    [{ NODE_ENV: 'production' }, 'Invalid configuration: REDIS_URL: required when NODE_ENV=production'],
    [{ COGNITO_JWKS_URI: 'http://keys.example.com/jwks.json' }, 'Invalid configuration: COGNITO_JWKS_URI: http is allowed only for loopback hosts'],
    [{ LOG_LEVEL: 'loud' }, 'Invalid configuration: LOG_LEVEL: '],
  ])('stops on %j with one line naming the variable', (override, expected) => {
    const env = { ...base, ...override } as Record<string, string>;
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const message = errorOf(env);
    expect(message.startsWith(expected)).toBe(true);
    expect(message).not.toContain('\n');
  });
});

describe('METRICS_PORT', () => {
  it('is off when unset or empty, and a port of its own when set', () => {
    expect(loadConfig(base).server.metricsPort).toBeUndefined();
    expect(loadConfig({ ...base, METRICS_PORT: '' }).server.metricsPort).toBeUndefined();
    expect(loadConfig({ ...base, METRICS_PORT: '9464' }).server.metricsPort).toBe(9464);
  });

  it.each([
    [{ METRICS_PORT: 'abc' }, 'Invalid configuration: METRICS_PORT: must be a port number'],
    [{ METRICS_PORT: '70000' }, 'Invalid configuration: METRICS_PORT:'],
    [{ PORT: '3000', METRICS_PORT: '3000' }, 'Invalid configuration: METRICS_PORT: must differ from PORT: the API port never serves /metrics'],
  ])('refuses %p', (env, expected) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(expected);
  });
});

describe('FORWARD_AUTH_PORT and FORWARD_AUTH_LOG_ACCEPTED', () => {
  it('has no door unless set, and logs no accepted check unless told', () => {
    expect(loadConfig(base).server).toMatchObject({ forwardAuthPort: undefined, forwardAuthLogAccepted: 0 });
    expect(loadConfig({ ...base, FORWARD_AUTH_PORT: '3100', FORWARD_AUTH_LOG_ACCEPTED: '0.01' }).server).toMatchObject({
      forwardAuthPort: 3100,
      forwardAuthLogAccepted: 0.01,
    });
  });

  it.each([
    [{ FORWARD_AUTH_PORT: 'x' }, 'Invalid configuration: FORWARD_AUTH_PORT: must be a port number'],
    [{ PORT: '3000', FORWARD_AUTH_PORT: '3000' }, 'Invalid configuration: FORWARD_AUTH_PORT: must differ from PORT and METRICS_PORT'],
    [{ METRICS_PORT: '9464', FORWARD_AUTH_PORT: '9464' }, 'Invalid configuration: FORWARD_AUTH_PORT: must differ from PORT and METRICS_PORT'],
    [{ FORWARD_AUTH_LOG_ACCEPTED: '2' }, 'Invalid configuration: FORWARD_AUTH_LOG_ACCEPTED: must be a number from 0 to 1'],
  ])('refuses %p', (env, expected) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(expected);
  });
});

describe('INTROSPECTION_CLIENTS and INTROSPECTION_SCOPE', () => {
  it('reads id:secret pairs (a secret may hold colons) and defaults the scope', () => {
    const config = loadConfig({ ...base, INTROSPECTION_CLIENTS: 'kong:s3cret, oathkeeper:a:b' });
    expect(config.introspection).toEqual({ clients: new Map([['kong', 's3cret'], ['oathkeeper', 'a:b']]), scope: 'auth/introspect' });
    expect(loadConfig({ ...base, INTROSPECTION_SCOPE: 'gateway/introspect' }).introspection.scope).toBe('gateway/introspect');
  });

  it.each([
    [{ INTROSPECTION_CLIENTS: 'no-secret' }, 'Invalid configuration: INTROSPECTION_CLIENTS: must be id:secret,id:secret'],
    [{ INTROSPECTION_SCOPE: 'two scopes' }, 'Invalid configuration: INTROSPECTION_SCOPE: must be one scope'],
  ])('refuses %p', (env, expected) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(expected);
  });
});
