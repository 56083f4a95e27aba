"""The load the inbound bench drives: SMS API inbound texts posted as a form, path-token
mode, 95 % ordinary replies and 5 % STOP from 10,000 phones, every messageId new; through wrk
when installed, else a small asyncio generator in two processes.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

TOKEN = "bench-webhook-token"
PATH = f"/webhooks/vonage/inbound?token={TOKEN}"
ORDINARY = [
    "Thanks, see you Friday", "What time do you close today?",
    "Is the blue one still available?", "Can I come by at 3?", "ok sounds good",
    "Yes I am interested in the truck", "How much for the trade in?", "Thank you!",
]
STOP_SHARE = 0.05
# --unique-texts: each ordinary reply ends with a random number, so that the app's memo of
# recent classifier answers (store/classifier/decide.py) is of no help: the worst case
UNIQUE_TEXTS = False
PHONES = 10_000
AREA_CODES = [201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218,
              219, 224, 225, 228]


def phone(n: int) -> str:
    """Return the n-th bench phone as Vonage writes an msisdn (country code, no plus)."""
    return f"1{AREA_CODES[n % len(AREA_CODES)]}555{n // len(AREA_CODES):04d}"


def request_bytes(port: int, tag: str, n: int, rng: random.Random) -> bytes:
    """Return one inbound webhook as raw HTTP: a form post, as Vonage sends it."""
    text = "STOP" if rng.random() < STOP_SHARE else rng.choice(ORDINARY)
    if UNIQUE_TEXTS and text != "STOP":
        text += f" {rng.randrange(1_000_000)}"
    body = urlencode({
        "msisdn": phone(rng.randrange(PHONES)), "to": "12125550199",
        "messageId": f"{tag}-{n}", "text": text, "type": "text",
        "keyword": text.split()[0].upper(), "api-key": "bench",
        "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }).encode()
    return (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _connection(port: int, tag: str, until: float, out: dict) -> None:
    rng = random.Random(tag)
    reader = writer = None
    n = 0
    while time.monotonic() < until:
        n += 1
        data = request_bytes(port, tag, n, rng)
        began = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(data)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            lines = head.lower().split(b"\r\n")
            length = next((int(v.split(b":")[1]) for v in lines
                           if v.startswith(b"content-length:")), 0)
            if length:
                await reader.readexactly(length)
            close = b"connection: close" in lines
        except (OSError, asyncio.IncompleteReadError, ValueError):
            out["errors"] += 1
            status, close = 0, True
        out["latencies"].append(time.perf_counter() - began)
        out["statuses"][status] = out["statuses"].get(status, 0) + 1
        if close and writer is not None:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def _generate(port: int, tag: str, connections: int, seconds: float, queue) -> None:
    out = {"latencies": [], "statuses": {}, "errors": 0}
    until = time.monotonic() + seconds

    async def run():
        await asyncio.gather(*(_connection(port, f"{tag}.{c}", until, out)
                               for c in range(connections)))

    asyncio.run(run())
    queue.put(out)


@dataclass
class Load:
    requests: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    errors: int
    generator_cpu: float = 0.0
    ok: int = field(init=False)

    def __post_init__(self):
        self.ok = sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0

    @property
    def non_2xx(self) -> int:
        return self.requests - self.ok


def python_load(port: int, tag: str, connections: int, seconds: float,
                processes: int = 2) -> Load:
    """Drive `port` with `connections` requests in flight for `seconds`; return the load."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    shares = [connections // processes + (i < connections % processes)
              for i in range(processes)]
    before = os.times()
    began = time.perf_counter()
    procs = [ctx.Process(target=_generate, args=(port, f"{tag}-{i}", n, seconds, queue))
             for i, n in enumerate(shares) if n]
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    took = time.perf_counter() - began
    after = os.times()
    latencies = [x for part in parts for x in part["latencies"]]
    statuses: dict[int, int] = {}
    for part in parts:
        for s, n in part["statuses"].items():
            statuses[s] = statuses.get(s, 0) + n
    cpu = (after.children_user - before.children_user
           + after.children_system - before.children_system)
    return Load(len(latencies), took, latencies, statuses,
                sum(p["errors"] for p in parts), generator_cpu=cpu)


# ---- wrk, when installed ---------------------------------------------------------------

