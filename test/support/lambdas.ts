// What the Lambda tests share: the Lambdas' environment on the suite's stack, runtimes closed afterwards, captured logs.
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { freePort } from '../../src/dev/local-cognito';
import { LambdaRuntime } from '../../src/lambda/runtime';
import { createLogger } from '../../src/logger';
import { stack, testEnv } from './stack';

/**
 * A Lambda's environment: the service's own variables for the suite's pool and Redis under `prefix` (a TestFleet's,
 * so the fleet's apps read what the Lambda writes). No COGNITO_CLIENT_ID nor secret: a Lambda needs neither.
 */
export function lambdaEnv(prefix: string, overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return testEnv({
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: prefix,
    COGNITO_CLIENT_ID: undefined,
    COGNITO_CLIENT_SECRET: undefined,
    GROUP_SCOPES: undefined,
    ...overrides,
  });
}

/** A URL nothing listens on (Redis or Cognito down): a port the OS just handed out and took back. */
export async function closedUrl(scheme: 'redis' | 'http'): Promise<string> {
  return `${scheme}://127.0.0.1:${await freePort()}`;
}

/** One log line as pino wrote it. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A logger whose lines land in `lines`. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

/** Makes LambdaRuntimes and closes them all at the end. */
export class Runtimes {
  private readonly made: LambdaRuntime[] = [];

  /** A runtime on `env`, logging into a capture. */
  make(env: NodeJS.ProcessEnv): { runtime: LambdaRuntime; lines: LogLine[] } {
    const { logger, lines } = capturingLogger();
    const runtime = new LambdaRuntime(env, { logger });
    this.made.push(runtime);
    return { runtime, lines };
  }

  /** Closes every runtime made. */
  async close(): Promise<void> {
    await Promise.all(this.made.map((runtime) => runtime.close()));
  }
}

/**
 * Loads an entry point's module afresh with `env` as the process environment and calls its exported `handler`
 * with `event`, as Lambda does after a cold start; closes what the cold start opened, and restores the environment.
 */
export async function invokeColdStart(modulePath: string, env: NodeJS.ProcessEnv, event: unknown): Promise<unknown> {
  const saved = process.env;
  // The Lambda's environment alone, but for the suite's silencing of the SDK's notice about Node.js versions.
  process.env = { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: saved.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED };
  try {
    let entry: { handler: ((event: unknown) => Promise<unknown>) & { close(): Promise<void> } } | undefined;
    jest.isolateModules(() => {
      entry = require(modulePath);
    });
    try {
      return await entry!.handler(event);
    } finally {
      await entry!.handler.close();
    }
  } finally {
    process.env = saved;
  }
}
