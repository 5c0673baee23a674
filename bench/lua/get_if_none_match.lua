-- The get workload with `If-None-Match: "nomatch"`: a tag no task has, so the app compares it and answers 200 with
-- the task, as without the header. What the conditional-read check costs (args[1]: tasks file).
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup, response, done = bench.setup, bench.response, bench.done
local requests

function init(args)
  bench.init()
  requests = bench.requests(args[1], function(row)
    return bench.get(row, { ["If-None-Match"] = '"nomatch"' })
  end)
end

function request()
  return bench.pick(requests)
end
