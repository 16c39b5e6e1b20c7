-- enqueue(did, command)
-- KEYS: 1 jeq:q/<did>  2 jeq:e/<did>  3 jeq:a/<did>  4 jeq:c/<did>
-- ARGV: 1 command string  2 now (ms)  3 replace first (1/0)
-- One enqueue as enqueue-one.lua does it (prepended). Returns {epoch, queue size}.
local epoch, size = enqueue_one(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3] == '1')
return {epoch, size}
