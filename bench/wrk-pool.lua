-- wrk script of the ack-path bench (bench/load.ts): every request is the next pre-signed event of
-- the pool file, one per line (timestamp, nonce, signature, body; tab-separated), from line `from`
-- (0-based) on, wrapping at the end. Arguments after `--`: pool file, from, path.
-- Prints {"ready":…} once the pool is loaded and a JSON summary when done (bench/load.ts reads both).
local pool, n = {}, 0
i = 0 -- global: done() reads it from each thread (thread:get)

function init(args)
  local file, from, path = args[1], tonumber(args[2]), args[3]
  local line_no = 0
  for line in io.lines(file) do
    if line_no >= from then
      local ts, nonce, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      n = n + 1
      pool[n] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json; charset=utf-8",
        ["X-Lark-Request-Timestamp"] = ts,
        ["X-Lark-Request-Nonce"] = nonce,
        ["X-Lark-Signature"] = sig,
      }, body)
    end
    line_no = line_no + 1
  end
  io.write(string.format('{"ready":%d}\n', n))
  io.flush()
end

function request()
  i = i + 1
  return pool[(i - 1) % n + 1]
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local sent = 0
  for _, t in ipairs(threads) do
    sent = sent + t:get("i")
  end
  local e = summary.errors
  io.write(string.format(
    '{"done":{"responses":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"sent":%d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), sent))
  io.flush()
end
