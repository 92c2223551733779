-- Virtual residents for wrk: each wrk thread (run with as many threads as connections) is one
-- resident who completes the survey through the real pages, again and again:
--   GET the start page, POST "Start now", then for each question GET the page and POST an answer
--   (chosen at random from the page's own radios, with the page's CSRF token), GET and POST the
--   check answers page, GET the confirmation and keep its reference.
-- A redirect is followed as a browser does. Each resident writes what happened to it, one line an
-- event, to $JOURNEY_OUT-<resident>.tsv; done() writes wrk's own totals to $JOURNEY_OUT.
-- (Results are not gathered with thread:get: wrk's copy of a table between threads crashes it
-- on large or nested tables.)
--
-- A 503 (the service's "try again" page) is tried again after a quarter of a second, as a
-- resident would; any other unexpected status is counted as an error and the resident starts
-- again.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } journey_timespec;
  int clock_gettime(int clock, journey_timespec *ts);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("journey_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end

local start_path = os.getenv("JOURNEY_START") or "/surveys/community_confidence"
-- "journeys" (the default): complete the survey again and again. "pages": answer every question
-- once, then keep reading the question pages again in order (as Back and Change do): the
-- question page route alone, on real surveys in progress.
local mode = os.getenv("JOURNEY_MODE") or "journeys"
-- After this many seconds a resident starts no new survey: it finishes the one it is on, then
-- only asks /healthz until wrk stops (run wrk a few seconds longer). So every survey submitted
-- is one whose confirmation was seen, and stored responses can be compared exactly.
local active_ms = tonumber(os.getenv("JOURNEY_SECONDS") or "1e9") * 1000
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("resident", counter)
  table.insert(threads, thread)
end

-- What a phone's browser sends with every page: the app reads the language preference and the
-- browser on every request, so a benchmark without them measures a cheaper page than residents get.
-- (Every preference here resolves to English, whose "try again" page a 503 is checked for.)
local ACCEPT_LANGUAGES = { "en-GB,en;q=0.9", "en-GB,en-US;q=0.9,en;q=0.8", "en-US,en;q=0.9", "en-GB" }
local browser = {}

-- Per resident (one connection per thread)
local cookie = nil
local pending = nil       -- {method, path, body, kind}
local sent_at = 0
local retry_after = 0
local started_ms = 0
local idle = false
local visited = {}        -- question pages seen on this journey, for "pages" mode
local reading = 0         -- in "pages" mode, the index of the page being read again
local out = nil           -- this resident's event file

-- One line an event, tab separated:  L kind ms in_window | C reference | E status | R | X
local function event(...)
  out:write(table.concat({ ... }, "\t"), "\n")
end

function init(args)
  math.randomseed(resident * 7919 + os.time())
  out = assert(io.open((os.getenv("JOURNEY_OUT") or "journey.json") .. "-" .. resident .. ".tsv", "w"))
  out:setvbuf("full", 65536)  -- written out when wrk exits
  pending = { "GET", start_path, nil, "start" }
  started_ms = now_ms()
  browser = {
    ["User-Agent"] = "Mozilla/5.0 (Linux; Android 13; SM-A145R) AppleWebKit/537.36 (KHTML, like Gecko) "
      .. "Chrome/131.0.0.0 Mobile Safari/537.36",
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Language"] = ACCEPT_LANGUAGES[resident % #ACCEPT_LANGUAGES + 1],
  }
end

local function headers_with(extra)
  local headers = {}
  for name, value in pairs(browser) do headers[name] = value end
  for name, value in pairs(extra) do headers[name] = value end
  if cookie then headers["Cookie"] = cookie end
  return headers
end

local function form_headers()
  return headers_with({ ["Content-Type"] = "application/x-www-form-urlencoded" })
end

local function get_headers()
  return headers_with({})
end

-- After a "try again" page a resident waits a little before trying again.
function delay()
  local wait = retry_after
  retry_after = 0
  return wait
end

function request()
  sent_at = now_ms()
  local method, path, body = pending[1], pending[2], pending[3]
  if method == "POST" then
    return wrk.format("POST", path, form_headers(), body)
  end
  return wrk.format("GET", path, get_headers(), nil)
end

local function kind_of(path, method)
  if path:find("/confirmation", 1, true) then return "confirmation" end
  if path:find("/check%-answers") then return method == "POST" and "check_post" or "check_get" end
  if path:find("/questions/", 1, true) then return method == "POST" and "question_post" or "question_get" end
  if path:find("/start", 1, true) then return "begin" end
  return "start"
end

local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function restart()
  cookie = nil
  visited = {}
  reading = 0
  pending = { "GET", start_path, nil, "start" }
  if now_ms() - started_ms > active_ms then
    idle = true
    pending = { "GET", "/healthz", nil }
  end
end

local function read_next_page()
  reading = reading % #visited + 1
  pending = { "GET", visited[reading], nil }
end

local function answer_form(body, path)
  -- The page's form posts to its action, or (like a browser) to the page itself without one.
  local form = body:match('<form method="post"([^>]*)>')
  if not form then return nil end
  local action = form:match('action="([^"]+)"') or path
  local token = body:match('name="csrf_token" value="([^"]+)"')
  if not token then return nil end
  local fields = { "csrf_token=" .. urlencode(token) }
  local choices, name = {}, nil
  for input in body:gmatch("<input[^>]*>") do
    local kind = input:match('type="(%a+)"')
    if kind == "radio" or kind == "checkbox" then
      local field = input:match('name="([^"]+)"')
      if name == nil then name = field end
      if field == name then choices[#choices + 1] = input:match('value="([^"]*)"') end
    end
  end
  if name then
    fields[#fields + 1] = urlencode(name) .. "=" .. urlencode(choices[math.random(#choices)])
  end
  return { "POST", action:gsub("&amp;", "&"), table.concat(fields, "&") }
end

function response(status, headers, body)
  if idle then return end
  local method, path = pending[1], pending[2]
  local kind = kind_of(path, method)
  event("L", kind, string.format("%.3f", now_ms() - sent_at), sent_at - started_ms <= active_ms and 1 or 0)

  local set_cookie = headers["Set-Cookie"]
  if set_cookie then cookie = set_cookie:match("^([^;]+)") end

  if status == 503 then
    if not body:find("try again", 1, true) then
      event("E", "503 without a try again page")
    end
    event("R")
    retry_after = 250
    return
  end
  if status == 302 or status == 303 then
    local location = headers["Location"]:gsub("^https?://[^/]+", "")
    -- Check answers sends a resident back only to a question without a saved answer; a
    -- survey timed out or forgotten sends them to the start. Neither may happen mid-journey.
    if (kind == "check_get" and location:find("/questions/", 1, true))
        or location:find("/timed%-out") or location == start_path then
      event("X")
    end
    pending = { "GET", location, nil }
    return
  end
  if status ~= 200 then
    event("E", tostring(status))
    restart()
    return
  end
  if kind == "confirmation" then
    local reference = body:match('id="reference"[^>]*>([^<]+)<')
    if reference then
      event("C", reference)
    else
      event("E", "no reference")
    end
    restart()
    return
  end
  if mode == "pages" and (kind == "check_get" or reading > 0) and #visited > 0 then
    read_next_page()
    return
  end
  if kind == "question_get" then visited[#visited + 1] = path end
  local form = answer_form(body, path)
  if not form then
    event("E", "no form")
    restart()
    return
  end
  pending = form
end

function done(summary, latency, requests)
  local file = assert(io.open(os.getenv("JOURNEY_OUT") or "journey.json", "w"))
  file:write('{"duration_us":', summary.duration, ',"requests":', summary.requests,
    ',"residents":', #threads, ',"socket_errors":{"connect":', summary.errors.connect,
    ',"read":', summary.errors.read, ',"write":', summary.errors.write,
    ',"timeout":', summary.errors.timeout, ',"status":', summary.errors.status, '}}\n')
  file:close()
end
