-- wrk script for the cache routes. Arguments (after `--`):
--   op (get|put)  value_bytes  key_count  key_prefix  token ("-" for none)  [keys_file]
-- Requests are pre-built in init() (one per key), then cycled from a per-thread random offset, so the
-- Lua cost per request is one table lookup. keys_file (one key per line) replaces prefix..i keys.
-- done() prints one JSON line prefixed with "BENCH_JSON " that bench/lib/wrk.mjs parses.
local requests = {}
local n = 0
local i = 0
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_no", thread_count)
end

function init(args)
  local op, value_bytes, key_count, prefix, token, keys_file = args[1], tonumber(args[2]), tonumber(args[3]), args[4], args[5], args[6]
  local headers = {}
  if token ~= nil and token ~= "-" then headers["Authorization"] = "Bearer " .. token end
  local keys = {}
  if keys_file ~= nil and keys_file ~= "" then
    for line in io.lines(keys_file) do if line ~= "" then keys[#keys + 1] = line end end
  else
    for k = 0, key_count - 1 do keys[#keys + 1] = prefix .. k end
  end
  local body = nil
  if op == "put" then
    headers["Content-Type"] = "application/octet-stream"
    body = string.rep("v", value_bytes)
  end
  for _, key in ipairs(keys) do
    requests[#requests + 1] = wrk.format(op == "put" and "PUT" or "GET", "/v1/cache/" .. key, headers, body)
  end
  n = #requests
  -- spread threads over the key space
  i = math.floor(((thread_no or 1) - 1) * n / 4) % n
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return requests[i]
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
