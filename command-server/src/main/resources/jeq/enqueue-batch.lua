-- enqueueBatch(entries): many enqueues, in order, in one step.
-- KEYS: per entry i (from 0), 4i+1 jeq:q/<did>  4i+2 jeq:e/<did>  4i+3 jeq:a/<did>  4i+4 jeq:c/<did>
-- ARGV: 1 now (ms), then per entry i, 2i+2 command string  2i+3 replace first (1/0)
-- Each entry is one enqueue as enqueue-one.lua does it (prepended), so the epochs are those
-- that single enqueues in the same order would take. Returns {epoch, queue size} per entry,
-- flat: {epoch 1, size 1, epoch 2, size 2, ...}.
local out = {}
for i = 0, #KEYS / 4 - 1 do
  local epoch, size = enqueue_one(KEYS[4 * i + 1], KEYS[4 * i + 2], KEYS[4 * i + 3], KEYS[4 * i + 4],
    ARGV[2 * i + 2], ARGV[1], ARGV[2 * i + 3] == '1')
  out[2 * i + 1] = epoch
  out[2 * i + 2] = size
end
return out
