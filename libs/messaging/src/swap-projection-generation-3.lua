-- Swaps a read model kept in generations over to a rebuilt one, if it holds every event the
-- live one does: it was replayed in log order with nothing skipped up to its checkpoint, so a
-- live checkpoint not past it means nothing was applied live that the new one lacks. Any later
-- apply to the old generation is refused by the apply script and made on the new one.
-- KEYS[1] the generation pointer, KEYS[2] the live generation's checkpoint, KEYS[3] the new
-- generation's checkpoint. ARGV[1] the live generation the rebuild started from, ARGV[2] the
-- new one.
-- Returns 1 swapped, 0 not caught up yet, -1 another generation was swapped in meanwhile.
--- @include "log-position-after.lua"
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return -1 end
local live = redis.call('GET', KEYS[2])
local replayed = redis.call('GET', KEYS[3])
if live and (not replayed or after(live, replayed)) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
