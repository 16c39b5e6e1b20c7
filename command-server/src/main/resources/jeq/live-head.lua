-- Shared by the scripts that report a head (prepended to each): the live head of a queue.
-- Commands whose creation time is more than ttl ms before now are dropped on the way
-- (expiry happens when a command reaches the head); their count goes to expired[1].
-- Returns {command, epoch} or nil when the queue is empty.
local function live_head(q, a, c, now, ttl, expired)
  while true do
    local h = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
    if #h == 0 then return nil end
    local created = tonumber(redis.call('HGET', c, h[1]) or now)
    if ttl > 0 and now - created > ttl then
      redis.call('ZREM', q, h[1])
      redis.call('HDEL', a, h[1])
      redis.call('HDEL', c, h[1])
      expired[1] = expired[1] + 1
    else
      return h
    end
  end
end

-- {command or false, epoch, size, expired} for the current live head.
local function report(q, a, c, now, ttl, expired)
  local h = live_head(q, a, c, now, ttl, expired)
  if h == nil then return {false, 0, 0, expired[1]} end
  return {h[1], tonumber(h[2]), redis.call('ZCARD', q), expired[1]}
end
