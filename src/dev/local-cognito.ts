// Starts cognito-local as a child process on a free loopback port, with its data under a folder of ours, behind the
// sign-in flows it lacks (auth-flows.ts, a child process too), which answer on the endpoint clients call.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** A running cognito-local. */
export interface LocalCognito {
  /** e.g. `http://127.0.0.1:40123` */
  endpoint: string;
  /** The process, for tests that stop it on purpose. */
  process: ChildProcess;
  /** Where it keeps its pools, one JSON file each, including the codes it would have emailed or texted. */
  dbDir: string;
  /** Stops it and waits for the exit. */
  stop(): Promise<void>;
}

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number, name = 'cognito-local'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(500) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/**
 * Starts cognito-local with its data in `dataDir/.cognito`. The issuer domain is set to the endpoint, so tokens
 * carry `iss = <endpoint>/<pool id>` (cognito-local's own default would name port 9229 whatever port it uses).
 */
export async function startLocalCognito(options: {
  dataDir: string;
  port?: number;
  quiet?: boolean;
  /** Listen address; loopback unless a container must publish it. The endpoint stays on 127.0.0.1. */
  listenHost?: string;
}): Promise<LocalCognito> {
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const host = options.listenHost ?? '127.0.0.1';
  // cognito-local itself listens on a port of its own; the flows it lacks answer on `port` in front of it.
  const innerPort = await freePort();
  const inner = `http://127.0.0.1:${innerPort}`;
  const configDir = path.join(options.dataDir, '.cognito');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    path.join(configDir, 'config.json'),
    JSON.stringify(
      {
        ServerConfig: { hostname: '127.0.0.1', port: innerPort },
        TokenConfig: { IssuerDomain: endpoint },
        UserPoolDefaults: { UsernameAttributes: [] },
      },
      null,
      2,
    ),
  );
  const bin = require.resolve('cognito-local/lib/bin/start.js');
  const child = spawn(process.execPath, [bin], {
    cwd: options.dataDir,
    env: { ...process.env, PORT: String(innerPort), HOST: '127.0.0.1', DEBUG: '' },
    stdio: options.quiet === false ? 'inherit' : 'ignore',
  });
  const dbDir = path.join(configDir, 'db');
  // Run as this file runs: TypeScript through tsx (npm run dev, the tests, the bench), or built JavaScript.
  const flowsMain = path.join(__dirname, `auth-flows-main${path.extname(__filename)}`);
  const loader = flowsMain.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const flows = spawn(process.execPath, [...loader, flowsMain, inner, dbDir, String(port), host], {
    stdio: ['ignore', 'ignore', options.quiet === false ? 'inherit' : 'ignore'],
  });
  const stopChild = (proc: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  try {
    await waitUntilUp(inner, child, 15_000);
    await waitUntilUp(endpoint, flows, 15_000, 'the local sign-in flows');
  } catch (err) {
    child.kill('SIGKILL');
    flows.kill('SIGKILL');
    throw err;
  }
  return {
    endpoint,
    process: child,
    dbDir,
    stop: async () => {
      await Promise.all([stopChild(flows), stopChild(child)]);
    },
  };
}
