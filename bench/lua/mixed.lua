-- A frontend's mix: 30% list, 30% get, 20% create, 10% update, 10% toggle.
-- args[1]: tasks file ("<token> <task id>"), args[2]: writers file. Creates go to writers, whom nobody lists.
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
setup, response, done = bench.setup, bench.response, bench.done
local lists, gets, creates, updates, toggles

function init(args)
  bench.init()
  lists = bench.requests(args[1], bench.list)
  gets = bench.requests(args[1], bench.get)
  updates = bench.requests(args[1], bench.update)
  toggles = bench.requests(args[1], bench.toggle)
  creates = bench.requests(args[2], bench.create)
end

function request()
  local roll = math.random(100)
  if roll <= 30 then
    return bench.pick(lists)
  elseif roll <= 60 then
    return bench.pick(gets)
  elseif roll <= 80 then
    return bench.pick(creates)
  elseif roll <= 90 then
    return bench.pick(updates)
  end
  return bench.pick(toggles)
end
