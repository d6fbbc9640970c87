-- Takes a verifier's report of a token's last use off the hash, only if no later one
-- replaced it meanwhile. KEYS[1] the hash; ARGV[1] the token id, ARGV[2] the use recorded.
-- Returns 1 when taken, 0 when a later use is there.
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
