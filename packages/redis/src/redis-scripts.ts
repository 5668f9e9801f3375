/**
 * Lua scripts the adapter runs on Redis, each atomic and timed by Redis's own clock (`TIME`), so
 * that nodes on machines whose clocks differ agree on expiry.
 */

/**
 * The heartbeat. KEYS: node key, nodes sorted set, presence set, number sequence; ARGV: this instance's token, TTL
 * in ms, node number. Renews the node key when it is ours (1), takes it again when it is gone,
 * e.g. after Redis restarted with an empty dataset (2: the caller rewrites its presence, and the
 * sequence is raised to at least this number so that it is not handed out again), or
 * refuses when another instance holds the number (0). Then it scores the node in the sorted set
 * with its expiry, forgets expired nodes, and renews the presence set.
 */
export const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local held = redis.call('GET', KEYS[1])
local result
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ttl)
  result = 1
elseif held == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  -- An emptied Redis forgot the sequence too: it must not hand this number out again.
  local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
  if seq < tonumber(ARGV[3]) then redis.call('SET', KEYS[4], ARGV[3]) end
  result = 2
else
  return 0
end
redis.call('ZADD', KEYS[2], now + ttl, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return result
`;

/** The live nodes. KEYS: nodes sorted set. Returns `[node, remainingMs, node, remainingMs, ...]`. */
export const LIVE_NODES_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local entries = redis.call('ZRANGE', KEYS[1], now, '+inf', 'BYSCORE', 'WITHSCORES')
local out = {}
for i = 1, #entries, 2 do
  out[#out + 1] = tonumber(entries[i])
  out[#out + 1] = tonumber(entries[i + 1]) - now
end
return out
`;
