// Jest global setup: one cognito-local with a provisioned pool, and a real Redis, for the whole run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalCognito } from '../../src/dev/local-cognito';
import { provisionLocalPool } from '../../src/dev/provision';
import { findOrStartRedis } from './redis-server';

export default async function globalSetup(): Promise<void> {
  // The SDK's notice that it will want Node 22 in 2027 is for operators, not test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cognito-local-test-'));
  const cognito = await startLocalCognito({ dataDir });
  const pool = await provisionLocalPool(cognito.endpoint, { poolName: 'test-pool' });
  const redis = await findOrStartRedis();
  // Workers start after this returns and inherit these.
  process.env.TEST_COGNITO_ENDPOINT = cognito.endpoint;
  process.env.TEST_COGNITO_DB = cognito.dbDir;
  process.env.TEST_USER_POOL_ID = pool.userPoolId;
  process.env.TEST_CLIENT_ID = pool.clientId;
  process.env.TEST_CLIENT_SECRET = pool.clientSecret;
  process.env.TEST_SRP_CLIENT_ID = pool.srpClientId;
  process.env.TEST_REDIS_URL = redis.url;
  (globalThis as Record<string, unknown>).__TEST_STACK__ = { cognito, redis, dataDir };
}
