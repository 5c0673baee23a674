-- Shared by every workload script. Requests are built once per thread in init() and picked at random per request,
-- so wrk spends its CPU on sockets, not on formatting; response() tallies statuses per thread and done() prints
-- the merged tally, the latency percentiles and wrk's socket errors as one JSON line the runner parses.
--
-- Data files (written by bench/run.py) hold one line per row: "<access token>" or "<access token> <task id>".
local bench = {}

local threads = {}

function bench.setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function bench.init()
  -- Each thread is its own Lua state: seed each differently, or all threads replay the same sequence.
  math.randomseed(os.time() * 1000 + (thread_number or 0))
  statuses = {}
end

function bench.response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function bench.rows(path)
  local rows = {}
  for line in io.lines(path) do
    local token, id = line:match("^(%S+)%s*(%S*)$")
    if token then
      rows[#rows + 1] = { token = token, id = id }
    end
  end
  assert(#rows > 0, "no rows in " .. path)
  return rows
end

-- `extra`: more headers for this request (the conditional-request variants), or nil.
local function headers(token, with_body, extra)
  local h = { ["Authorization"] = "Bearer " .. token }
  if with_body then
    h["Content-Type"] = "application/json"
  end
  for name, value in pairs(extra or {}) do
    h[name] = value
  end
  return h
end

function bench.list(row)
  return wrk.format("GET", "/api/tasks", headers(row.token))
end

function bench.get(row, extra)
  return wrk.format("GET", "/api/tasks/" .. row.id, headers(row.token, false, extra))
end

function bench.create(row, extra)
  local body = '{"title":"written by the bench","description":"wrk create workload","completed":false}'
  return wrk.format("POST", "/api/tasks", headers(row.token, true, extra), body)
end

function bench.update(row)
  local body = '{"title":"renamed by the bench","description":"wrk update workload"}'
  return wrk.format("PUT", "/api/tasks/" .. row.id, headers(row.token, true), body)
end

function bench.toggle(row)
  return wrk.format("PATCH", "/api/tasks/" .. row.id .. "/toggle", headers(row.token))
end

-- Every row of `path` turned into a ready request by `build`.
function bench.requests(path, build)
  local built = {}
  for _, row in ipairs(bench.rows(path)) do
    built[#built + 1] = build(row)
  end
  return built
end

function bench.pick(requests)
  return requests[math.random(#requests)]
end

-- The share (in %) of wrk's latency histogram above `limit` (microseconds). The script API gives percentiles, not
-- counts, so this bisects for the percentile at the limit; each step is one pass over the histogram in C, and it
-- only runs when the slowest request was over the limit. Like every percentile wrk reports, it includes wrk's
-- correction for coordinated omission (samples wrk adds below each slow request), so it is not a count of
-- requests: a share of the latency distribution, read like p99.
local function share_above(latency, limit)
  if latency.max <= limit then
    return 0
  end
  local low, high = 0, 100
  for _ = 1, 40 do
    local middle = (low + high) / 2
    if latency:percentile(middle) <= limit then
      low = middle
    else
      high = middle
    end
  end
  return 100 - low
end

function bench.done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    parts[#parts + 1] = string.format('"%d":%d', status, count)
  end
  local e = summary.errors
  local slow = share_above(latency, tonumber(os.getenv("BENCH_SLOW_US") or "5000000"))
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"slow_pct":%.4f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
    math.floor(latency:percentile(99.9)), math.floor(latency.max), slow,
    e.connect, e.read, e.write, e.timeout, table.concat(parts, ",")))
end

return bench
