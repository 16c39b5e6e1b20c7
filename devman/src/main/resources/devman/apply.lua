-- apply(did, kind, time, address, connection, transport, retention, cap)
-- KEYS: 1 dev/<did>  2 dip/<did>  3 don/<did>  4 doff/<did>  5 online
-- ARGV: 1 did  2 kind: login | close | seen  3 time (ms)  4 address ('' = unknown)
--       5 connection key (login and close)  6 transport (login)  7 tombstone retention (ms)
--       8 tombstone cap per device
-- don/<did> holds the device's open connections (connection -> "<transport>|<login time>");
-- doff/<did> the connections already closed (connection -> close time), so that a login read
-- after its own close (a replay, another source) cannot bring a device back online. A close is
-- final for its connection. dev/<did> and dip/<did> keep the newest time and its address: an
-- older event never overwrites them. Returns 'applied', or 'stale' for a login already closed.
local t = tonumber(ARGV[3])
local result = 'applied'
if ARGV[2] == 'login' then
  if redis.call('HEXISTS', KEYS[4], ARGV[5]) == 1 then
    result = 'stale'
  else
    redis.call('HSET', KEYS[3], ARGV[5], ARGV[6] .. '|' .. ARGV[3])
    redis.call('SADD', KEYS[5], ARGV[1])
  end
elseif ARGV[2] == 'close' then
  redis.call('HDEL', KEYS[3], ARGV[5])
  redis.call('HSET', KEYS[4], ARGV[5], ARGV[3])
  if redis.call('HLEN', KEYS[3]) == 0 then
    redis.call('SREM', KEYS[5], ARGV[1])
    redis.call('DEL', KEYS[3])
  end
  -- Forget tombstones past the retention, and the oldest beyond the cap.
  local cap = tonumber(ARGV[8])
  if redis.call('HLEN', KEYS[4]) > cap then
    local all = redis.call('HGETALL', KEYS[4])
    local keep = {}
    for i = 1, #all, 2 do
      local closed = tonumber(all[i + 1]) or 0
      if closed < t - tonumber(ARGV[7]) then
        redis.call('HDEL', KEYS[4], all[i])
      else
        keep[#keep + 1] = {all[i], closed}
      end
    end
    if #keep > cap then
      table.sort(keep, function(a, b) return a[2] < b[2] end)
      for i = 1, #keep - cap do
        redis.call('HDEL', KEYS[4], keep[i][1])
      end
    end
  end
end
local seen = tonumber(redis.call('GET', KEYS[1]) or '-1')
if t >= seen then
  redis.call('SET', KEYS[1], ARGV[3])
  if ARGV[4] ~= '' then
    redis.call('SET', KEYS[2], ARGV[4])
  end
end
return result
