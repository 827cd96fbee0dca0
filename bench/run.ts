// `npm run bench`: the real stack on loopback; the service, its twins and two peers under autocannon in interleaved
// rounds of named phases (bench/phases.ts); the Redis bytes a login and a logout keep; the token cache's memory over
// 1 M tokens; the report (bench/report.ts) printed and written to bench/results/latest.md. BENCH_BASELINE=<git ref>
// adds that ref's service, built apart, to the same rounds.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startLocalCognito } from '../src/dev/local-cognito';
import { findOrStartRedis } from '../src/dev/local-redis';
import { provisionLocalPool, type LocalPool } from '../src/dev/provision';
import { mintAccessToken } from '../test/support/tokens';
import { bundleAuthorizer, measureAuthorizer } from './authorizer';
import { autocannon } from './autocannon';
import { buildBaseline, type Baseline } from './baseline';
import { assertMeAnswers, missingSecurityHeaders, requestLogLines } from './checks';
import { awsJwtVerifyAlone, FreshTokens } from './fresh-tokens';
import { runPhase, type Load } from './measure';
import { startNginx } from './nginx';
import { definePhases, roundOrder, type PhaseName, type Phases, type PhaseServers } from './phases';
import { deleteKeys, measureFootprint } from './redis-footprint';
import { renderReport, type BenchRun, type CacheMemorySample, type Row } from './report';
import { pinning, startServer, type Pinning, type Server } from './servers';

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LOAD: Load = { seconds: Number(process.env.BENCH_SECONDS ?? 5), connections: Number(process.env.BENCH_CONNECTIONS ?? 32) };
const FRESH_PER_ROUND = Number(process.env.BENCH_FRESH_TOKENS ?? 40_000);
const CACHE_TOKENS = Number(process.env.BENCH_CACHE_TOKENS ?? 1_000_000);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const LOGGED_OUT = Number(process.env.BENCH_LOGGED_OUT ?? 1_000_000);
/** Warm invocations of the Lambda authorizer a round. */
const AUTHORIZER_INVOCATIONS = Number(process.env.BENCH_AUTHORIZER_INVOCATIONS ?? 10_000);
/** A git ref whose service runs beside this tree's in the same rounds; none by default. */
const BASELINE = process.env.BENCH_BASELINE || undefined;
/**
 * Two Redis databases the bench has to itself (it refuses to start unless both are empty): the service reads the
 * first; the second is filled with LOGGED_OUT logged-out sessions, and SWAPDB trades the two under the running
 * service for the phase that reads past them, so the same process is measured with and without them.
 */
const SERVICE_DB = Number(process.env.BENCH_DB ?? 1);
const LOADED_DB = SERVICE_DB + 1;

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** `url` with its database number set to `db`. */
function withDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

/** An introspection caller of the service's (INTROSPECTION_CLIENTS), as the `introspect` row authenticates. */
interface IntrospectionClient {
  id: string;
  secret: string;
}

/** The environment of the service (and of the peers, which read what they need of it). */
function serviceEnv(cognitoEndpoint: string, pool: LocalPool, redisUrl: string, keyPrefix: string, caller: IntrospectionClient): Record<string, string> {
  const issuer = `${cognitoEndpoint}/${pool.userPoolId}`;
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    COGNITO_ENDPOINT: cognitoEndpoint,
    COGNITO_USER_POOL_ID: pool.userPoolId,
    COGNITO_CLIENT_ID: pool.clientId,
    COGNITO_CLIENT_SECRET: pool.clientSecret,
    COGNITO_ISSUER: issuer,
    COGNITO_JWKS_URI: `${issuer}/.well-known/jwks.json`,
    GROUP_SCOPES: '{"readers":["books/read"]}',
    REDIS_URL: withDb(redisUrl, SERVICE_DB),
    REDIS_KEY_PREFIX: keyPrefix,
    PUBLIC_URL: 'http://127.0.0.1',
    INTROSPECTION_CLIENTS: `${caller.id}:${caller.secret}`,
    // Every request of the `revoke` row comes from 127.0.0.1: past the default 100 a window it would measure 429s.
    // The budget still counts each one in Redis, as it does in production.
    LOGIN_IP_RATE_LIMIT: String(1_000_000_000),
  };
}

