// Types of cluster-key-slot (Redis Cluster's CRC16 hash slot of a key, the one ioredis routes by), which ships none.
declare module 'cluster-key-slot' {
  /** The hash slot (0–16383) of `key`, honouring a `{hash tag}`. */
  function calculateSlot(key: string | Buffer): number;
  export = calculateSlot;
}
