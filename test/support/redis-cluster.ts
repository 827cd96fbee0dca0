// Starts a real Redis Cluster (three masters, with or without a replica each) on loopback ports for the tests, breaks it, stops it.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/dev/local-cognito';
import { redisAnswers } from '../../src/dev/local-redis';

/** One redis-server of the test cluster. */
export interface ClusterNode {
  /** Its client port (the cluster bus is on port + 10000). */
  port: number;
  /** Its current process: replaced by `restart`. */
  process: ChildProcess;
}

/** What `startRedisCluster` builds. */
export interface RedisClusterOptions {
  /** Replicas per master: 0 (default, three processes) or 1 (six processes). */
  replicas?: 0 | 1;
}

/** A running test cluster. */
export interface TestCluster {
  /** The three masters at start-up, in the order given to `--cluster create` (a takeover does not change this list). */
  nodes: ClusterNode[];
  /** The replicas at start-up, `replicas[i]` replicating `nodes[i]`; empty with `replicas: 0`. */
  replicas: ClusterNode[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…` of every node (masters, then replicas), the value of REDIS_CLUSTER_NODES. */
  seeds: string;
  /** The port of the master that owns `key`'s slot now, from CLUSTER SLOTS read afresh on a live node. */
  ownerOf(key: string): number;
  /**
   * The node that replicates the master on `masterPort` now: the live node whose INFO replication says so, else (a
   * paused or dead replica) the one CLUSTER NODES on a live node names. Throws if none does.
   */
  replicaOf(masterPort: number): ClusterNode;
  /** Freezes the node on `port` (SIGSTOP): its connections stay open and nothing answers. */
  pause(port: number): void;
  /** Thaws a node frozen by `pause` (SIGCONT). */
  resume(port: number): void;
  /** SIGKILLs the node on `port` and resolves once the process has exited. */
  kill(port: number): Promise<void>;
  /**
   * Runs CLUSTER FAILOVER TAKEOVER on the replica on `replicaPort` (skipped if an automatic failover already made it
   * master) and resolves once it says role:master, it and every other live master say cluster_state:ok, and every
   * live node's CLUSTER SLOTS names it as the owner of its slots. Throws after about 10 s.
   */
  takeover(replicaPort: number): Promise<void>;
  /**
   * Starts the node on `port` again (killing it first if it still runs), same arguments and nodes.conf, EMPTY (no
   * persistence). Resolves once it answers PING and says cluster_state:ok, and then: if a live node's CLUSTER SLOTS
   * still names it as a master, once it is master again (of the same slots, empty); otherwise (its replica took its
   * slots meanwhile, or it was a replica) once it says role:slave with master_link_status:up. Throws after about 15 s.
   */
  restart(port: number): Promise<void>;
  /** Kills every process this cluster ever started (SIGCONT first, for paused ones) and removes its directory. */
  stop(): void;
}

/**
 * Synchronous redis-cli against one node, the command in `args` or, one per line, in `input`; the timeout keeps a
 * paused node from hanging the caller.
 */
const cli = (port: number, args: string[], input?: string) =>
  execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 2000, input, stdio: ['pipe', 'pipe', 'pipe'] }).trim();

/** `value` as one argument of a redis-cli input line: double-quoted, with every byte that needs it as \xHH. */
const quoted = (value: string) => {
  const plain = (byte: number) => byte > 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c; // Not ", not \.
  const bytes = [...Buffer.from(value)].map((byte) => (plain(byte) ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`));
  return `"${bytes.join('')}"`;
};

/** Asynchronous redis-cli (the event loop, and the clients of the test, keep running); '' when the node cannot answer. */
const cliAsync = (port: number, ...args: string[]) =>
  new Promise<string>((resolve) => {
    execFile('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 2000 }, (error, stdout) =>
      resolve(error ? '' : stdout.trim()),
    );
  });

