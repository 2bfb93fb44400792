-- wrk request generator for POST /v2/enqueue: 50% new dedup keys, 40% repeats of a recent
-- key, 10% resolves of a recent key. ROUTING_KEY comes from the environment.
local key = os.getenv("ROUTING_KEY")
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  math.randomseed(os.time() * 1000 + tid * 7919)
  prefix = "b" .. tid .. "-" .. os.time() .. "-"
  counter = 0
  created = 0
  recent = {}
end

local function body(action, dedup)
  return '{"routing_key":"' .. key .. '","event_action":"' .. action .. '","dedup_key":"' .. dedup ..
    '","payload":{"summary":"bench event ' .. dedup .. '","source":"wrk","severity":"error"}}'
end

request = function()
  counter = counter + 1
  local r = math.random()
  local action, dedup
  if r < 0.5 or created == 0 then
    dedup = prefix .. counter
    recent[(created % 256) + 1] = dedup
    created = created + 1
    action = "trigger"
  elseif r < 0.9 then
    dedup = recent[math.random(math.min(created, 256))]
    action = "trigger"
  else
    dedup = recent[math.random(math.min(created, 256))]
    action = "resolve"
  end
  return wrk.format("POST", "/v2/enqueue", {["Content-Type"] = "application/json"}, body(action, dedup))
end

response = function(status, headers, body)
  if status ~= 202 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end
