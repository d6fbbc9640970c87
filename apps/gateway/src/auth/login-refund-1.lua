-- Takes back one counted attempt from a throttle counter; a counter whose window ended
-- meanwhile is left alone. KEYS[1] the counter.
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 1 then redis.call('DECR', KEYS[1]) elseif count == 1 then redis.call('DEL', KEYS[1]) end
return 0