/** Resolves once `url` answers at all (any status). */
async function answers(url: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (await fetch(url).then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} does not answer`);
}

/**
 * Starts every server the phases load, adding each to `started` as it comes up (so a failure still stops them), and
 * each nginx to `proxies` (stopped with SIGTERM: a SIGKILLed master leaves its worker running).
 */
async function startServers(
  env: Record<string, string>,
  pin: Pinning,
  work: string,
  baseline: Baseline | undefined,
  started: Server[],
  proxies: Server[],
): Promise<PhaseServers> {
  const start = async (name: string, script: string, options: { env?: Record<string, string>; cwd?: string; loopLag?: boolean } = {}) => {
    const loopLagFile = options.loopLag ? path.join(work, 'loop-lag.json') : undefined;
    const server = await startServer(
      {
        name,
        script: loopLagFile ? ['-r', path.join(ROOT, 'bench/loop-lag.cjs'), script] : [script],
        env: { ...env, ...options.env, ...(loopLagFile ? { LOOP_LAG_FILE: loopLagFile } : {}) },
        cwd: options.cwd ?? ROOT,
        loopLagFile,
      },
      pin,
      work,
    );
    started.push(server);
    return server;
  };
  const doorPort = await freePort();
  const service = await start('service', 'dist/main.js', { loopLag: true, env: { FORWARD_AUTH_PORT: String(doorPort) } });
  // The door is the service's own process on its second port: its rows read that process's CPU and event-loop delay.
  const door: Server = { ...service, name: 'service-door', url: `http://127.0.0.1:${doorPort}` };
  await answers(`${door.url}/auth/verify`);
  const floor = await start('floor', 'bench/peers/floor.cjs');
  const floorCheck = await start('floor-check', 'bench/peers/floor.cjs', { env: { FLOOR_CHECK: '1' } });
  const nginx = async (name: string, auth: boolean) => {
    const proxy = await startNginx(name, auth, { service, door, api: floor }, pin, work);
    proxies.push(proxy);
    return proxy;
  };
  const servers: PhaseServers = {
    service,
    door,
    floor,
    floorCheck,
    nginxAuth: await nginx('nginx-auth', true),
    nginxPlain: await nginx('nginx-plain', false),
    // The same service with Prometheus metrics on (METRICS_PORT), to show what they cost on the hot path.
    metricsOn: await start('service-metrics', 'dist/main.js', { env: { METRICS_PORT: String(await freePort()) } }),
    // The control: a second process identical to the service, to show what two identical processes differ by here.
    control: await start('service-twin', 'dist/main.js'),
    peerBare: await start('peer-bare', 'bench/peers/tutorial.cjs', { env: { PEER_STACK: 'bare' } }),
    peerStack: await start('peer-stack', 'bench/peers/tutorial.cjs', { env: { PEER_STACK: 'stack' } }),
    baseline: baseline && { ref: baseline.ref, server: await start('baseline', 'dist/main.js', { cwd: baseline.dir }) },
  };
  // Each service loads its signing keys before the first token reaches it.
  for (const server of [servers.service, servers.metricsOn, servers.control, servers.baseline?.server]) if (server) await fetch(`${server.url}/readyz`);
  return servers;
}

/** Runs every phase once a round, ROUNDS rounds, in the order roundOrder gives; each phase's samples, by name. */
async function runRounds(phases: Phases): Promise<Partial<Record<PhaseName, Row>>> {
  const rows: Partial<Record<PhaseName, Row>> = {};
  for (const [name, phase] of Object.entries(phases) as [PhaseName, NonNullable<Phases[PhaseName]>][]) rows[name] = { label: phase.label, samples: [] };
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const name of roundOrder(phases, round)) {
      const phase = phases[name]!;
      log(`round ${round}/${ROUNDS}: ${phase.label}`);
      await phase.before?.();
      const sample = await runPhase(phase, LOAD);
      await phase.after?.();
      if (sample.failures > 0) throw new Error(`${phase.label}: ${sample.failures} failed requests of ${sample.requests}`);
      rows[name]!.samples.push(sample);
    }
  }
  return rows;
}

/**
 * The request log stays on: the lines at info `service` wrote against the requests its phases sent it, counted once
 * it has exited (it is stopped here).
 */
async function requestLogOf(service: Server, phases: Phases, rows: Partial<Record<PhaseName, Row>>): Promise<BenchRun['requestLog']> {
  const served = (Object.keys(phases) as PhaseName[])
    .filter((name) => phases[name]!.server === service)
    .reduce((sum, name) => sum + rows[name]!.samples.reduce((s, x) => s + x.requests, 0), 0);
  service.child.kill('SIGTERM');
  await new Promise((resolve) => service.child.once('exit', resolve));
  return { lines: requestLogLines(service.logFile), requests: served };
}

