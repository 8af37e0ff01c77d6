import { createHash } from 'node:crypto';

export type LuaScript = { source: string; sha: string };
const lua = (source: string): LuaScript => ({ source, sha: createHash('sha1').update(source).digest('hex') });

/** What a counter script answers when the counters may predate a failover (see EPOCH). */
export const STALE_EPOCH = -9;

/**
 * Counters written by another master. On a Cluster, `{stock}:epoch` names the node whose counters these
 * are. A replica promoted by a failover may lack the old master's last writes (replication is
 * asynchronous), so its counters cannot be trusted: a script that finds the epoch naming another node
 * changes nothing and answers STALE_EPOCH, and the caller drops every counter and seed generation and
 * marks the epoch (renewEpoch) so the counters are rebuilt from MySQL, as after a flush. KEYS[1] is the
 * epoch key and ARGV[1] '1' to check it ('0' on a single Redis, which has no failover); the script's body
 * sees KEYS and ARGV without them (local copies).
 */
const EPOCH = `
local epochKey, checkEpoch = KEYS[1], ARGV[1]
local KEYS, ARGV = {unpack(KEYS, 2)}, {unpack(ARGV, 2)}
if checkEpoch == '1' and redis.call('GET', epochKey) ~= redis.call('CLUSTER', 'MYID') then return ${STALE_EPOCH} end
`;

/** Replies {epoch, this node's id}. */
export const WHOAMI = lua(`return {redis.call('GET', KEYS[1]), redis.call('CLUSTER', 'MYID')}`);
/** Marks the epoch as ARGV[1]'s if this node is still that one (1), else 0. */
export const MARK = lua(`
if redis.call('CLUSTER', 'MYID') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`);

/** How long an unused seed generation lives: far longer than any MySQL read, so it only cleans up after a reserve that gave up. */
export const GENERATION_TTL_SECONDS = 3600;

// Every script touches only keys passed in KEYS, and all of them share the `{stock}` hash tag, so each
// script runs on one Redis Cluster slot (REDIS_KEY_PREFIX holds no braces there: config.ts). Lines are
// passed as (productId, quantity) pairs in ARGV, in KEYS order.
//
// Seed generations (`{stock}:g:<productId>`) guard the seeding of a missing counter from MySQL. The
// reserve that finds a counter missing reads its generation (creating one, a random value, if there is
// none) in the same step; SEED writes the MySQL value it then read only if that generation is still
// there, and consumes it. Anything that applies a delta to the missing counter (RELEASE, ADJUST) deletes
// the generation in the same step: MySQL may have been read before those units came back, so the value
// is stale (too low: it would refuse stock that exists) and the reserve reads again. A generation thus
// lives only while its counter is missing (SEED, the only writer of a counter, consumes it), so dropping
// a counter (forget, ABANDON) needs nothing more; a failover's renewal drops them all (the promoted
// replica may lack a deletion). Values are random, never a number that counts up, so that none comes
// back after a flush, a failover or an expiry.

/** Replies {1} held (or already held), {0, productId, available} short, {2, productId, generation...} counters to seed first. */
export const RESERVE = lua(`${EPOCH}
-- KEYS: reservation hash, reservation index, one counter per line, then one seed generation per line.
-- ARGV: orderId, now ms, ttl s, a new generation value, pairs.
if redis.call('EXISTS', KEYS[1]) == 1 then return {1} end
local lines = (#KEYS - 2) / 2
local missing = {2}
local available = {}
for j = 1, lines do
  local value = redis.call('GET', KEYS[j + 2])
  if value then
    available[j] = tonumber(value)
  else
    local generation = redis.call('GET', KEYS[j + 2 + lines])
    if not generation then
      generation = ARGV[4]
      redis.call('SET', KEYS[j + 2 + lines], generation, 'EX', ${GENERATION_TTL_SECONDS})
    end
    missing[#missing + 1] = ARGV[3 + 2 * j]
    missing[#missing + 1] = generation
  end
end
if #missing > 1 then return missing end
for j = 1, lines do
  if available[j] < tonumber(ARGV[4 + 2 * j]) then return {0, ARGV[3 + 2 * j], math.max(0, available[j])} end
end
for j = 1, lines do
  redis.call('DECRBY', KEYS[j + 2], ARGV[4 + 2 * j])
  redis.call('HSET', KEYS[1], ARGV[3 + 2 * j], ARGV[4 + 2 * j])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return {1}
`);

/** Writes each counter whose generation is still the one its reserve read; replies how many it wrote. */
export const SEED = lua(`${EPOCH}
-- KEYS: counters, then their seed generations. ARGV: (value from MySQL, generation read before it) per counter.
local n = #KEYS / 2
local seeded = 0
for j = 1, n do
  if redis.call('GET', KEYS[n + j]) == ARGV[2 * j] then
    if redis.call('EXISTS', KEYS[j]) == 0 then
      redis.call('SET', KEYS[j], ARGV[2 * j - 1])
      seeded = seeded + 1
    end
    redis.call('DEL', KEYS[n + j])
  end
end
return seeded
`);

/**
 * Replies 1 done, 0 no record, -1 the record is not the one the caller read (released and re-made in
 * between). Mode 'give' returns the units to the counters that exist; mode 'forget' (abandon) gives
 * nothing back and drops the counters instead, so they are rebuilt from MySQL.
 */
export const RELEASE = lua(`${EPOCH}
-- KEYS: reservation hash, reservation index, the counters of the lines the caller read, then their seed generations.
-- ARGV: orderId, mode, pairs.
local held = redis.call('HGETALL', KEYS[1])
if #held == 0 then
  -- The record may have expired (safety TTL) or been flushed: its index entry must not linger.
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
local lines = (#KEYS - 2) / 2
if #held ~= 2 * lines then return -1 end
for j = 1, lines do
  if redis.call('HGET', KEYS[1], ARGV[1 + 2 * j]) ~= ARGV[2 + 2 * j] then return -1 end
end
for j = 1, lines do
  if ARGV[2] == 'forget' then
    redis.call('DEL', KEYS[j + 2])
  elseif redis.call('EXISTS', KEYS[j + 2]) == 1 then
    redis.call('INCRBY', KEYS[j + 2], ARGV[2 + 2 * j])
  else
    -- A missing counter stays missing, and a seed read from MySQL before these units came back is void.
    redis.call('DEL', KEYS[j + 2 + lines])
  end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`);

/** Replies 1 when a record was dropped, 0 when there was none. */
export const SETTLE = lua(`
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return existed
`);

/** KEYS: the counter, its seed generation. ARGV: delta. A missing counter stays missing and its pending seed is void. */
export const ADJUST = lua(`${EPOCH}
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCRBY', KEYS[1], ARGV[1]) else redis.call('DEL', KEYS[2]) end
return 0
`);

/** The scripts and how their keys are named, for the benchmark of the one `{stock}` slot (bench/stock-slot.bench.ts). */
export const STOCK_SCRIPTS = { RESERVE, SEED, RELEASE, SETTLE, ADJUST } as const;
