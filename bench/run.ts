// `npm run bench`: the real stack on loopback; the service and two peers under autocannon in interleaved rounds,
// medians in a table (printed, and written to bench/results/latest.md); the Redis bytes a login and a logout keep;
// the token cache's memory over 1 M tokens; and a sizing table worked out from what was measured.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID, createPrivateKey, sign } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import privateKey from 'cognito-local/lib/keys/cognitoLocal.private.json';
import { freePort, startLocalCognito } from '../src/dev/local-cognito';
import { findOrStartRedis } from '../src/dev/local-redis';
import { provisionLocalPool } from '../src/dev/provision';
import { autocannon } from './autocannon';
import { deleteKeys, measureFootprint, type Footprint } from './redis-footprint';

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const FRESH_PER_ROUND = Number(process.env.BENCH_FRESH_TOKENS ?? 20_000);
const CACHE_TOKENS = Number(process.env.BENCH_CACHE_TOKENS ?? 1_000_000);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const LOGGED_OUT = Number(process.env.BENCH_LOGGED_OUT ?? 1_000_000);
/**
 * Two Redis databases the bench has to itself (it refuses to start unless both are empty): the service reads the
 * first; the second is filled with LOGGED_OUT logged-out sessions, and SWAPDB trades the two under the running
 * service for the phase that reads past them, so the same process is measured with and without them.
 */
const SERVICE_DB = Number(process.env.BENCH_DB ?? 1);
const LOADED_DB = SERVICE_DB + 1;
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
  /** Where its standard output and error go: the service's request log. */
  logFile: string;
}

