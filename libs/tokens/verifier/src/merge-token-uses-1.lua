-- Merges a verifier's last uses into the shared hash, keeping the later of each token's.
-- KEYS[1] the hash (field: token id, value: epoch milliseconds); ARGV pairs of token id and
-- epoch milliseconds.
for i = 1, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if tonumber(ARGV[i + 1]) > current then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 0
