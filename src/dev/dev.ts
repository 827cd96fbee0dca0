// `npm run dev`: starts cognito-local, provisions the demo pool, and runs the API with reload against it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startLocalCognito } from './local-cognito';
import { followPendingCodes } from './pending-codes';
import { redisAnswers } from './local-redis';
import { DEMO_GROUP_SCOPES, devBaseUrls, provisionLocalPool, type DemoUser } from './provision';

const ROOT = path.resolve(__dirname, '../..');
/** The local stack's data and settings; DEV_LOCAL_DIR moves them (the suite's own test of `npm run dev` does). */
const LOCAL_DIR = process.env.DEV_LOCAL_DIR ?? path.join(ROOT, '.local');
/** Settings of the local stack, for a second instance (`npm run dev:replica`). */
export const DEV_ENV_FILE = path.join(LOCAL_DIR, 'dev.env');

async function portIsFree(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(300) }).then(
    () => false,
    () => true,
  );
}

async function waitForApi(url: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    const up = await fetch(url, { signal: AbortSignal.timeout(500) }).then((r) => r.ok, () => false);
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the API did not come up at ${url}`);
}

/** The Swagger UI intro of the local stack (one line, for .local/dev.env): its demo users and where codes appear. */
function docsIntro(users: DemoUser[]): string {
  const list = users
    .map((u) => `\`${u.username}\` / \`${u.password}\` (${u.mustChangePassword ? 'must set a new password' : u.groups.join(', ')})`)
    .join(', ');
  return (
    `**Local stack** (\`npm run dev\`, cognito-local): Authorize with a demo user: ${list}. ` +
    'Codes Cognito would email or text (sign-up confirmation, password reset) appear in the `npm run dev` console.'
  );
}

/** `--client api` (the default: USER_PASSWORD_AUTH, a secret) or `--client srp`; anything else stops here. */
function clientChoice(): 'api' | 'srp' {
  const at = process.argv.indexOf('--client');
  const choice = at === -1 ? 'api' : process.argv[at + 1];
  if (choice !== 'api' && choice !== 'srp') throw new Error(`--client must be api or srp, not ${choice ?? 'nothing'}`);
  return choice;
}

