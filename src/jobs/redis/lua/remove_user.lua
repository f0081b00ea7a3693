-- remove_user: deletes a user and its place in the user index.
--
-- KEYS     none: every key is named from the prefix ARGV[1] (why: redis_scripts.h).
-- ARGV     [1] prefix          string
--          [2] name            string   the user name
-- RETURNS  1, or 0 for an unknown user
-- ATOMIC   the user and its index entry go together.
-- Runs alone (no prelude).

redis.call('ZREM', ARGV[1] .. 'users', ARGV[2])
return redis.call('DEL', ARGV[1] .. 'user:' .. ARGV[2])
