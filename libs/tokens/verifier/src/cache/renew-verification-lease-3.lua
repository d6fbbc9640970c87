-- A verifier's lease on its cache of verification results (KEYS as in lease-epoch.lua; KEYS[2]
-- a hash: field the holder, value `<last invalidation applied>|<lease end, ms>`).
-- ARGV[1] the holder, ARGV[2] the epoch it knows ('' for none), ARGV[3] the last invalidation
-- it applied, ARGV[4] the lease it asks (ms), ARGV[5] 'adopt' when its cache is empty and it
-- takes every invalidation so far as applied, ARGV[6] the longest lease of a new epoch.
-- Returns {'new_epoch', epoch, last}: the epoch is not the one the holder knows (nothing is
-- granted: it empties its cache and adopts); {'behind', epoch, last}: invalidations after the
-- ones it applied (what it applied is recorded, so a command waiting for it sees it, but the
-- lease is not extended until it has applied the last); {'granted', epoch, applied, the lease
-- granted in ms, at most the epoch's longest}.
--- @include "lease-epoch.lua"
local now = now_ms()
local epoch, _, max_lease = lease_epoch(now, tonumber(ARGV[6]))
local last = last_invalidation()
if epoch ~= ARGV[2] then return {'new_epoch', epoch, last} end
local applied = ARGV[3]
if ARGV[5] == 'adopt' then applied = last end
local held = redis.call('HGET', KEYS[2], ARGV[1])
local lease_end = 0
if held then
  local recorded, ends = string.match(held, '^([^|]*)|(%d+)$')
  if id_before(applied, recorded) then applied = recorded end
  lease_end = tonumber(ends)
end
if id_before(applied, last) then
  redis.call('HSET', KEYS[2], ARGV[1], applied .. '|' .. lease_end)
  return {'behind', epoch, last}
end
local granted = math.min(tonumber(ARGV[4]), max_lease)
redis.call('HSET', KEYS[2], ARGV[1], applied .. '|' .. (now + granted))
return {'granted', epoch, applied, granted}
