-- Included by the verification cache's scripts. The epoch of the lease protocol: KEYS[1] a
-- hash {id, startedAt, maxLeaseMs}, created by whoever comes first after Redis lost it (a
-- restart with nothing kept, a flush). A new epoch starts with no holder and no invalidation,
-- so it deletes what is left of the last one's (KEYS[2] the holders, KEYS[3] the log).
-- Returns the epoch's id, when it started and the longest lease it grants; `now` in ms.
local function lease_epoch(now, max_lease_ms)
  local epoch = redis.call('HMGET', KEYS[1], 'id', 'startedAt', 'maxLeaseMs')
  if epoch[1] then return epoch[1], tonumber(epoch[2]), tonumber(epoch[3]) end
  local id = tostring(now) .. '.' .. redis.call('TIME')[2]
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('HSET', KEYS[1], 'id', id, 'startedAt', now, 'maxLeaseMs', max_lease_ms)
  return id, now, max_lease_ms
end

-- Redis' own clock, in ms: every lease is granted and judged by this one clock.
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

-- Stream ids `<ms>-<seq>` in order ('0' before every other).
local function id_before(a, b)
  local a_ms, a_seq = string.match(a, '^(%d+)-?(%d*)$')
  local b_ms, b_seq = string.match(b, '^(%d+)-?(%d*)$')
  a_ms, b_ms = tonumber(a_ms), tonumber(b_ms)
  if a_ms ~= b_ms then return a_ms < b_ms end
  return (tonumber(a_seq) or 0) < (tonumber(b_seq) or 0)
end

-- The last invalidation of the epoch's log, '0' when there is none.
local function last_invalidation()
  local info = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
  if info[1] then return info[1][1] end
  return '0'
end
