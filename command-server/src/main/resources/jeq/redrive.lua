-- redrive(did): the device's dead letters go back to the tail of its queue, attempts reset.
-- KEYS: 1 jeq:d/<did>  2 jeq:q/<did>  3 jeq:e/<did>  4 jeq:a/<did>  5 jeq:c/<did>  6 jeq:dead
-- ARGV: 1 now (ms)  2 did
-- Returns the number of commands re-driven.
local n = 0
while true do
  local entry = redis.call('LPOP', KEYS[1])
  if not entry then break end
  local command = cjson.decode(entry).command
  redis.call('HSET', KEYS[4], command, 0)
  redis.call('HSET', KEYS[5], command, ARGV[1])
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), command)
  n = n + 1
end
redis.call('SREM', KEYS[6], ARGV[2])
return n
