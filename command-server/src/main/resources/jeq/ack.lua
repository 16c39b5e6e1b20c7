-- ack(did, epoch)
-- KEYS: 1 jeq:q/<did>  2 jeq:a/<did>  3 jeq:c/<did>
-- ARGV: 1 epoch  2 now (ms)  3 time-to-live (ms, 0 = none)
-- Only the live head's epoch is acknowledged: it is removed with its hashes. A stale or
-- unknown epoch changes nothing. Returns {1 acked / 0 not, then the next head as head.lua}.
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
local expired = {0}
local h = live_head(KEYS[1], KEYS[2], KEYS[3], now, ttl, expired)
local acked = 0
if h ~= nil and tonumber(h[2]) == tonumber(ARGV[1]) then
  redis.call('ZREM', KEYS[1], h[1])
  redis.call('HDEL', KEYS[2], h[1])
  redis.call('HDEL', KEYS[3], h[1])
  acked = 1
end
local r = report(KEYS[1], KEYS[2], KEYS[3], now, ttl, expired)
table.insert(r, 1, acked)
return r