async function main(): Promise<void> {
  if (existsSync(path.join(ROOT, '.env'))) process.loadEnvFile(path.join(ROOT, '.env'));
  mkdirSync(LOCAL_DIR, { recursive: true });
  // The SDK's notice that it will want Node 22 in 2027 would bury the banner; `npm start` still shows it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  // A stable port keeps the issuer, and so tokens, valid across restarts; any free port otherwise.
  const preferred = Number(process.env.COGNITO_LOCAL_PORT ?? 9229);
  const cognitoPort = (await portIsFree(preferred)) ? preferred : await freePort();
  const cognito = await startLocalCognito({
    dataDir: path.join(LOCAL_DIR, 'cognito'),
    port: cognitoPort,
    listenHost: process.env.COGNITO_LOCAL_LISTEN ?? '127.0.0.1',
  });
  const port = process.env.PORT ?? '3000';
  const replicaPort = process.env.REPLICA_PORT ?? '3001';
  // Swagger UI's code + PKCE flow comes back to oauth2-redirect.html on whichever instance the browser is on.
  const pool = await provisionLocalPool(cognito.endpoint, { callbackBaseUrls: devBaseUrls(port, replicaPort) });

  const localRedis = 'redis://127.0.0.1:6379/0';
  const redisUrl = process.env.REDIS_URL ?? ((await redisAnswers(localRedis)) ? localRedis : undefined);
  // `npm run dev -- --client srp`: sign in through the client without USER_PASSWORD_AUTH (SRP, choice-based sign-in).
  const srp = clientChoice() === 'srp';
  const env: Record<string, string> = {
    COGNITO_ENDPOINT: cognito.endpoint,
    COGNITO_USER_POOL_ID: pool.userPoolId,
    COGNITO_CLIENT_ID: srp ? pool.srpClientId : pool.clientId,
    ...(srp ? {} : { COGNITO_CLIENT_SECRET: pool.clientSecret }),
    // cognito-local serves /oauth2/authorize and /oauth2/token itself: it is its own hosted-UI domain.
    COGNITO_DOMAIN: cognito.endpoint,
    GROUP_SCOPES: process.env.GROUP_SCOPES ?? JSON.stringify(DEMO_GROUP_SCOPES),
    DOCS_INTRO: docsIntro(pool.users),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  // Readable by its owner only, except for docker compose (DEV_API=false), whose API containers read it as the
  // image's non-root user: the demo pool's settings, on a local stack.
  const mode = process.env.DEV_API === 'false' ? 0o644 : 0o600;
  writeFileSync(DEV_ENV_FILE, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode });
  // cognito-local sends no email or SMS: the codes of sign-up, password reset and SMS MFA show up here instead.
  followPendingCodes(cognito.dbDir, (c) =>
    process.stdout.write(`[cognito-local] ${c.purpose} code for ${c.username} (${c.destination || 'no address'}): ${c.code}\n`),
  );

  // DEV_API=false: the local Cognito and its settings only, for API instances started elsewhere (docker compose).
  if (process.env.DEV_API === 'false') {
    process.stdout.write(`Local Cognito ${cognito.endpoint} (pool ${pool.userPoolId}); settings in .local/dev.env\n`);
    const stopStack = () => void cognito.stop().then(() => process.exit(0));
    process.once('SIGINT', stopStack);
    process.once('SIGTERM', stopStack);
    return;
  }

  // Its own process group: tsx watch restarts a child of its own, and stopping the group ends both.
  const api = spawn(process.execPath, [require.resolve('tsx/cli'), 'watch', '--clear-screen=false', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: port },
    stdio: 'inherit',
    detached: true,
  });
  const apiExited = new Promise<void>((resolve) => api.once('exit', () => resolve()));
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const signalApi = (signal: NodeJS.Signals) => {
      try {
        if (api.pid) process.kill(-api.pid, signal);
      } catch {
        // already gone
      }
    };
    signalApi('SIGTERM');
    const forced = setTimeout(() => signalApi('SIGKILL'), 5000);
    await Promise.all([apiExited, cognito.stop()]);
    clearTimeout(forced);
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGHUP', () => void stop(0));
  api.once('exit', (code) => void stop(code ?? 0));

  await waitForApi(`http://127.0.0.1:${port}/healthz`);
  const users = pool.users
    .map((u) => `    ${u.username.padEnd(8)} ${u.password.padEnd(14)} ${u.groups.join(',')}${u.mustChangePassword ? '  (must set a new password)' : ''}`)
    .join('\n');
  process.stdout.write(
    [
      '',
      'Local stack is up:',
      `  API         http://localhost:${port}`,
      `  Swagger UI  http://localhost:${port}/docs`,
      `  Cognito     ${cognito.endpoint} (cognito-local, pool ${pool.userPoolId}, data in .local/cognito)`,
      `  Denylist    ${redisUrl ? `Redis at ${redisUrl}` : 'in-process (no Redis answered on 127.0.0.1:6379)'}`,
      '  Demo users (username, password, groups):',
      users,
      `  A second instance on :${replicaPort} sharing the denylist: npm run dev:replica`,
      '  Codes Cognito would email or text (sign-up, password reset, one-time sign-in) are printed here: "[cognito-local] … code for …".',
      srp
        ? `  App client  srp (${pool.srpClientId}): SRP and choice-based sign-in, no USER_PASSWORD_AUTH; POST /auth/login {"username":"reader"} starts a sign-in with an email code`
        : '  App client  api (USER_PASSWORD_AUTH, a secret); the SRP and choice-based one: npm run dev -- --client srp',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`npm run dev failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
