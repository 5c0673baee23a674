-- The create workload with an `Idempotency-Key` never sent before on every request, so the app stores each answer
-- and never replays one. What keeping answers for safe retries costs (args[1]: writers file).
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup, response, done = bench.setup, bench.response, bench.done
local rows, prefix
local sent = 0

function init(args)
  bench.init()
  rows = bench.rows(args[1])
  -- Unique across the threads (each seeded apart) and across the runs of one bench (the time differs).
  prefix = string.format("bench-%d-%d-%d-", os.time(), thread_number or 0, math.random(1000000000))
end

-- Built per request, since each carries its own key; the other workloads build theirs once.
function request()
  sent = sent + 1
  return bench.create(rows[math.random(#rows)], { ["Idempotency-Key"] = prefix .. sent })
end