WRK_SCRIPT = """
local counter, thread_tag = 0, 0
local ordinary = {%(ordinary)s}
local areas = {%(areas)s}
function setup(thread) thread:set("tid", tostring(math.random(1e9))) end
function init(args) math.randomseed(tonumber(tid)); thread_tag = tid end
local function esc(s) return (s:gsub("[^%%w]", function(c)
  return string.format("%%%%%%02X", string.byte(c)) end)) end
function request()
  counter = counter + 1
  local n = math.random(0, %(phones)d - 1)
  local msisdn = string.format("1%%d555%%04d", areas[(n %% #areas) + 1], math.floor(n / #areas))
  local text = (math.random() < %(stop)f) and "STOP" or ordinary[math.random(#ordinary)]
  if %(unique)s and text ~= "STOP" then text = text .. " " .. math.random(0, 999999) end
  local body = "msisdn=" .. msisdn .. "&to=12125550199&messageId=%(tag)s-" .. thread_tag
    .. "-" .. counter .. "&text=" .. esc(text) .. "&type=text&api-key=bench"
    .. "&message-timestamp=" .. esc(os.date("!%%Y-%%m-%%d %%H:%%M:%%S"))
  return wrk.format("POST", "%(path)s",
    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
function done(summary, latency, requests)
  local codes = 0
  io.write(string.format("BENCHJSON {\\"requests\\": %%d, \\"seconds\\": %%f, "
    .. "\\"p50\\": %%f, \\"p99\\": %%f, \\"non2xx\\": %%d, \\"errors\\": %%d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


def wrk_load(port: int, tag: str, connections: int, seconds: float, workdir: Path) -> Load:
    script = workdir / "inbound.lua"
    script.write_text(WRK_SCRIPT % {
        "ordinary": ", ".join(json.dumps(t) for t in ORDINARY),
        "areas": ", ".join(map(str, AREA_CODES)), "phones": PHONES, "stop": STOP_SHARE,
        "tag": tag, "path": PATH,
        "unique": "true" if UNIQUE_TEXTS else "false"})
    return _run_wrk(script, port, connections, seconds)


def _run_wrk(script: Path, port: int, connections: int, seconds: float,
             threads: int = 2) -> Load:
    before = os.times()
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}",
                          f"-d{max(1, round(seconds))}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, check=True).stdout
    after = os.times()
    found = json.loads(next(line for line in out.splitlines()
                            if line.startswith("BENCHJSON "))[10:])
    load = Load(found["requests"], found["seconds"], [], {204: found["requests"]},
                found["errors"], generator_cpu=(after.children_user - before.children_user
                                                + after.children_system
                                                - before.children_system))
    load.ok = found["requests"] - found["non2xx"] - found["errors"]
    load.percentile = lambda p: found["p50"] if p == 0.5 else found["p99"]
    return load


# ---- signed webhooks, as Vonage sends them in production -------------------------------

SECRET = "bench-signature-secret"
SIGNED_PATH = "/webhooks/vonage/inbound"
SIGNED_RATE_CAP = 5_000  # req/s: the signed bodies made for a load, at most this fast
SIGNED_SCRIPT = """
local bodies, i, threads = {}, 0, 0
function setup(thread) threads = threads + 1; thread:set("file", "%(prefix)s" .. threads) end
function init(args) for line in io.lines(file) do bodies[#bodies + 1] = line end end
function request()
  i = i + 1
  return wrk.format("POST", "%(path)s",
    {["Content-Type"] = "application/x-www-form-urlencoded"}, bodies[((i - 1) %% #bodies) + 1])
end
""" + WRK_SCRIPT[WRK_SCRIPT.index("function done"):]


def signed_bodies(tag: str, count: int, rng: random.Random) -> list[str]:
    """Return `count` SMS API webhooks as request_bytes() makes them, each signed as Vonage
    signs one (HMAC-SHA256 over its sorted parameters, with a timestamp and a nonce): wrk
    cannot compute an HMAC, so they are made before the load."""
    from tests.fakes.signing import sign_sms_params

    bodies = []
    for n in range(count):
        text = "STOP" if rng.random() < STOP_SHARE else rng.choice(ORDINARY)
        bodies.append(urlencode(sign_sms_params({
            "msisdn": phone(rng.randrange(PHONES)), "to": "12125550199",
            "messageId": f"{tag}-{n}", "text": text, "type": "text",
            "keyword": text.split()[0].upper(), "api-key": "bench",
            "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        }, SECRET)))
    return bodies


def wrk_signed_load(port: int, tag: str, connections: int, seconds: float,
                    workdir: Path) -> Load:
    """wrk_load() with signed webhooks (signed_bodies()), no path token; each body once."""
    rng, threads = random.Random(tag), 2
    made = int(seconds * SIGNED_RATE_CAP / threads) + 500
    for t in range(1, threads + 1):
        (workdir / f"signed-{t}").write_text(
            "\n".join(signed_bodies(f"{tag}.{t}", made, rng)) + "\n")
    script = workdir / "signed.lua"
    script.write_text(SIGNED_SCRIPT % {"prefix": f"{workdir}/signed-", "path": SIGNED_PATH})
    load = _run_wrk(script, port, connections, seconds, threads)
    if load.requests > made * threads:
        raise SystemExit(f"{load.requests:,} signed requests outran the {made * threads:,} "
                         "made: raise SIGNED_RATE_CAP")
    return load
