-- release_leadership: gives a leader lease up if `holder` holds it (LeaderLease).
--
-- KEYS     none: unlike the other scripts, ARGV[1] is the lease's whole key, not a prefix.
-- ARGV     [1] key             string   the lease key (P leader:<name>)
--          [2] holder          string   the holder id
-- RETURNS  1 when it did (the key deleted), else 0
-- ATOMIC   never deletes a lease another holder took over.
-- Runs alone (no prelude).

if redis.call('GET', ARGV[1]) == ARGV[2] then return redis.call('DEL', ARGV[1]) end
return 0
