-- flush(did)
-- KEYS: 1 jeq:q/<did>  2 jeq:a/<did>  3 jeq:c/<did>
-- Returns the number of commands removed. The epoch counter is kept: epochs never repeat.
local n = redis.call('ZCARD', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return n
