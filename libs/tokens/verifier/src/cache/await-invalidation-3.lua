-- Who has still to apply invalidation ARGV[2] of epoch ARGV[1] (KEYS as in lease-epoch.lua):
-- the holders whose lease has not ended and who have not applied it. In an epoch younger than
-- its longest lease, a verifier may still hold a lease granted before Redis lost the last
-- epoch: the answer says how long until the epoch is that old. An epoch that is not ARGV[1]
-- is new since the invalidation was published (every holder in it emptied its cache when it
-- joined), so only its age counts. ARGV[3] the longest lease of a new epoch; holders whose
-- lease ended more than ARGV[4] ms ago are forgotten here.
-- Returns {holders still to apply it, ms until the epoch is older than its longest lease}.
--- @include "lease-epoch.lua"
local now = now_ms()
local epoch, started, max_lease = lease_epoch(now, tonumber(ARGV[3]))
local id = ARGV[2]
if epoch ~= ARGV[1] then id = '0' end
local pending = 0
local holders = redis.call('HGETALL', KEYS[2])
for i = 1, #holders, 2 do
  local applied, ends = string.match(holders[i + 1], '^([^|]*)|(%d+)$')
  ends = tonumber(ends)
  if ends > now and id_before(applied, id) then
    pending = pending + 1
  elseif ends + tonumber(ARGV[4]) < now then
    redis.call('HDEL', KEYS[2], holders[i])
  end
end
return {pending, math.max(0, started + max_lease - now)}
