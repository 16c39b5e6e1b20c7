-- enqueue(did, command)
-- KEYS: 1 jeq:q/<did>  2 jeq:e/<did>  3 jeq:a/<did>  4 jeq:c/<did>
-- ARGV: 1 command string  2 now (ms)  3 replace first (1/0)
-- Takes the next epoch; attempts and creation time are set only if absent; ZADD moves a
-- command already queued to the tail under the new epoch (never a duplicate). With replace,
-- the queue is flushed first. Returns {epoch, queue size}.
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('HSETNX', KEYS[3], ARGV[1], 0)
redis.call('HSETNX', KEYS[4], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], epoch, ARGV[1])
return {epoch, redis.call('ZCARD', KEYS[1])}
