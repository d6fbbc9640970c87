-- A command that reduced a credential's power tells every verifier's cache (KEYS as in
-- lease-epoch.lua). ARGV[1] what to drop (space-separated subjects: `c:<credential>`,
-- `u:<user>`, `o:<organization>`, `*` for everything), ARGV[2] the longest lease of a new
-- epoch, ARGV[3] how long the log keeps an invalidation (ms; longer than any lease: a holder
-- further behind has lost its lease, and empties its cache before it holds one again).
-- Returns {epoch, the invalidation's id}. The command then waits (await-invalidation-2.lua).
--- @include "lease-epoch.lua"
local now = now_ms()
local epoch = lease_epoch(now, tonumber(ARGV[2]))
local id = redis.call('XADD', KEYS[3], 'MINID', '~', tostring(now - tonumber(ARGV[3])), '*', 's', ARGV[1])
return {epoch, id}
