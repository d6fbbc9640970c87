-- Takes an idempotency key for a first request, or hands back the record a retry finds.
-- KEYS[1] the record; ARGV[1] the in-progress record (with its lock id), ARGV[2] the lock's
-- life in ms. Returns nil when the key was free and is now locked, otherwise the record found.
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