/** `field:value` lines of INFO or CLUSTER INFO. */
const field = (info: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (a description of what is missing, or null when done) every 100 ms; throws with the last one. */
async function until(what: string, timeoutMs: number, check: () => Promise<string | null>): Promise<void> {
  const started = Date.now();
  let missing: string | null = 'not checked';
  while (Date.now() - started < timeoutMs) {
    missing = await check();
    if (missing === null) return;
    await sleep(100);
  }
  throw new Error(`Redis Cluster: ${what} not within ${timeoutMs} ms (${missing})`);
}

/** Whether 127.0.0.1:`port` can be listened on now. */
const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** `count` free ports below 55000 whose bus ports (+10000) are free too, none equal to another's port or bus port. */
async function clusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const taken = new Set<number>();
  while (ports.length < count) {
    const port = await freePort();
    if (port >= 55000 || taken.has(port) || taken.has(port + 10000) || !(await canListen(port + 10000))) continue;
    ports.push(port);
    taken.add(port).add(port + 10000);
  }
  return ports;
}

/** Ranges of CLUSTER SLOTS (redis-cli --json): [from, to, [ip, port, id, …] of the master, …replicas]. */
type SlotRange = { from: number; to: number; master: number };
const parseSlots = (json: string): SlotRange[] =>
  (JSON.parse(json) as [number, number, [string, number, ...unknown[]]][]).map(([from, to, [, master]]) => ({ from, to, master }));

/** Lines of CLUSTER NODES (`<id> <ip:port@bus> <flags> <master id|-> …`) by port. */
type NodeLine = { id: string; flags: string[]; masterId: string };
const parseNodes = (text: string): Map<number, NodeLine> =>
  new Map(
    text
      .split('\n')
      .map((line) => line.trim().split(' '))
      .filter((words) => words.length >= 4)
      .map(([id, address, flags, masterId]) => [
        Number(/:(\d+)@/.exec(address!)?.[1]),
        { id: id!, flags: flags!.split(','), masterId: masterId! },
      ]),
  );

