-- head(did)
-- KEYS: 1 jeq:q/<did>  2 jeq:a/<did>  3 jeq:c/<did>
-- ARGV: 1 now (ms)  2 time-to-live (ms, 0 = none)
-- Returns {command or false, epoch, queue size, expired on the way}.
local expired = {0}
return report(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]), tonumber(ARGV[2]), expired)
