// Jest global teardown: stops what global setup started.
import { rmSync } from 'node:fs';
import type { LocalCognito } from '../../src/dev/local-cognito';
import type { TestRedis } from './redis-server';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as Record<string, unknown>).__TEST_STACK__ as
    | { cognito: LocalCognito; redis: TestRedis; dataDir: string }
    | undefined;
  if (!stack) return;
  await stack.cognito.stop();
  stack.redis.process?.kill('SIGTERM');
  rmSync(stack.dataDir, { recursive: true, force: true });
}
