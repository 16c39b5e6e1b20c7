-- enqueueBatch(entries): many enqueues, in order, in one step.
-- KEYS: 1 jeq:unpushed, then per entry i (from 0), 4i+2 jeq:q/<did>  4i+3 jeq:e/<did>  4i+4 jeq:a/<did>  4i+5 jeq:c/<did>
-- ARGV: 1 now (ms), then per entry i, 3i+2 command string  3i+3 replace first (1/0)  3i+4 did
-- Each entry is one enqueue as enqueue-one.lua does it (prepended), so the epochs are those
-- that single enqueues in the same order would take. Returns {epoch, queue size, on the push
-- retry index (1/0)} per entry (as enqueue.lua), flat: {epoch 1, size 1, retry 1, epoch 2, ...}.
local out = {}
for i = 0, (#KEYS - 1) / 4 - 1 do
  local epoch, size = enqueue_one(KEYS[4 * i + 2], KEYS[4 * i + 3], KEYS[4 * i + 4], KEYS[4 * i + 5],
    ARGV[3 * i + 2], ARGV[1], ARGV[3 * i + 3] == '1')
  out[3 * i + 1] = epoch
  out[3 * i + 2] = size
  out[3 * i + 3] = redis.call('ZSCORE', KEYS[1], ARGV[3 * i + 4]) and 1 or 0
end
return out
