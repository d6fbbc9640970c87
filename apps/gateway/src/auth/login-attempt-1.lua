-- Counts a login attempt on one throttle counter, unless the counter is at its limit.
-- KEYS[1] the counter; ARGV[1] its limit, ARGV[2] the window in ms (it starts with the first
-- attempt counted). Returns 0 when the attempt is counted, otherwise the ms until the window
-- ends. Checking and counting in one script: a burst of parallel attempts cannot slip past the
-- limit between the two.
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return ttl
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
