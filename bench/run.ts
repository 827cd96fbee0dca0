// `npm run bench`: the real stack on loopback, the service and two peers under autocannon, interleaved rounds,
// medians in a table (printed and written to bench/results/latest.md), plus the token cache's memory over 1M tokens.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID, createPrivateKey, sign } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import privateKey from 'cognito-local/lib/keys/cognitoLocal.private.json';
import { freePort, startLocalCognito } from '../src/dev/local-cognito';
import { findOrStartRedis } from '../src/dev/local-redis';
import { provisionLocalPool } from '../src/dev/provision';
import { autocannon, type AutocannonResult } from './autocannon';

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const FRESH_PER_ROUND = Number(process.env.BENCH_FRESH_TOKENS ?? 15_000);
const CACHE_TOKENS = Number(process.env.BENCH_CACHE_TOKENS ?? 1_000_000);
const CLOCK_TICKS = 100;

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** Pins the load generator to the last core and servers to the first, when there are two cores and taskset. */
function pinning(): { server: string[]; pinned: boolean } {
  const cores = os.cpus().length;
  const hasTaskset = (() => {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (cores < 2 || !hasTaskset) return { server: [], pinned: false };
  execFileSync('taskset', ['-cp', String(cores - 1), String(process.pid)], { stdio: 'ignore' });
  return { server: ['taskset', '-c', '0'], pinned: true };
}

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

async function startServer(name: string, script: string[], env: Record<string, string>, prefix: string[], logDir: string): Promise<Server> {
  const port = await freePort();
  const command = [...prefix, process.execPath, ...script];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(path.join(logDir, `${name}.log`));
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    const ready = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ready) return { name, url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not start; see ${path.join(logDir, `${name}.log`)}`);
}

/** CPU time (user + system) of a process so far, in microseconds, from /proc. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
}

function mintToken(key: ReturnType<typeof createPrivateKey>, issuer: string, clientId: string, sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal' })}.${b64({
    sub,
    username: 'bench-user',
    client_id: clientId,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    'cognito:groups': ['readers'],
    jti: randomUUID(),
    iss: issuer,
    iat: now,
    auth_time: now,
    exp: now + 3600,
  })}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

interface Phase {
  name: string;
  server: Server;
  path: string;
  /** Authorization header per request; undefined for none. */
  token?: () => string;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuPerRequest: number;
  requests: number;
  failures: number;
}

async function runPhase(phase: Phase): Promise<Sample> {
  const pid = phase.server.child.pid!;
  const cpuBefore = cpuMicros(pid);
  const started = process.hrtime.bigint();
  const token = phase.token;
  const result: AutocannonResult = await autocannon({
    url: phase.server.url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'GET',
        path: phase.path,
        setupRequest: (request) => (token ? { ...request, headers: { ...request.headers, authorization: `Bearer ${token()}` } } : request),
      },
    ],
  });
  const cpu = cpuMicros(pid) - cpuBefore;
  // Wall time measured here: autocannon reports whole seconds, which skews runs of a fixed request count.
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const requests = result.requests.total;
  return {
    rps: requests / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequest: cpu / Math.max(1, requests),
    requests,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs bench/cache-memory.ts in its own process (with --expose-gc) and returns its samples. */
function cacheMemory(): { tokens: number; rssMb: number; heapMb: number }[] {
  const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/cache-memory.ts', String(CACHE_TOKENS)], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output) as { tokens: number; rssMb: number; heapMb: number }[];
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
  const pool = await provisionLocalPool(cognito.endpoint, { poolName: 'bench-pool' });
  const prefix = `bench:${randomUUID()}:`;
  const issuer = `${cognito.endpoint}/${pool.userPoolId}`;
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    COGNITO_ENDPOINT: cognito.endpoint,
    COGNITO_USER_POOL_ID: pool.userPoolId,
    COGNITO_CLIENT_ID: pool.clientId,
    COGNITO_CLIENT_SECRET: pool.clientSecret,
    COGNITO_ISSUER: issuer,
    COGNITO_JWKS_URI: `${issuer}/.well-known/jwks.json`,
    GROUP_SCOPES: '{"readers":["books/read"]}',
    REDIS_URL: redisInfo.url,
    REDIS_KEY_PREFIX: prefix,
    LOOP_LAG_FILE: path.join(work, 'loop-lag.json'),
  };
  const servers: Server[] = [];
  try {
    const service = await startServer('service', ['-r', './bench/loop-lag.cjs', 'dist/main.js'], env, pin.server, work);
    // The same service with Prometheus metrics on (METRICS_PORT), to show what they cost on the hot path.
    const metricsPort = String(await freePort());
    const withMetrics = await startServer(
      'service-metrics',
      ['-r', './bench/loop-lag.cjs', 'dist/main.js'],
      { ...env, METRICS_PORT: metricsPort, LOOP_LAG_FILE: `${env.LOOP_LAG_FILE}.metrics` },
      pin.server,
      work,
    );
    const tutorial = await startServer('tutorial', ['bench/peers/tutorial.cjs'], env, pin.server, work);
    const auth0 = await startServer('auth0', ['bench/peers/auth0.cjs'], env, pin.server, work);
    servers.push(service, withMetrics, tutorial, auth0);
    await fetch(`${service.url}/readyz`);
    await fetch(`${withMetrics.url}/readyz`);

    const key = createPrivateKey(privateKey.pem);
    const warm = mintToken(key, issuer, pool.clientId, randomUUID());
    log(`minting ${FRESH_PER_ROUND * ROUNDS} fresh tokens…`);
    const fresh = Array.from({ length: FRESH_PER_ROUND * ROUNDS }, () => mintToken(key, issuer, pool.clientId, randomUUID()));
    let next = 0;

    const phases: Phase[] = [
      { name: 'service /healthz', server: service, path: '/healthz' },
      { name: 'service /auth/me, warm token', server: service, path: '/auth/me', token: () => warm },
      { name: 'service /auth/me, fresh token each request', server: service, path: '/auth/me', token: () => fresh[next++]! },
      { name: 'service /auth/verify (forward auth), warm token', server: service, path: '/auth/verify', token: () => warm },
      { name: 'service /auth/me, warm token, metrics on', server: withMetrics, path: '/auth/me', token: () => warm },
      { name: 'peer "tutorial" /auth/me (verify + HMGET each request)', server: tutorial, path: '/auth/me', token: () => warm },
      { name: 'peer "auth0" /auth/me (express-oauth2-jwt-bearer, no denylist)', server: auth0, path: '/auth/me', token: () => warm },
    ];

    log('warming up each server for 2 s');
    for (const server of servers) {
      await autocannon({ url: `${server.url}/auth/me`, connections: 10, duration: 2, headers: { authorization: `Bearer ${warm}` } });
    }

    const samples = new Map<string, Sample[]>(phases.map((p) => [p.name, []]));
    const lag: { p50: number; p99: number; max: number }[] = [];
    // Metrics off and on are two processes: they run back to back, in the opposite order every other round (ABBA),
    // so that neither always follows the same phase.
    const off = phases.findIndex((p) => p.name === 'service /auth/me, warm token');
    const on = phases.findIndex((p) => p.name === 'service /auth/me, warm token, metrics on');
    const inOrder = phases.filter((_, i) => i !== on);
    for (let round = 1; round <= ROUNDS; round += 1) {
      const pair = round % 2 ? [phases[off]!, phases[on]!] : [phases[on]!, phases[off]!];
      const order = inOrder.flatMap((phase) => (phase === phases[off] ? pair : [phase]));
      for (const phase of order) {
        log(`round ${round}/${ROUNDS}: ${phase.name}`);
        if (phase.server === service || phase.server === withMetrics) phase.server.child.kill('SIGUSR2');
        const sample = await runPhase(phase);
        if (phase.server === service) {
          service.child.kill('SIGUSR2');
          await new Promise((resolve) => setTimeout(resolve, 100));
          lag.push(JSON.parse(readFileSync(env.LOOP_LAG_FILE, 'utf8')) as { p50: number; p99: number; max: number });
        } else if (phase.server === withMetrics) {
          withMetrics.child.kill('SIGUSR2');
        }
        if (sample.failures > 0) throw new Error(`${phase.name}: ${sample.failures} failed requests of ${sample.requests}`);
        if (next > fresh.length) throw new Error(`ran out of fresh tokens (${fresh.length}): raise BENCH_FRESH_TOKENS`);
        samples.get(phase.name)!.push(sample);
      }
    }

    log(`pushing ${CACHE_TOKENS} distinct tokens through the verified-token cache`);
    const memory = cacheMemory();

    const rows = phases.map((phase) => {
      const list = samples.get(phase.name)!;
      return {
        name: phase.name,
        rps: median(list.map((s) => s.rps)),
        p50: median(list.map((s) => s.p50)),
        p99: median(list.map((s) => s.p99)),
        cpu: median(list.map((s) => s.cpuPerRequest)),
        cpuMin: Math.min(...list.map((s) => s.cpuPerRequest)),
        cpuMax: Math.max(...list.map((s) => s.cpuPerRequest)),
      };
    });
    const byName = (name: string) => rows.find((r) => r.name.startsWith(name))!;
    const healthz = byName('service /healthz');
    const meWarm = byName('service /auth/me, warm token');
    const meFresh = byName('service /auth/me, fresh');
    const verify = byName('service /auth/verify');
    const metricsOn = byName('service /auth/me, warm token, metrics on');
    const tut = byName('peer "tutorial"');
    const a0 = byName('peer "auth0"');
    // Flatness is judged once the cache has been full for a while (from 20 % of the tokens on).
    const afterFill = memory.filter((m) => m.tokens >= CACHE_TOKENS * 0.2);
    const rssMin = Math.min(...afterFill.map((m) => m.rssMb));
    const rssMax = Math.max(...afterFill.map((m) => m.rssMb));
    const rssSpread = (rssMax - rssMin) / rssMin;
    const targets: [string, number, number][] = [
      ['warm token ≥ 0.90 × /healthz', meWarm.rps / healthz.rps, 0.9],
      ['fresh token ≥ 0.70 × /healthz', meFresh.rps / healthz.rps, 0.7],
      ['warm token ≥ 1.5 × tutorial peer', meWarm.rps / tut.rps, 1.5],
      ['warm token ≥ 1.5 × auth0 peer', meWarm.rps / a0.rps, 1.5],
      // Ratios of CPU per request, inverted so that higher is better like the rest: ≥ 0.95 means ≤ 5 % more CPU.
      ['/auth/verify costs no more than /auth/me (CPU, ≥ 0.95)', meWarm.cpu / verify.cpu, 0.95],
      ['metrics on cost no more than off (CPU of /auth/me, ≥ 0.95)', meWarm.cpu / metricsOn.cpu, 0.95],
    ];

    const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    const table = [
      `# Benchmark results`,
      '',
      `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${machine()}`,
      `${ROUNDS} interleaved rounds, medians · autocannon, ${CONNECTIONS} connections, ${SECONDS} s per phase, each fresh token used once · ` +
        (pin.pinned ? 'server on core 0, load generator on core 1, Redis where the OS puts it' : 'not pinned') +
        ' · NODE_ENV=production, info logging to a file, Redis and cognito-local on loopback',
      '',
      '| phase | req/s | p50 ms | p99 ms | server CPU µs/req (min–max over rounds) | ÷ /healthz |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.cpu)} (${fmt(r.cpuMin)}–${fmt(r.cpuMax)}) | ${fmt(r.rps / healthz.rps, 2)} |`,
      ),
      '',
      '| target | measured | met |',
      '|---|---:|:---:|',
      ...targets.map(([name, value, goal]) => `| ${name} | ${fmt(value, 2)} | ${value >= goal ? 'yes' : 'no'} |`),
      `| token cache RSS flat (±10 %) over ${fmt(CACHE_TOKENS)} distinct tokens | ${fmt(rssMin)}–${fmt(rssMax)} MB (spread ${fmt(rssSpread * 100, 1)} %) | ${rssSpread <= 0.1 ? 'yes' : 'no'} |`,
      '',
      `Event-loop delay of the service under this load (median of its phases' p99): ${fmt(median(lag.map((l) => l.p99)), 1)} ms, max ${fmt(Math.max(...lag.map((l) => l.max)), 1)} ms.`,
      '',
      `Cache memory (tokens → RSS / V8 heap used, MB; cache of 10,000 entries, stand-in verifier, after full GC): ${memory
        .map((m) => `${fmt(m.tokens)} → ${fmt(m.rssMb)} / ${fmt(m.heapMb)}`)
        .join(', ')}.`,
      '',
    ].join('\n');
    process.stdout.write(`${table}\n`);
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/latest.md'), table);
    log('written to bench/results/latest.md');
  } finally {
    for (const server of servers) server.child.kill('SIGKILL');
    await cognito.stop();
    const redis = new Redis(redisInfo.url);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    redisInfo.process?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