/**
 * Three masters, with no replica or one each; full coverage not required (so losing one master leaves the others
 * serving), a short node timeout (so the survivors notice in two seconds, and a replica of a master gone that long
 * may fail over by itself), no persistence (a restarted node comes back empty), replication without delay.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<TestCluster> {
  const replicaCount = options.replicas ?? 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-cluster-'));
  const ports = await clusterPorts(3 * (1 + replicaCount));

  const spawned = new Set<ChildProcess>();
  const byPort = new Map<number, ClusterNode>();
  const paused = new Set<number>();
  const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
  const args = (port: number) => [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    // Full syncs at once (no waiting for more replicas) and no RDB left behind for a restart to load.
    '--repl-diskless-sync-delay', '0', '--rdb-del-sync-files', 'yes', '--dbfilename', `dump-${port}.rdb`,
    '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`),
    '--cluster-node-timeout', '2000', '--cluster-require-full-coverage', 'no', '--dir', dir,
    '--logfile', path.join(dir, `redis-${port}.log`),
  ];
  const launch = (port: number): ChildProcess => {
    // A sync file that outlived its deletion must not be loaded: the node comes back empty.
    rmSync(path.join(dir, `dump-${port}.rdb`), { force: true });
    const child = spawn('redis-server', args(port), { stdio: 'ignore' });
    child.on('error', () => undefined);
    spawned.add(child);
    return child;
  };
  const stop = () => {
    process.off('exit', stop);
    for (const child of spawned) {
      if (!running(child)) continue;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    paused.clear();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  // A test run that ends without stop() must not leave servers behind.
  process.once('exit', stop);

  const answers = async (port: number) => {
    for (let i = 0; i < 50; i += 1) {
      if (await redisAnswers(`redis://127.0.0.1:${port}`)) return;
      if (!running(byPort.get(port)!.process)) throw new Error(`Redis Cluster: redis-server on ${port} exited (see its log)`);
      await sleep(100);
    }
    throw new Error(`Redis Cluster: redis-server on ${port} does not answer`);
  };
  /** Nodes that can answer now: masters at start, then replicas; none paused or exited. */
  const live = () => [...byPort.values()].filter((node) => !paused.has(node.port) && running(node.process));
  /** The first answer of a live node to a synchronous redis-cli command (`args`, or lines of `input`). */
  const askLive = (args: string[], input?: string) => {
    for (const node of live()) {
      try {
        const answer = cli(node.port, args, input);
        if (answer && !answer.startsWith('ERR')) return answer;
      } catch {
        // Killed behind our back, or not answering: the next one.
      }
    }
    throw new Error(`Redis Cluster: no live node answers ${input ?? args.join(' ')}`);
  };
  const nodeAt = (port: number) => {
    const node = byPort.get(port);
    if (!node) throw new Error(`Redis Cluster: no node on port ${port}`);
    return node;
  };

  try {
    for (const port of ports) byPort.set(port, { port, process: launch(port) });
    for (const port of ports) await answers(port);
    try {
      execFileSync(
        'redis-cli',
        ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicaCount), '--cluster-yes'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
      );
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`Redis Cluster: redis-cli --cluster create failed: ${stdout ?? ''}${stderr ?? ''}`);
    }
    // Every node sees a whole cluster, and every replica is in sync with its master.
    const masterOf = new Map<number, number>();
    await until('cluster_state:ok everywhere and every replica linked', 20_000, async () => {
      for (const port of ports) {
        if (field(await cliAsync(port, 'cluster', 'info'), 'cluster_state') !== 'ok') return `${port} not cluster_state:ok`;
        const replication = await cliAsync(port, 'info', 'replication');
        if (field(replication, 'role') === 'slave') {
          if (field(replication, 'master_link_status') !== 'up') return `replica ${port} not linked`;
          masterOf.set(port, Number(field(replication, 'master_port')));
        }
      }
      if (masterOf.size !== 3 * replicaCount) return `${masterOf.size} of ${3 * replicaCount} replicas`;
      // Gossip is slower than replication: until it has gone round, a node's CLUSTER NODES may not show who replicates whom.
      for (const port of ports) {
        const view = parseNodes(await cliAsync(port, 'cluster', 'nodes'));
        for (const [replica, master] of masterOf) {
          const seen = view.get(replica);
          if (!seen?.flags.includes('slave') || seen.masterId !== view.get(master)?.id) {
            return `${port} does not see ${replica} replicating ${master} yet`;
          }
        }
      }
      return null;
    });
    const masters = ports.filter((port) => !masterOf.has(port));
    const nodes = masters.map((port) => byPort.get(port)!);
    const replicas = masters
      .map((master) => byPort.get([...masterOf].find(([, of]) => of === master)?.[0] ?? -1))
      .filter((node): node is ClusterNode => node !== undefined);
    if (nodes.length !== 3 || replicas.length !== 3 * replicaCount) throw new Error('Redis Cluster: unexpected topology after create');
    // askLive tries masters first.
    byPort.clear();
    for (const node of [...nodes, ...replicas]) byPort.set(node.port, node);

    /** Is it master now, saying cluster_state:ok? A description of what is not, or null. */
    const masterState = async (port: number) => {
      const role = field(await cliAsync(port, 'info', 'replication'), 'role');
      if (role !== 'master') return `${port} is ${role ?? 'not answering'}`;
      return field(await cliAsync(port, 'cluster', 'info'), 'cluster_state') === 'ok' ? null : `${port} not cluster_state:ok`;
    };

    return {
      nodes,
      replicas,
      seeds: [...nodes, ...replicas].map((node) => `127.0.0.1:${node.port}`).join(','),
      ownerOf: (key: string) => {
        // One redis-cli for both (the suites call this in loops): the key's slot, then the slot map, from the same node.
        const [slotLine, slotsJson] = askLive(['--json'], `CLUSTER KEYSLOT ${quoted(key)}\nCLUSTER SLOTS\n`).split('\n');
        const slot = Number(slotLine);
        const range = parseSlots(slotsJson ?? '[]').find(({ from, to }) => slot >= from && slot <= to);
        if (!range) throw new Error(`Redis Cluster: nobody owns slot ${slot}`);
        return range.master;
      },
      replicaOf: (masterPort: number) => {
        // The replicas' own word first (gossip lags behind it), then, for a paused or dead one, what a live node says.
        for (const node of live()) {
          try {
            const replication = cli(node.port, ['info', 'replication']);
            if (field(replication, 'role') === 'slave' && Number(field(replication, 'master_port')) === masterPort) return node;
          } catch {
            // Not answering: the cluster's view below.
          }
        }
        const view = parseNodes(askLive(['cluster', 'nodes']));
        const masterId = view.get(masterPort)?.id;
        const replica = [...view].find(
          ([port, line]) => masterId && line.masterId === masterId && line.flags.includes('slave') && byPort.has(port),
        );
        if (!replica) throw new Error(`Redis Cluster: no replica of ${masterPort}`);
        return nodeAt(replica[0]);
      },
      pause: (port: number) => {
        nodeAt(port).process.kill('SIGSTOP');
        paused.add(port);
      },
      resume: (port: number) => {
        nodeAt(port).process.kill('SIGCONT');
        paused.delete(port);
      },
      kill: async (port: number) => {
        const child = nodeAt(port).process;
        if (running(child)) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        }
        paused.delete(port);
      },
      takeover: async (replicaPort: number) => {
        const node = nodeAt(replicaPort);
        if (paused.has(replicaPort) || !running(node.process)) throw new Error(`Redis Cluster: ${replicaPort} is not running`);
        if (field(await cliAsync(replicaPort, 'info', 'replication'), 'role') !== 'master') {
          const answer = await cliAsync(replicaPort, 'cluster', 'failover', 'takeover');
          // An automatic failover may have promoted it between the two commands.
          if (answer !== 'OK' && field(await cliAsync(replicaPort, 'info', 'replication'), 'role') !== 'master') {
            throw new Error(`Redis Cluster: CLUSTER FAILOVER TAKEOVER on ${replicaPort}: ${answer || 'no answer'}`);
          }
        }
        await until(`takeover by ${replicaPort}`, 10_000, async () => {
          const own = await masterState(replicaPort);
          if (own) return own;
          const mine = parseSlots(await cliAsync(replicaPort, '--json', 'cluster', 'slots')).filter((range) => range.master === replicaPort);
          if (mine.length === 0) return `${replicaPort} owns no slots yet`;
          for (const other of live()) {
            if (other.port === replicaPort) continue;
            const info = await cliAsync(other.port, 'info', 'replication');
            if (field(info, 'role') === 'master') {
              const state = await masterState(other.port);
              if (state) return state;
            }
            const json = await cliAsync(other.port, '--json', 'cluster', 'slots');
            const view = json ? parseSlots(json) : [];
            const agrees = mine.every((range) =>
              view.some((seen) => seen.from === range.from && seen.to === range.to && seen.master === replicaPort),
            );
            if (!agrees) return `${other.port} does not see ${replicaPort} as the owner of its slots yet`;
          }
          return null;
        });
      },
      restart: async (port: number) => {
        const node = nodeAt(port);
        if (running(node.process)) {
          const exited = new Promise((resolve) => node.process.once('exit', resolve));
          node.process.kill('SIGCONT');
          node.process.kill('SIGKILL');
          await exited;
        }
        paused.delete(port);
        // What the others think now decides what it must come back as.
        const ownsSlots = parseSlots(askLive(['--json', 'cluster', 'slots'])).some((range) => range.master === port);
        node.process = launch(port);
        await answers(port);
        await until(`${port} back with cluster_state:ok`, 15_000, async () =>
          field(await cliAsync(port, 'cluster', 'info'), 'cluster_state') === 'ok' ? null : 'not cluster_state:ok',
        );
        if (ownsSlots) {
          await until(`${port} back as master`, 15_000, () => masterState(port));
        } else {
          await until(`${port} back as replica`, 15_000, async () => {
            const replication = await cliAsync(port, 'info', 'replication');
            if (field(replication, 'role') !== 'slave') return `role:${field(replication, 'role')}`;
            return field(replication, 'master_link_status') === 'up' ? null : 'master_link_status not up';
          });
        }
      },
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}
