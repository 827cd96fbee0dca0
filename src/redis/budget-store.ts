// The budgets' counts in Redis: express-rate-limit's store on the service's ioredis client (server or Cluster).
import { createHash } from 'node:crypto';
import type { Store } from 'express-rate-limit';
import { Cluster, type Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { TemporarilyUnavailableError } from '../errors';
import { budgetKeyPrefix } from './keys';

const isScriptLoad = (command: string[]) => command[0]?.toUpperCase() === 'SCRIPT' && command[1]?.toUpperCase() === 'LOAD';
const sha1 = (script: string) => createHash('sha1').update(script).digest('hex');

/**
 * Sends one of rate-limit-redis's commands through `send`. A failing Redis becomes TemporarilyUnavailableError (503),
 * like every other Redis failure; NOSCRIPT passes, rate-limit-redis reloads on it. A `SCRIPT LOAD` that fails (Redis
 * not connected yet at start-up) answers the script's SHA1 computed here, because rate-limit-redis keeps the first
 * answer forever: the later EVALSHA then gets NOSCRIPT, and it reloads.
 */
async function sendCommand(command: string[], send: () => Promise<unknown>): Promise<RedisReply> {
  try {
    return (await send()) as RedisReply;
  } catch (err) {
    if (isScriptLoad(command)) return sha1(command[2]!);
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) throw err;
    throw new TemporarilyUnavailableError('The budget store (Redis) is not answering.', { retryAfterSeconds: 2, cause: err });
  }
}

/**
 * The store of the budget `name`. On a Cluster, `SCRIPT LOAD` goes to every
 * master (a key's EVALSHA may land on any of them), and every other command is routed by its key, so each touches
 * one hash slot.
 */
export function redisBudgetStore(redis: Redis | Cluster, keyPrefix: string, name: string): Store {
  const prefix = budgetKeyPrefix(keyPrefix, name);
  const call = (command: string[]) => redis.call(command[0]!, ...command.slice(1));
  if (redis instanceof Cluster) {
    const loadEverywhere = async (script: string) => {
      await Promise.all(redis.nodes('master').map((node) => node.call('SCRIPT', 'LOAD', script)));
      return sha1(script);
    };
    return new RedisStore({
      prefix,
      sendCommandCluster: ({ command }) =>
        sendCommand(command, () => (isScriptLoad(command) ? loadEverywhere(command[2]!) : call(command))),
    });
  }
  return new RedisStore({ prefix, sendCommand: (...command: string[]) => sendCommand(command, () => call(command)) });
}
