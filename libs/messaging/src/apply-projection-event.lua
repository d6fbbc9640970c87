-- Applies one event's ops to a read model and advances its bookkeeping, in one script, so
-- data and checkpoint never disagree. Called with the number of keys first.
-- KEYS[1] the hash (bucket) holding the event stream's last applied version in field ARGV[6],
-- KEYS[2] the key of its own the stream's version had before the buckets (read while the
-- bucket has no field for the stream, deleted when it gets one), KEYS[3] the checkpoint,
-- KEYS[4] the ready marker, KEYS[5] the generation pointer, KEYS[6..] the data keys the ops
-- name by index.
-- ARGV[1] the event's version, ARGV[2] its log position, ARGV[3] the ops as JSON
-- ([name, key index, args...]), ARGV[4] '1' during a rebuild, ARGV[5] the generation written
-- ('*': the read model has none), ARGV[6] the event's stream id; for an event that reduces a
-- credential's power, ARGV[7] what the verification caches must drop (space-separated
-- subjects) and ARGV[8] how long their invalidation log, the last key, keeps an entry (ms):
-- written only when the event is applied, so an instance that dies after the apply still
-- leaves it for the caches. The key before the log is the caches' lease epoch (a hash).
-- Returns 1 applied, 0 already applied (or older), -1 the read model is lost: rebuild first,
-- -2 this generation is no longer the live one; an apply that wrote an invalidation while
-- the caches have an epoch returns {1, the epoch's id, the log entry's id}: a command waits
-- for the caches to apply that entry rather than write one more.
--- @include "log-position-after.lua"
if ARGV[4] ~= '1' and ARGV[5] ~= '*' and (redis.call('GET', KEYS[5]) or '') ~= ARGV[5] then return -2 end
if ARGV[4] ~= '1' and redis.call('EXISTS', KEYS[4]) == 0 then return -1 end
local stored = redis.call('HGET', KEYS[1], ARGV[6])
local legacy = not stored and redis.call('GET', KEYS[2])
if tonumber(stored or legacy or '0') >= tonumber(ARGV[1]) then return 0 end
local ops = cjson.decode(ARGV[3])
local allowed = { set = true, del = true, pexpireat = true, incrby = true, hset = true, hdel = true,
  sadd = true, srem = true, zadd = true, zrem = true }
-- Every op is checked before any runs: Redis does not roll a script back.
for i = 1, #ops do
  if not allowed[ops[i][1]] or KEYS[ops[i][2]] == nil or ops[i][2] <= 5 then
    return redis.error_reply('invalid projection op #' .. i)
  end
end
for i = 1, #ops do
  local o = ops[i]
  local name, key = o[1], KEYS[o[2]]
  if name == 'set' then
    if o[4] then redis.call('SET', key, o[3], o[4], o[5]) else redis.call('SET', key, o[3]) end
  elseif name == 'del' then redis.call('DEL', key)
  elseif name == 'pexpireat' then redis.call('PEXPIREAT', key, o[3])
  elseif name == 'incrby' then redis.call('INCRBY', key, o[3])
  else redis.call(name, key, unpack(o[3])) end
end
local written = false
if ARGV[7] and ARGV[7] ~= '' then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local id = redis.call('XADD', KEYS[#KEYS], 'MINID', '~', tostring(now - tonumber(ARGV[8])), '*', 's', ARGV[7])
  -- No epoch: the caches' state was lost, and whoever starts the next one empties the log.
  local epoch = redis.call('HGET', KEYS[#KEYS - 1], 'id')
  if epoch then written = {1, epoch, id} end
end
redis.call('HSET', KEYS[1], ARGV[6], ARGV[1])
if legacy then redis.call('DEL', KEYS[2]) end
local checkpoint = redis.call('GET', KEYS[3])
if not checkpoint or after(ARGV[2], checkpoint) then redis.call('SET', KEYS[3], ARGV[2]) end
return written or 1
