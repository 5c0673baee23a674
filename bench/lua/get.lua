-- GET /api/tasks/{id} on a random task, as its owner (args[1]: tasks file, "<token> <task id>" per line).
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup, response, done = bench.setup, bench.response, bench.done
local requests

function init(args)
  bench.init()
  requests = bench.requests(args[1], bench.get)
end

function request()
  return bench.pick(requests)
end