/** Runs bench/cache-memory.ts in its own process (with --expose-gc) and returns its samples. */
function cacheMemory(): CacheMemorySample[] {
  const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/cache-memory.ts', String(CACHE_TOKENS)], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output) as CacheMemorySample[];
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}`;
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist/main.js'))) throw new Error('dist/main.js is missing: run `npm run build` (npm run bench does)');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const pin = pinning();
  log(pin.pinned ? 'servers on core 0, load generator on core 1' : 'one core or no taskset: nothing pinned');

  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const redisInfo = await findOrStartRedis();
  const cognito = await startLocalCognito({ dataDir: work });
  const redis = new Redis(withDb(redisInfo.url, LOADED_DB));
  // As long as the default `auth:` give or take a few characters: a key's length decides its allocation in Redis.
  const prefix = `b${randomBytes(3).toString('hex')}:`;
  let swapped = false;
  /** Trades the service's database for the one with the logged-out sessions, or back. */
  const swapDatabases = async () => {
    await redis.swapdb(SERVICE_DB, LOADED_DB);
    swapped = !swapped;
  };
  const servers: Server[] = [];
  const proxies: Server[] = [];
  try {
    for (const db of [SERVICE_DB, LOADED_DB]) {
      const size = await redis.select(db).then(() => redis.dbsize());
      if (size > 0) throw new Error(`Redis database ${db} holds ${size} keys: the bench needs databases ${SERVICE_DB} and ${LOADED_DB} empty (BENCH_DB)`);
    }
    await redis.select(LOADED_DB);
    // First, so a ref that doesn't build stops the bench before the minutes the footprint takes.
    const baseline = BASELINE ? buildBaseline(BASELINE, ROOT, path.join(work, 'baseline'), log) : undefined;
    const pool = await provisionLocalPool(cognito.endpoint, { poolName: 'bench-pool' });
    const caller: IntrospectionClient = { id: 'bench-gateway', secret: randomBytes(16).toString('hex') };
    const env = serviceEnv(cognito.endpoint, pool, redisInfo.url, prefix, caller);
    const footprint = await measureFootprint(redis, prefix, SESSIONS, LOGGED_OUT, log);
    const started = await startServers(env, pin, work, baseline, servers, proxies);

    const mint = () => mintAccessToken(env.COGNITO_ISSUER!, pool.clientId, { username: 'bench-user', 'cognito:groups': ['readers'] });
    const warm = mint();
    // The `revoke` row's token: mint() draws each token's sub and jti afresh, so its session is not `warm`'s.
    const revoked = mint();
    await assertMeAnswers(started.service.url, revoked, 200);
    const introspectionCaller = `Basic ${Buffer.from(`${caller.id}:${caller.secret}`).toString('base64')}`;
    // Every security header the peer's helmet() sends, the service sends too, on every row's route.
    const securityHeaders = await missingSecurityHeaders(started.peerStack.url, started.service.url, { warm, introspectionCaller, revoked });
    // The door answers a fresh token faster than /auth/me does (about 2.5× as many in a phase): its pool is 3× the fresh row's.
    log(`minting ${4 * FRESH_PER_ROUND * ROUNDS} fresh tokens (the fresh row's, and 3× as many for doorFresh)…`);
    const alone = { issuer: env.COGNITO_ISSUER!, jwksUri: env.COGNITO_JWKS_URI!, clientId: pool.clientId, pin, cwd: ROOT, workDir: work };
    const freshPool = (size: number) => new FreshTokens(Array.from({ length: size }, mint), (tokens) => awsJwtVerifyAlone(tokens, alone));
    const fresh = freshPool(FRESH_PER_ROUND * ROUNDS);
    const doorFresh = freshPool(3 * FRESH_PER_ROUND * ROUNDS);
    const phases = definePhases(started, { warm, fresh, doorFresh, introspectionCaller, revoked, loggedOut: LOGGED_OUT, swapDatabases });

    log('warming up each server for 2 s');
    const warmUp = (url: string) => autocannon({ url, connections: 10, duration: 2, headers: { authorization: `Bearer ${warm}` } });
    for (const server of servers) await warmUp(`${server.url}/auth/me`);
    await warmUp(`${started.door.url}/auth/verify`);
    for (const proxy of proxies) await warmUp(`${proxy.url}/api/bench`);
    const rows = await runRounds(phases);

    const requestLog = await requestLogOf(started.service, phases, rows);

    log(`Lambda authorizer: bundling it with esbuild, ${ROUNDS} × ${AUTHORIZER_INVOCATIONS} warm invocations, cold starts`);
    const bundle = bundleAuthorizer(ROOT, work);
    const authorizer = measureAuthorizer(bundle, env, warm, { pin, cwd: ROOT, rounds: ROUNDS, invocations: AUTHORIZER_INVOCATIONS });

    log(`pushing ${CACHE_TOKENS} distinct tokens through the verified-token cache`);
    const memory = cacheMemory();
    const run: BenchRun = {
      at: new Date(),
      machine: machine(),
      settings: { rounds: ROUNDS, ...LOAD, pinned: pin.pinned, sessions: SESSIONS, loggedOut: LOGGED_OUT, cacheTokens: CACHE_TOKENS, baselineRef: baseline?.ref },
      rows,
      awsJwtVerifyAlone: fresh.awsJwtVerifyAlone,
      doorAwsJwtVerifyAlone: doorFresh.awsJwtVerifyAlone,
      authorizer,
      footprint,
      cacheMemory: memory,
      requestLog,
      securityHeaders,
    };
    const report = renderReport(run);
    process.stdout.write(`${report}\n`);
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/latest.md'), report);
    log('written to bench/results/latest.md');
  } finally {
    for (const server of servers) server.child.kill('SIGKILL');
    for (const proxy of proxies) {
      const exited = new Promise((resolve) => proxy.child.once('exit', resolve));
      if (proxy.child.exitCode === null && proxy.child.kill('SIGTERM')) await exited;
    }
    await cognito.stop();
    log("deleting the bench's keys");
    if (swapped) await swapDatabases();
    for (const db of [LOADED_DB, SERVICE_DB]) await redis.select(db).then(() => deleteKeys(redis, prefix));
    redis.disconnect();
    redisInfo.process?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
