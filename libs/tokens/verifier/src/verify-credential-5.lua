-- Reads what a verification decides on, and applies an API token's usage policy, in one
-- round trip.
-- KEYS[1] the pointer to the credential read model's live generation, KEYS[2] the credential's
-- record in the generation the caller last saw live (ARGV[1]), KEYS[3] the principal records,
-- KEYS[4] the organizations' token policies (hashes: field the user, the organization),
-- KEYS[5] the API tokens' usage counters (a hash, outside every generation: field
-- `r:<token id>` the rate limit's window, `c:<token id>` the credits).
-- ARGV[2] the time of the verification (epoch ms), ARGV[3] the client address as 32 hex
-- digits ('' when unknown).
-- Returns 1 when no generation is built (the read model is lost or being rebuilt: a record
-- there may predate its revocation, so the caller asks the tokens service instead); the live
-- generation's name when it is not ARGV[1] (a replay swapped it in: the caller asks again
-- there, so a swap is seen by the very next verification, never half); otherwise the record,
-- its owner's principal record and, unless it is a session's (sessions have no lifetime cap;
-- a record that only might be one still gets its policy), its organization's token policy,
-- nil where absent, and what the usage policy decided ('' for a record without one). The
-- owner and organization ids are cut out of the record's JSON with plain string searches
-- rather than decoded: in JSON text an unescaped `"userId":"` can only be that key (a quote
-- inside a string value is always escaped), and the caller checks the principal it gets
-- against the record it decodes, so a record that is not what it should be fails closed.
local generation = redis.call('GET', KEYS[1])
if not generation then return 1 end
if generation ~= ARGV[1] then return generation end
local credential = redis.call('GET', KEYS[2])
if not credential then return {} end
local _, at = string.find(credential, '"userId":"', 1, true)
if not at then return {credential} end
local principal = redis.call('HGET', KEYS[3], string.sub(credential, at + 1, string.find(credential, '"', at + 1, true) - 1))
local policy = false
_, at = string.find(credential, '"organizationId":"', 1, true)
if at and not string.find(credential, '"kind":"session"', 1, true) then
  policy = redis.call('HGET', KEYS[4], string.sub(credential, at + 1, string.find(credential, '"', at + 1, true) - 1))
end
-- Only a record with a usage policy is decoded; a plain token's costs one string search.
if not string.find(credential, '"usage":{', 1, true) then return {credential, principal, policy, ''} end
local record = cjson.decode(credential)
local usage = record.usage
-- Nothing is counted for a secret that is refused anyway for what the record says alone.
if record.status ~= 'active' or (record.disabledAt ~= nil and record.disabledAt ~= cjson.null) then
  return {credential, principal, policy, ''}
end
local now = tonumber(ARGV[2])
-- The allowlist first: a request from elsewhere consumes neither requests nor credits.
if usage.ips then
  -- Indexed by prefix length in hex digits (see allowedIpIndex): one plain search per length.
  local address = ARGV[3]
  local allowed = false
  if string.len(address) == 32 then
    for digits, prefixes in pairs(usage.ips) do
      if string.find(prefixes, '|' .. string.sub(address, 1, tonumber(digits)) .. '|', 1, true) then
        allowed = true
        break
      end
    end
  end
  if not allowed then return {credential, principal, policy, 'ip'} end
end
local id = record.credentialId
-- Both counters in one read: the rate limit's `r:<id>` is `<window start>:<requests>`, the
-- credits' `c:<id>` is `<grant>:<remaining>:<last refill>`. Both are checked before either
-- counts, so a refusal counts nothing, and written back in one write.
local rateField, creditsField = 'r:' .. id, 'c:' .. id
local counters = {false, false}
if usage.rate or usage.credits then counters = redis.call('HMGET', KEYS[5], rateField, creditsField) end
-- The rate limit: a fixed window of windowMs from the epoch.
local window, used = 0, 0
if usage.rate then
  window = now - now % usage.rate.windowMs
  local stored = counters[1]
  if stored then
    local colon = string.find(stored, ':', 1, true)
    if tonumber(string.sub(stored, 1, colon - 1)) == window then used = tonumber(string.sub(stored, colon + 1)) end
  end
  if used >= usage.rate.limit then
    return {credential, principal, policy, 'rate|' .. usage.rate.limit .. ':' .. usage.rate.windowMs .. ':' .. (window + usage.rate.windowMs) .. ':0'}
  end
end
-- Credits: a grant the counter has not seen (a change of the credits, by its number in the
-- token's history) starts it at the amount granted; a replay applies the same grant number,
-- so it grants nothing again.
local remaining, refilled = 0, 0
if usage.credits then
  local c = usage.credits
  local stored = counters[2]
  remaining, refilled = c.amount, c.grantedAtMs
  if stored then
    local first = string.find(stored, ':', 1, true)
    local second = string.find(stored, ':', first + 1, true)
    if tonumber(string.sub(stored, 1, first - 1)) == c.grant then
      remaining = tonumber(string.sub(stored, first + 1, second - 1))
      refilled = tonumber(string.sub(stored, second + 1))
    end
  end
  -- A refill tops the credits up to its amount once per interval passed since the last one.
  if c.refillMs and now >= refilled + c.refillMs then
    refilled = refilled + math.floor((now - refilled) / c.refillMs) * c.refillMs
    if remaining < c.refillAmount then remaining = c.refillAmount end
  end
  if remaining <= 0 then
    redis.call('HSET', KEYS[5], creditsField, c.grant .. ':' .. remaining .. ':' .. refilled)
    return {credential, principal, policy, 'credits'}
  end
  remaining = remaining - 1
end
-- Accepted: `ok|<limit>:<window ms>:<window end>:<requests left>|<credits left>`, each part
-- empty without its policy.
local rate, credits = '', ''
if usage.rate and usage.credits then
  redis.call('HSET', KEYS[5], rateField, window .. ':' .. (used + 1), creditsField, usage.credits.grant .. ':' .. remaining .. ':' .. refilled)
elseif usage.rate then
  redis.call('HSET', KEYS[5], rateField, window .. ':' .. (used + 1))
elseif usage.credits then
  redis.call('HSET', KEYS[5], creditsField, usage.credits.grant .. ':' .. remaining .. ':' .. refilled)
end
if usage.rate then
  rate = usage.rate.limit .. ':' .. usage.rate.windowMs .. ':' .. (window + usage.rate.windowMs) .. ':' .. (usage.rate.limit - used - 1)
end
if usage.credits then credits = remaining end
return {credential, principal, policy, 'ok|' .. rate .. '|' .. credits}
