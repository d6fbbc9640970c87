-- Ends a request's hold on its idempotency key: keeps its answer for the retries, or releases
-- the key; only while the lock is still this request's, so a request that outlived its lock
-- never overwrites the one that took the key after it.
-- KEYS[1] the record; ARGV[1] the lock id, ARGV[2] the finished record ('' to release),
-- ARGV[3] its life in s. Returns 1 when done, 0 when the lock was lost.
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, record = pcall(cjson.decode, current)
if not ok or type(record) ~= 'table' or record['state'] ~= 'in_progress' or record['lock'] ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 1
