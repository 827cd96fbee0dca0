// `npm run bench:durability`: what the denylist's durability costs, on redis-server processes of its own: the bytes
// of the loss markers, and how much a logout waits for a replica (DENYLIST_MIN_REPLICAS=1 against 0), in
// interleaved rounds with medians and the spread. The markers' CPU per request is the main bench's, against a
// baseline ref (BENCH_BASELINE).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisDenylistStore } from '../src/denylist/redis-denylist-store';
import { startRedisServer } from '../src/dev/local-redis';
import { DenylistKeys, SLOT_COUNT } from '../src/redis/keys';
import { createRedisClient, createWriterClient, whenReady } from '../src/redis/redis-client';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WRITES = Number(process.env.BENCH_WRITES ?? 2000);

const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => value.toFixed(3);

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

/** Mean ms per logout write (one at a time, as one client's logout is) over `count` writes. */
async function msPerLogout(store: RedisDenylistStore, count: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) await store.revokeSession(randomUUID(), randomUUID(), 600);
  return Number(process.hrtime.bigint() - started) / 1e6 / count;
}

async function main(): Promise<void> {
  const primary = await startRedisServer();
  const port = new URL(primary.url).port;
  const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', port] });
  const children = [primary.process, replica.process];
  try {
    const admin = new Redis(primary.url);
    const replicaAdmin = new Redis(replica.url);
    for (let i = 0; i < 100 && !/master_link_status:up/.test(await replicaAdmin.info('replication')); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // The markers: one key on a single server, one per hash slot on a Cluster (written here on one server: a key
    // takes the same bytes wherever its slot lives).
    const prefix = 'auth:';
    const keys = new DenylistKeys(prefix);
    const before = await usedMemory(admin);
    const pipeline = admin.pipeline();
    for (let slot = 0; slot < SLOT_COUNT; slot += 1) pipeline.set(keys.markerOfSlot(slot), Math.floor(Date.now() / 1000));
    await pipeline.exec();
    const cluster = (await usedMemory(admin)) - before;
    // One key alone is lost in used_memory's noise (a first write grows buffers): the mean of the 16,384 instead.
    const single = Math.round(cluster / SLOT_COUNT);
    await admin.flushall();

    // A logout's wait for its replica: the two stores take turns, round by round.
    const config = { url: primary.url, tls: false };
    const reads = createRedisClient(config);
    const writer = createWriterClient(config, 500);
    await whenReady(reads, 3000);
    await whenReady(writer, 3000);
    const plain = new RedisDenylistStore(reads, { keyPrefix: 'bench:' });
    const waiting = new RedisDenylistStore(reads, { keyPrefix: 'bench:', minReplicas: 1, writer });
    const added: number[] = [];
    const plainMs: number[] = [];
    const waitingMs: number[] = [];
    await msPerLogout(waiting, 200);
    await msPerLogout(plain, 200);
    for (let round = 1; round <= ROUNDS; round += 1) {
      const [first, second] = round % 2 === 0 ? [plain, waiting] : [waiting, plain];
      const a = await msPerLogout(first, WRITES);
      const b = await msPerLogout(second, WRITES);
      const [p, w] = first === plain ? [a, b] : [b, a];
      plainMs.push(p);
      waitingMs.push(w);
      added.push(w - p);
      log(`round ${round}/${ROUNDS}: logout ${ms(p)} ms, with WAIT 1 ${ms(w)} ms`);
    }
    for (const client of [admin, replicaAdmin, reads, writer]) client.disconnect();

    const spread = (values: number[]) => `${ms(Math.min(...values))}–${ms(Math.max(...values))}`;
    const lines = [
      `# Denylist durability: ${ROUNDS} interleaved rounds of ${WRITES} logouts each, a primary and a replica on loopback`,
      '',
      '| measure | median | spread over rounds |',
      '|---|---:|---:|',
      `| logout write, DENYLIST_MIN_REPLICAS=0 (ms) | ${ms(median(plainMs))} | ${spread(plainMs)} |`,
      `| logout write, DENYLIST_MIN_REPLICAS=1 (ms) | ${ms(median(waitingMs))} | ${spread(waitingMs)} |`,
      `| added by waiting for the replica (ms; target ≤ 2) | ${ms(median(added))} | ${spread(added)} |`,
      `| loss marker, single server: one key (bytes, the mean of the Cluster's) | ${single} | – |`,
      `| loss markers, Cluster: ${SLOT_COUNT} keys, all masters together (bytes) | ${cluster} | – |`,
      '',
      `Target: waiting adds at most 2 ms to a logout: ${median(added) <= 2 ? 'met' : 'NOT met'}.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

void main().catch((err: unknown) => {
  log(String((err as Error).stack ?? err));
  process.exit(1);
});
