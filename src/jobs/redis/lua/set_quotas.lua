-- set_quotas: replaces a user's quota overrides (core/quota.h).
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] name            string   the user name
--          [3..5] max_queued_jobs, max_queued_blocks, max_chars_per_day: an integer (-1 =
--                 unlimited, n >= 0 = the limit) or '' (the deployment's limit: field removed)
-- RETURNS  1, or 0 for an unknown user (no key created)
-- ATOMIC   the three change together; never recreates a user removed meanwhile.
-- Runs alone (no prelude).

local key = ARGV[1] .. 'user:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return 0 end
local fields = {'max_queued_jobs', 'max_queued_blocks', 'max_chars_per_day'}
for i, field in ipairs(fields) do
  local value = ARGV[2 + i]
  if value == '' then
    redis.call('HDEL', key, field)
  else
    redis.call('HSET', key, field, value)
  end
end
return 1
