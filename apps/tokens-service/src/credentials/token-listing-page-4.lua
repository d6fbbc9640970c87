-- One page of a token listing, newest first, and how many the listing holds, from the
-- sorted sets of one scope (an organization's or one owner's tokens, see tokenListingKeys):
-- KEYS[1] every token, KEYS[2] the revoked ones, KEYS[3] the others (all three by creation
-- time), KEYS[4] those of the others with an expiry, by that expiry.
-- ARGV[1] what is listed: 'all', 'revoked', 'active' or 'expired'; ARGV[2] the offset;
-- ARGV[3] the page size; ARGV[4] now, in epoch milliseconds.
-- Returns { total, ids of the page }.
--
-- All and revoked are cut from their set. Expired and active split the unrevoked set by the
-- clock: the tokens whose expiry is not after now are found by score, placed by their rank
-- among the unrevoked, and skipped (active) or listed (expired). The cost grows with the page
-- and with those expired but unrevoked tokens, never with the size of the scope.
local mode, offset, count, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]

local function cut(key)
  return { redis.call('ZCARD', key), redis.call('ZREVRANGE', key, offset, offset + count - 1) }
end

if mode == 'all' then return cut(KEYS[1]) end
if mode == 'revoked' then return cut(KEYS[2]) end

-- The expired tokens, by their rank among the unrevoked (newest first).
local expired = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)) do
  local rank = redis.call('ZREVRANK', KEYS[3], id)
  if rank then expired[#expired + 1] = { rank, id } end
end
table.sort(expired, function(a, b) return a[1] < b[1] end)

if mode == 'expired' then
  local ids = {}
  for i = offset + 1, math.min(offset + count, #expired) do ids[#ids + 1] = expired[i][2] end
  return { #expired, ids }
end

-- Active: the rank of the offset-th unexpired token, past the expired ones before it.
local start, skipped = offset, 0
for _, entry in ipairs(expired) do
  if entry[1] > start then break end
  start = start + 1
  skipped = skipped + 1
end
local isExpired = {}
for i = skipped + 1, #expired do isExpired[expired[i][2]] = true end
local ids = {}
if count > 0 then
  for _, id in ipairs(redis.call('ZREVRANGE', KEYS[3], start, start + count + (#expired - skipped) - 1)) do
    if not isExpired[id] then
      ids[#ids + 1] = id
      if #ids == count then break end
    end
  end
end
return { redis.call('ZCARD', KEYS[3]) - #expired, ids }
