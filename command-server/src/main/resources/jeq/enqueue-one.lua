-- Shared by enqueue.lua and enqueue-batch.lua (prepended to each when loaded): one enqueue.
-- q, e, a, c: the device's jeq:q/, jeq:e/, jeq:a/ and jeq:c/ keys; command: the command string;
-- now: ms; replace: boolean.
-- Takes the next epoch; attempts and creation time are set only if absent; ZADD moves a
-- command already queued to the tail under the new epoch (never a duplicate). With replace,
-- the queue is flushed first (the epoch counter stays). Returns epoch, queue size.
local function enqueue_one(q, e, a, c, command, now, replace)
  if replace then
    redis.call('DEL', q, a, c)
  end
  local epoch = redis.call('INCR', e)
  redis.call('HSETNX', a, command, 0)
  redis.call('HSETNX', c, command, now)
  redis.call('ZADD', q, epoch, command)
  return epoch, redis.call('ZCARD', q)
end
