-- retryLater(did, epoch): the device could not carry the command out.
-- KEYS: 1 jeq:q/<did>  2 jeq:e/<did>  3 jeq:a/<did>  4 jeq:c/<did>  5 jeq:d/<did>  6 jeq:dead
-- ARGV: 1 epoch  2 now (ms)  3 time-to-live (ms)  4 maximum attempts  5 did
-- Same head check as ack. Attempts + 1; below the maximum the command moves to the tail with a
-- new epoch, at the maximum it moves to the device's dead letters (a list of JSON entries) and
-- the device joins the jeq:dead index. Returns {0 stale / 1 retried / 2 dead-lettered, then
-- the next head as head.lua}.
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
local expired = {0}
local h = live_head(KEYS[1], KEYS[3], KEYS[4], now, ttl, expired)
local outcome = 0
if h ~= nil and tonumber(h[2]) == tonumber(ARGV[1]) then
  local attempts = redis.call('HINCRBY', KEYS[3], h[1], 1)
  if attempts >= tonumber(ARGV[4]) then
    local created = tonumber(redis.call('HGET', KEYS[4], h[1]) or now)
    redis.call('ZREM', KEYS[1], h[1])
    redis.call('HDEL', KEYS[3], h[1])
    redis.call('HDEL', KEYS[4], h[1])
    redis.call('RPUSH', KEYS[5], cjson.encode({command = h[1], attempts = attempts, created = created, dead = now}))
    redis.call('SADD', KEYS[6], ARGV[5])
    outcome = 2
  else
    redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), h[1])
    outcome = 1
  end
end
local r = report(KEYS[1], KEYS[3], KEYS[4], now, ttl, expired)
table.insert(r, 1, outcome)
return r
