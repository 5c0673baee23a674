-- POST /api/tasks as a random writer (args[1]: writers file). Writers are users nobody lists, so the lists the
-- other workloads read keep their size however many tasks this run creates on either server.
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup, response, done = bench.setup, bench.response, bench.done
local requests

function init(args)
  bench.init()
  requests = bench.requests(args[1], bench.create)
end

function request()
  return bench.pick(requests)
end
