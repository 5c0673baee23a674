-- GET /api/tasks as a random reader (args[1]: readers file, one token per line; each reader owns 50 tasks).
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup, response, done = bench.setup, bench.response, bench.done
local requests

function init(args)
  bench.init()
  requests = bench.requests(args[1], bench.list)
end

function request()
  return bench.pick(requests)
end
