-- Reads what a verification decides on, in one round trip.
-- KEYS[1] the pointer to the credential read model's live generation, KEYS[2] the credential's
-- record in the generation the caller last saw live (ARGV[1]), KEYS[3] the principal records,
-- KEYS[4] the organizations' token policies (hashes: field the user, the organization).
-- Returns 1 when no generation is built (the read model is lost or being rebuilt: a record
-- there may predate its revocation, so the caller asks the tokens service instead); the live
-- generation's name when it is not ARGV[1] (a replay swapped it in: the caller asks again
-- there, so a swap is seen by the very next verification, never half); otherwise the record,
-- its owner's principal record and, unless it is a session's (sessions have no lifetime cap;
-- a record that only might be one still gets its policy), its organization's token policy,
-- nil where absent. The owner and organization ids are cut out of the record's JSON with plain
-- string searches rather than decoded: in JSON text an unescaped `"userId":"` can only be that
-- key (a quote inside a string value is always escaped), and the caller checks the principal
-- it gets against the record it decodes, so a record that is not what it should be fails closed.
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
return {credential, principal, policy}
