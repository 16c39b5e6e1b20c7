-- enqueue(did, command)
-- KEYS: 1 jeq:q/<did>  2 jeq:e/<did>  3 jeq:a/<did>  4 jeq:c/<did>  5 jeq:unpushed
-- ARGV: 1 command string  2 now (ms)  3 replace first (1/0)  4 did
-- One enqueue as enqueue-one.lua does it (prepended). Returns {epoch, queue size, 1 if the device
-- is on the push retry index (its last push failed) else 0}: only then does a push that works
-- need to take it off the index.
local epoch, size = enqueue_one(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3] == '1')
return {epoch, size, redis.call('ZSCORE', KEYS[5], ARGV[4]) and 1 or 0}