async function startServer(name: string, script: string[], env: Record<string, string>, prefix: string[], logDir: string): Promise<Server> {
  const port = await freePort();
  const command = [...prefix, process.execPath, ...script];
  const logFile = path.join(logDir, `${name}.log`);
  const out = openSync(logFile, 'w');
  // The log goes straight to a file, not through this process, which shares its core with the load generator.
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    const ready = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ready) return { name, url, child, logFile };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not start; see ${logFile}`);
}

/** CPU time (user + system, all threads) of a process so far, in microseconds, from /proc. */
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
  const result = await autocannon({
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

/** `url` with its database number set to `db`. */
function withDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

/** The names of the response headers of GET `url` (lower case). */
async function headerNames(url: string, token?: string): Promise<Set<string>> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }).catch((err: Error) => {
    throw new Error(`${url}: ${err.message} (${(err.cause as Error | undefined)?.message ?? 'no cause'})`);
  });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new Set(response.headers.keys());
}

/** Assumptions of the sizing table; every other figure in it is measured by this run. */
const SIZING = {
  protectedPerUserDay: 200,
  refreshesPerUserDay: 8,
  peakToAverage: 4,
  loginWindowSeconds: 900,
  sessionTtlDays: 30,
};

/** Redis memory, Redis operations and API cores for a number of daily users, each logging in and out once a day. */
function sizing(dailyUsers: number, footprint: Footprint, cpuMicrosPerRequest: number) {
  const perSecond = (perDay: number) => (perDay / 86_400) * SIZING.peakToAverage;
  // A logout that revokes its refresh token keeps its entry ≤ 1 day; one without, for the refresh token lifetime.
  const counters = perSecond(dailyUsers) * SIZING.loginWindowSeconds * footprint.rateLimitCounter;
  const perLogin = Math.max(0, footprint.loginAmazon);
  const bestBytes = dailyUsers * footprint.logout + dailyUsers * perLogin + counters;
  const worstBytes = SIZING.sessionTtlDays * dailyUsers * footprint.logout + dailyUsers * perLogin + counters;
  const protectedPeak = perSecond(dailyUsers * SIZING.protectedPerUserDay);
  // Redis commands: 1 MGET per protected request; a login 2 budget scripts; a refresh 1 budget script, 1 GET and
  // 1 MGET; a logout with its refresh token 1 GET and 2 SETs.
  const opsPeak = protectedPeak + perSecond(dailyUsers * (2 + 3 * SIZING.refreshesPerUserDay + 3));
  const cores = (protectedPeak * cpuMicrosPerRequest) / 1e6;
  return { dailyUsers, bestBytes, worstBytes, opsPeak, protectedPeak, cores };
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
  // As long as the default `auth:` give or take a few characters: a key's length decides its allocation in Redis.
  const prefix = `b${randomBytes(3).toString('hex')}:`;
  const serviceUrl = withDb(redisInfo.url, SERVICE_DB);
  const loaded = new Redis(withDb(redisInfo.url, LOADED_DB));
  for (const db of [SERVICE_DB, LOADED_DB]) {
    const size = await loaded.select(db).then(() => loaded.dbsize());
    if (size > 0) throw new Error(`Redis database ${db} holds ${size} keys: the bench needs databases ${SERVICE_DB} and ${LOADED_DB} empty (BENCH_DB)`);
  }
  await loaded.select(LOADED_DB);
  let swapped = false;
  /** Trades the service's database for the one with the logged-out sessions, or back. */
  const swap = async () => {
    await loaded.swapdb(SERVICE_DB, LOADED_DB);
    swapped = !swapped;
  };
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
    REDIS_URL: serviceUrl,
    REDIS_KEY_PREFIX: prefix,
    PUBLIC_URL: 'http://127.0.0.1',
    LOOP_LAG_FILE: path.join(work, 'loop-lag.json'),
  };
  const servers: Server[] = [];
  try {
    const footprint = await measureFootprint(loaded, prefix, SESSIONS, LOGGED_OUT, log);

    const service = await startServer('service', ['-r', './bench/loop-lag.cjs', 'dist/main.js'], env, pin.server, work);
    // The same service with Prometheus metrics on (METRICS_PORT), to show what they cost on the hot path.
    const withMetrics = await startServer(
      'service-metrics',
      ['dist/main.js'],
      { ...env, METRICS_PORT: String(await freePort()) },
      pin.server,
      work,
    );
    // The control: a second process identical to the service, to show what two identical processes differ by here.
    const twin = await startServer('service-twin', ['dist/main.js'], env, pin.server, work);
    const bare = await startServer('peer-bare', ['bench/peers/tutorial.cjs'], { ...env, PEER_STACK: 'bare' }, pin.server, work);
    const stack = await startServer('peer-stack', ['bench/peers/tutorial.cjs'], { ...env, PEER_STACK: 'stack' }, pin.server, work);
    servers.push(service, withMetrics, twin, bare, stack);
    for (const server of [service, withMetrics, twin]) await fetch(`${server.url}/readyz`);

    const key = createPrivateKey(privateKey.pem);
    const warm = mintToken(key, issuer, pool.clientId, randomUUID());
    // Every security header the peer's helmet() sends, the service sends too, on every row's route.
    const helmetNames = [...(await headerNames(`${stack.url}/auth/me`, warm))].filter((name) => !['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'etag'].includes(name));
    const missing = new Set<string>();
    for (const [route, token] of [['/healthz'], ['/auth/me', warm], ['/auth/verify', warm]] as [string, string?][]) {
      const names = await headerNames(`${service.url}${route}`, token);
      for (const name of helmetNames) if (!names.has(name)) missing.add(`${name} on ${route}`);
    }

    log(`minting ${FRESH_PER_ROUND * ROUNDS} fresh tokens…`);
    const fresh = Array.from({ length: FRESH_PER_ROUND * ROUNDS }, () => mintToken(key, issuer, pool.clientId, randomUUID()));
    let next = 0;

    const phases: Phase[] = [
      { name: 'service /healthz', server: service, path: '/healthz' },
      { name: 'service /auth/me, warm token', server: service, path: '/auth/me', token: () => warm },
      { name: 'service /auth/me, warm token, metrics on', server: withMetrics, path: '/auth/me', token: () => warm },
      { name: `service /auth/me, warm token, ${LOGGED_OUT.toLocaleString('en-US')} logged-out sessions in Redis`, server: service, path: '/auth/me', token: () => warm },
      { name: 'control: a second, identical service process, /auth/me, warm token', server: twin, path: '/auth/me', token: () => warm },
      { name: 'service /auth/me, fresh token each request', server: service, path: '/auth/me', token: () => fresh[next++]! },
      { name: 'service /auth/verify (forward auth), warm token', server: service, path: '/auth/verify', token: () => warm },
      { name: 'peer "bare" /auth/me (aws-jwt-verify + HMGET each request; no log, no security headers)', server: bare, path: '/auth/me', token: () => warm },
      { name: 'peer "production stack" /auth/me (the same + pino-http info line + helmet)', server: stack, path: '/auth/me', token: () => warm },
    ];

    log('warming up each server for 2 s');
    for (const server of servers) {
      await autocannon({ url: `${server.url}/auth/me`, connections: 10, duration: 2, headers: { authorization: `Bearer ${warm}` } });
    }

    const samples = new Map<string, Sample[]>(phases.map((p) => [p.name, []]));
    const lag: { p50: number; p99: number; max: number }[] = [];
    // Metrics on, and the control, are processes of their own: the warm-token phases run back to back, in the
    // opposite order every other round, so that none always follows the same one. The logged-out sessions row is
    // the service's own process, its database swapped for the loaded one, next to the plain warm row, so the two
    // differ in what Redis holds only.
    const [healthzPhase, warmPhase, metricsPhase, loadedPhase, twinPhase, ...rest] = phases as [Phase, Phase, Phase, Phase, Phase, ...Phase[]];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const group = [warmPhase, loadedPhase, metricsPhase, twinPhase];
      const order = round % 2 ? group : group.reverse();
      for (const phase of [healthzPhase, ...order, ...rest]) {
        log(`round ${round}/${ROUNDS}: ${phase.name}`);
        if (phase === loadedPhase) await swap();
        if (phase.server === service) service.child.kill('SIGUSR2');
        const sample = await runPhase(phase);
        if (phase.server === service) {
          service.child.kill('SIGUSR2');
          await new Promise((resolve) => setTimeout(resolve, 100));
          lag.push(JSON.parse(readFileSync(env.LOOP_LAG_FILE, 'utf8')) as { p50: number; p99: number; max: number });
        }
        if (phase === loadedPhase) await swap();
        if (sample.failures > 0) throw new Error(`${phase.name}: ${sample.failures} failed requests of ${sample.requests}`);
        if (next > fresh.length) throw new Error(`ran out of fresh tokens (${fresh.length}): raise BENCH_FRESH_TOKENS`);
        samples.get(phase.name)!.push(sample);
      }
    }

    // The request log stays on: the service wrote one line per request it answered (counted once it has exited).
    const served = phases.filter((p) => p.server === service).reduce((sum, p) => sum + samples.get(p.name)!.reduce((s, x) => s + x.requests, 0), 0);
    service.child.kill('SIGTERM');
    await new Promise((resolve) => service.child.once('exit', resolve));
    const logLines = readFileSync(service.logFile, 'utf8').split('\n').filter((line) => line.includes('"msg":"request completed"') && line.includes('"level":30')).length;

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
    const [healthz, meWarm, , , meTwin] = rows as [typeof rows[0], ...typeof rows];
    // Flatness is judged once the cache has been full for a while (from 20 % of the tokens on).
    const afterFill = memory.filter((m) => m.tokens >= CACHE_TOKENS * 0.2);
    const rssMin = Math.min(...afterFill.map((m) => m.rssMb));
    const rssMax = Math.max(...afterFill.map((m) => m.rssMb));
    const rssSpread = (rssMax - rssMin) / rssMin;
    // Each target as "higher is better": a ratio of CPU per request (the steadiest figure on a shared VM) or of
    // req/s, worked out within each round (its phases run a minute apart at most, where rounds can differ 2×), and
    // given as the median over the rounds with its spread.
    const perRound = (a: Phase, b: Phase, of: (s: Sample) => number) => {
      const [x, y] = [samples.get(a.name)!, samples.get(b.name)!];
      const ratios = x.map((sample, i) => of(sample) / of(y[i]!));
      return { value: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
    };
    const cpu = (s: Sample) => s.cpuPerRequest;
    const [freshPhase, verifyPhase, barePhase, stackPhase] = rest as [Phase, Phase, Phase, Phase];
    const targets: [string, { value: number; min: number; max: number }, number][] = [
      ['warm token costs ≤ 1/0.95 of /healthz (CPU: /healthz ÷ warm ≥ 0.95)', perRound(healthzPhase, warmPhase, cpu), 0.95],
      ['fresh token costs ≤ 1/0.75 of /healthz (CPU: /healthz ÷ fresh ≥ 0.75)', perRound(healthzPhase, freshPhase, cpu), 0.75],
      ['≥ 1.3× cheaper than the bare peer (CPU: peer ÷ warm)', perRound(barePhase, warmPhase, cpu), 1.3],
      ['≥ 1.6× cheaper than the production-stack peer (CPU: peer ÷ warm)', perRound(stackPhase, warmPhase, cpu), 1.6],
      [`warm throughput unchanged with ${LOGGED_OUT.toLocaleString('en-US')} logged-out sessions (req/s ÷ warm ≥ 0.95)`, perRound(loadedPhase, warmPhase, (x) => x.rps), 0.95],
      ['/auth/verify costs no more than /auth/me (CPU: me ÷ verify ≥ 0.95)', perRound(warmPhase, verifyPhase, cpu), 0.95],
      ['metrics on cost no more than off (CPU: off ÷ on ≥ 0.95)', perRound(warmPhase, metricsPhase, cpu), 0.95],
    ];
    // Not a target: how far apart two identical processes measure, the noise under every comparison of processes.
    const control = meWarm!.cpu / meTwin!.cpu;

    const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    const bytes = (n: number) => (n >= 2 ** 30 ? `${fmt(n / 2 ** 30, 1)} GiB` : `${fmt(n / 2 ** 20)} MiB`);
    const sizes = [1e6, 1e7, 1e8].map((users) => sizing(users, footprint, meWarm!.cpu));
    const table = [
      `# Benchmark results`,
      '',
      `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${machine()}`,
      `${ROUNDS} interleaved rounds, medians · autocannon, ${CONNECTIONS} connections, ${SECONDS} s per phase, each fresh token used once · ` +
        (pin.pinned ? 'servers on core 0, load generator on core 1, Redis where the OS puts it' : 'not pinned') +
        ' · NODE_ENV=production, request log at info to a file, Redis and cognito-local on loopback',
      '',
      '| phase | req/s | p50 ms | p99 ms | server CPU µs/req (min–max over rounds) | CPU ÷ /healthz |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.cpu)} (${fmt(r.cpuMin)}–${fmt(r.cpuMax)}) | ${fmt(r.cpu / healthz.cpu, 2)} |`,
      ),
      '',
      '| target | measured: median of the rounds (min–max) | met |',
      '|---|---:|:---:|',
      ...targets.map(([name, r, goal]) => `| ${name} | ${fmt(r.value, 2)} (${fmt(r.min, 2)}–${fmt(r.max, 2)}) | ${r.value >= goal ? 'yes' : 'no'} |`),
      `| Redis bytes per live login ≤ 150 (Amazon Cognito's tokens; ${fmt(SESSIONS)} logins) | ${fmt(footprint.loginAmazon, 1)} | ${footprint.loginAmazon <= 150 ? 'yes' : 'no'} |`,
      `| Redis bytes per logout ≤ 150 (${fmt(SESSIONS)} logouts of distinct users) | ${fmt(footprint.logout, 1)} | ${footprint.logout <= 150 ? 'yes' : 'no'} |`,
      `| token cache RSS flat (±10 %) over ${fmt(CACHE_TOKENS)} distinct tokens | ${fmt(rssMin)}–${fmt(rssMax)} MB (spread ${fmt(rssSpread * 100, 1)} %) | ${rssSpread <= 0.1 ? 'yes' : 'no'} |`,
      `| request log at info for every request | ${fmt(logLines)} lines for ${fmt(served)} requests | ${logLines >= served ? 'yes' : 'no'} |`,
      `| every security header of helmet() sent (${helmetNames.length} headers, on /healthz, /auth/me, /auth/verify) | ${missing.size === 0 ? 'all' : [...missing].join(', ')} | ${missing.size === 0 ? 'yes' : 'no'} |`,
      '',
      `Control: a second process identical to the service measured ${fmt(meTwin!.cpu)} µs of CPU per warm /auth/me against the ` +
        `service's ${fmt(meWarm!.cpu)} (service ÷ twin ${fmt(control, 2)}): a comparison between two processes (metrics on against off) ` +
        'is worth no more than that.',
      '',
      `Redis footprint, from \`INFO memory\` over ${fmt(SESSIONS)} of each: a login with Amazon Cognito's tokens (\`origin_jti\`) keeps ${fmt(footprint.loginAmazon, 1)} bytes; ` +
        `one with tokens that carry no \`origin_jti\` (cognito-local) keeps its refresh token record, ${fmt(footprint.loginNoOriginJti, 1)} bytes; ` +
        `a logout ${fmt(footprint.logout, 1)} bytes; a login's (client IP, username) budget counter ${fmt(footprint.rateLimitCounter, 1)} bytes for its window.`,
      '',
      `Event-loop delay of the service under this load (median of its phases' p99): ${fmt(median(lag.map((l) => l.p99)), 1)} ms, max ${fmt(Math.max(...lag.map((l) => l.max)), 1)} ms.`,
      '',
      `Cache memory (tokens → RSS / V8 heap used, MB; cache of 10,000 entries, stand-in verifier, after full GC): ${memory
        .map((m) => `${fmt(m.tokens)} → ${fmt(m.rssMb)} / ${fmt(m.heapMb)}`)
        .join(', ')}.`,
      '',
      `## Sizing, from this run`,
      '',
      `Each daily user logs in and out once, makes ${SIZING.protectedPerUserDay} protected requests and ${SIZING.refreshesPerUserDay} refreshes; ` +
        `the peak hour runs at ${SIZING.peakToAverage}× the day's average. Redis memory holds the logged-out sessions: for 1 day when each logout ` +
        `sends its refresh token (Cognito revokes it), for the ${SIZING.sessionTtlDays}-day refresh token lifetime when none does; plus the login budget counters. ` +
        `API cores: the peak's protected requests at the warm-token CPU cost measured above, at 100 % (leave headroom).`,
      '',
      '| daily users | Redis memory (logouts revoke / don\'t) | Redis ops/s at peak | protected req/s at peak | API cores at peak |',
      '|---:|---:|---:|---:|---:|',
      ...sizes.map(
        (s) => `| ${fmt(s.dailyUsers)} | ${bytes(s.bestBytes)} / ${bytes(s.worstBytes)} | ${fmt(s.opsPeak)} | ${fmt(s.protectedPeak)} | ${fmt(s.cores, 1)} |`,
      ),
      '',
    ].join('\n');
    process.stdout.write(`${table}\n`);
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/latest.md'), table);
    log('written to bench/results/latest.md');
  } finally {
    for (const server of servers) server.child.kill('SIGKILL');
    await cognito.stop();
    log('deleting the bench\'s keys');
    if (swapped) await swap();
    for (const db of [LOADED_DB, SERVICE_DB]) await loaded.select(db).then(() => deleteKeys(loaded, prefix));
    loaded.disconnect();
    redisInfo.process?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
