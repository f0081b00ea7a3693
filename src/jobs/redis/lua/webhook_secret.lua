-- webhook_secret: the webhook secret of a user, stored first when the user has none.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] user id         string
--          [3] secret          string   the candidate (mode 'ensure') or the new secret
--                                       (mode 'replace')
--          [4] mode            string   'ensure': keep a stored secret; 'replace': overwrite it
-- RETURNS  the user's secret as it is now, or nil when no user has this id (nothing written)
-- ATOMIC   of two first uses at once, both answer the secret stored first.
-- Runs alone (no prelude).

local P, id = ARGV[1], ARGV[2]
if redis.call('HEXISTS', P .. 'user_ids', id) == 0 then return false end
if ARGV[4] == 'replace' then
  redis.call('HSET', P .. 'webhook_secrets', id, ARGV[3])
else
  redis.call('HSETNX', P .. 'webhook_secrets', id, ARGV[3])
end
return redis.call('HGET', P .. 'webhook_secrets', id)
