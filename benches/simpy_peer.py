#!/usr/bin/env python3
"""An independent SimPy implementation of refresh-sim's queued and random-offset model.

Written the way a careful Python engineer writes it, so that the ratio to refresh-sim is a
ratio to the best peer, not to a naive one (issue 17): SimPy wakes a process only where
something must happen at a time, and everything else is computed.
- **One timeout per attempt that needs a wake-up, and no other event.** Random offset: one
  process walks the sorted arrivals, one timeout to each. Queued: each slot process submits,
  computes when its client will learn the outcome, and sleeps until then (one timeout).
- **Polls are computed, not simulated**: the outcome is learned at the first poll at or after
  the task ends, `submitted + ceil((done - submitted) / poll) * poll`, and the polls are
  counted as API calls in one addition.
- **A bank's in-flight slots are released lazily**: each bank keeps a heap of the completion
  times of its calls in flight and pops those due at the next admission, so a completion is
  not an event. The time-average in flight is each admitted call's time inside the window,
  summed at admission; a success's minute and the connection's last success are known at
  admission too.
It runs from the same scenario file, so that `benches/compare.py` can time refresh-sim and
this peer on identical parameters.

What it models, as refresh-sim does (see ARCHITECTURE.md and docs/manual.md):
- connections: bank drawn by the banks' shares; consent expiring with probability
  `population.consent_expiry_share` at a uniform instant of the window (then the refresh ends
  `reconnect_required` without a bank call);
- the platform: a refresh of a connection with a task still pending, or refreshed
  successfully within `platform.dedup_window`, is `deduplicated`; the client polls every
  `platform.poll_interval` from submission, so it learns an outcome at the first poll at or
  after the task ends (one poll at least, even for an immediate 429); polls count as API calls;
- banks: service time (lognormal from median and p95, exponential, or constant) rounded to
  microseconds, 5xx probability, and the `concurrency` and `token_bucket` policies (GCRA in
  integer nanoseconds, as refresh-sim's). A call is admitted only if every policy admits it;
  a rejection consumes nothing and is a 429;
- strategies: `queued` as refresh-sim's `loop = true` with zero worker overhead (a FIFO
  served by `concurrency` slots; a slot is busy from submission until the client learns the
  outcome and submits again at that instant; the connection then goes to the back of the
  FIFO unless it needs its customer to reconnect; nothing is submitted after the window
  ends) and `random_offset` over a one-day window (each connection once, at a uniform
  instant of the window);
- measurements: attempts and each outcome, API calls, successes and 429s per bank per minute,
  the time-average of calls in flight, and the data-age histogram at the window's end.

Simplifications (stated, not hidden):
- random numbers come from Python's `random` (Mersenne Twister), not refresh-sim's keyed
  SplitMix64 streams, so results agree statistically, not bit for bit;
- only the policies uk-mix uses (`concurrency`, `token_bucket`), no retries, no callbacks, no
  internal bank servers, no maintenance windows, no warm-up, one day, the looping lattice
  client only (not refresh-sim's default daily client with worker overhead): the script
  refuses a scenario that needs more (`benches/compare.py` writes uk-mix as the peer reads
  it);
- consent expiry: refresh-sim draws it as a daily hazard, exponential within the day; at the
  1.1 % a day of uk-mix that is uniform within 0.6 %, which the peer draws.

Usage: simpy_peer.py SCENARIO.toml [--connections N] [--strategy queued|random_offset]
                     [--concurrency C] [--seed S]
Prints one JSON object: the counters and the wall time of the simulation itself.
"""

import argparse
import bisect
import heapq
import json
import math
import random
import re
import sys
import time
import tomllib

try:
    import simpy
except ImportError:
    sys.exit("simpy_peer.py: SimPy is not installed (pip install simpy)")

US = 1_000_000
UNITS = {"us": 1, "ms": 1_000, "s": US, "m": 60 * US, "h": 3_600 * US, "d": 86_400 * US}
Z95 = 1.6448536269514722
MINUTE = 60 * US


def duration(text):
    """'10s', '1h30m', '250ms' -> microseconds (refresh-sim's syntax)."""
    text = str(text).strip()
    if text == "0":
        return 0
    parts = re.findall(r"([0-9.]+)\s*([a-z]+)", text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        sys.exit(f"simpy_peer.py: cannot read duration {text!r}")
    return sum(round(float(n) * UNITS[u]) for n, u in parts)


def time_of_day(text):
    h, m, *s = (int(x) for x in text.split(":"))
    return (h * 3600 + m * 60 + (s[0] if s else 0)) * US


class Bank:
    """A bank: service time, 5xx probability, a concurrency cap and token buckets."""

    def __init__(self, spec):
        self.name = spec["name"]
        self.share = float(spec["share"])
        self.error_rate = float(spec.get("error_rate", 0.0))
        st = spec["service_time"]
        dist = st["dist"]
        if dist == "lognormal":
            median = duration(st["median"]) / US
            if "p95" in st:
                sigma = math.log(duration(st["p95"]) / US / median) / Z95
            else:
                sigma = float(st["sigma"])
            mu = math.log(median)
            self.draw_service = lambda rng: round(rng.lognormvariate(mu, sigma) * US)
        elif dist == "exponential":
            mean = duration(st["mean"]) / US
            self.draw_service = lambda rng: round(rng.expovariate(1.0 / mean) * US)
        elif dist == "constant":
            value = duration(st["value"])
            self.draw_service = lambda rng: value
        else:
            sys.exit(f"simpy_peer.py: bank {self.name}: service time {dist!r} not supported")
        self.cap = None  # max in flight
        self.buckets = []  # [emission_ns, tolerance_ns, tat_ns]
        for limit in spec.get("limits", []):
            kind = limit["kind"]
            if kind == "concurrency":
                self.cap = int(limit["max_in_flight"])
            elif kind == "token_bucket":
                emission = max(1, math.ceil(1e9 / float(limit["rate"])))
                self.buckets.append([emission, (int(limit["burst"]) - 1) * emission, 0])
            else:
                sys.exit(f"simpy_peer.py: bank {self.name}: policy {kind!r} not supported")
        for key in ("servers", "load_latency", "retry_after", "preset"):
            if key in spec:
                sys.exit(f"simpy_peer.py: bank {self.name}: `{key}` not supported")
        self.done = []  # completion times of the calls in flight (a heap; released lazily)
        self.in_flight_area = 0  # call-microseconds inside the window

    def admits(self, now):
        """Whether every policy admits a call at `now` (releasing the calls done by then)."""
        if self.cap is not None:
            done = self.done
            while done and done[0] <= now:
                heapq.heappop(done)
            if len(done) >= self.cap:
                return False
        now_ns = now * 1000
        for b in self.buckets:
            if now_ns + b[1] < b[2]:
                return False
        return True

    def admit(self, now, done_at, window_end):
        """Takes a call admitted at `now` that ends at `done_at`: a rejection consumes nothing,
        so the policies are charged only here. Calls draining after the window do not count
        in the in-flight average, as in refresh-sim."""
        now_ns = now * 1000
        for b in self.buckets:
            b[2] = max(b[2], now_ns) + b[0]
        if self.cap is not None:
            heapq.heappush(self.done, done_at)
        self.in_flight_area += max(0, min(done_at, window_end) - min(now, window_end))


class Model:
    def __init__(self, sc, connections, strategy, concurrency, seed):
        if sc.get("retry", {}).get("max_attempts", 1) > 1:
            sys.exit("simpy_peer.py: retries are not supported")
        platform = sc.get("platform", {})
        if platform.get("status", "poll") != "poll":
            sys.exit("simpy_peer.py: only polling is supported")
        self.poll = duration(platform.get("poll_interval", "10s"))
        self.dedup = duration(platform.get("dedup_window", "1h"))
        window = sc["window"]
        if "warmup" in window:
            sys.exit("simpy_peer.py: warm-up is not supported")
        st = sc.get("strategy", {})
        overhead = st.get("worker_overhead", {})
        if not (st.get("loop") is True and overhead.get("dist") == "constant"
                and duration(overhead.get("value", "1s")) == 0):
            sys.exit("simpy_peer.py: only the looping zero-overhead client is modelled "
                     "(strategy.loop = true, worker_overhead constant 0s)")
        if duration(window["length"]) != duration(st.get("period", "24h")):
            sys.exit("simpy_peer.py: the window must be one period long")
        self.start = time_of_day(window.get("start", "00:00"))
        self.length = duration(window["length"])
        self.end = self.start + self.length
        self.banks = [Bank(b) for b in sc["banks"]]
        self.n = connections
        self.strategy = strategy
        self.concurrency = concurrency
        self.rng = random.Random(seed)
        self.env = simpy.Environment(initial_time=self.start)
        # Connection state.
        cum, acc = [], 0.0
        for b in self.banks:
            acc += b.share
            cum.append(acc)
        nb = len(self.banks)
        share_at = cum[: nb - 1]
        expiry = float(sc["population"].get("consent_expiry_share", 0.0))
        rng = self.rng
        self.bank_of = [min(bisect.bisect_right(share_at, rng.random()), nb - 1) for _ in range(connections)]
        never = math.inf
        self.consent_expires = [
            self.start + rng.randrange(self.length) if rng.random() < expiry else never
            for _ in range(connections)
        ]
        self.last_success = [None] * connections
        self.pending_until = [0] * connections  # the bank's task ends (pending before)
        # Counters.
        self.c = dict(attempts=0, successes=0, rate_limited=0, errors=0, reconnect_required=0,
                      deduplicated=0, api_calls=0)
        minutes = self.length // MINUTE + 1
        self.series = [[[0, 0] for _ in range(nb)] for _ in range(minutes)]  # successes, 429s

    def minute(self, now):
        m = (now - self.start) // MINUTE
        while m >= len(self.series):
            self.series.append([[0, 0] for _ in self.banks])
        return self.series[m]

    def attempt(self, conn, submitted):
        """One attempt submitted now: the platform and the bank decide, and everything that
        follows (bank completion, polls) is computed. Returns the outcome and when the client
        learns it."""
        c = self.c
        c["attempts"] += 1
        b = self.bank_of[conn]
        bank = self.banks[b]
        last = self.last_success[conn]
        done = submitted
        if self.pending_until[conn] > submitted or (last is not None and submitted - last < self.dedup):
            outcome = "deduplicated"
        elif self.consent_expires[conn] <= submitted:
            outcome = "reconnect_required"
        elif not bank.admits(submitted):
            outcome = "rate_limited"
            self.minute(submitted)[b][1] += 1
        else:
            done = submitted + bank.draw_service(self.rng)
            failed = bank.error_rate > 0 and self.rng.random() < bank.error_rate
            bank.admit(submitted, done, self.end)
            self.pending_until[conn] = done
            if failed:
                outcome = "errors"
            else:
                outcome = "successes"
                self.last_success[conn] = done
                self.minute(done)[b][0] += 1
        # The first poll at or after the task's end (at least one), and the submission.
        polls = max(1, -(-(done - submitted) // self.poll))
        c["api_calls"] += 1 + polls
        c[outcome] += 1
        return outcome, submitted + polls * self.poll

    def arrivals(self):
        """random_offset: each connection once, at a uniform instant of the window."""
        rng, env = self.rng, self.env
        plan = sorted((self.start + rng.randrange(self.length), conn) for conn in range(self.n))
        attempt = self.attempt
        for t, conn in plan:
            if t > env.now:
                yield env.timeout(t - env.now)
            attempt(conn, t)

    def slot(self, fifo):
        """queued: a slot submits the FIFO's front, sleeps until it learns the outcome, and
        requeues the connection then."""
        env = self.env
        while fifo and env.now < self.end:
            conn = fifo.popleft()
            outcome, learned = self.attempt(conn, env.now)
            yield env.timeout(learned - env.now)
            if outcome != "reconnect_required":
                fifo.append(conn)

    def run(self):
        if self.strategy == "random_offset":
            self.env.process(self.arrivals())
        elif self.strategy == "queued":
            from collections import deque

            fifo = deque(range(self.n))
            for _ in range(min(self.concurrency, self.n)):
                self.env.process(self.slot(fifo))
        else:
            sys.exit(f"simpy_peer.py: strategy {self.strategy!r} not supported")
        self.env.run()
        # Data age at the window's end, in whole minutes.
        ages = [0] * (self.length // MINUTE + 1)
        for t in self.last_success:
            if t is not None:
                ages[min(max(self.end - t, 0) // MINUTE, len(ages) - 1)] += 1
        return ages


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--connections", type=int)
    ap.add_argument("--strategy", choices=["queued", "random_offset"])
    ap.add_argument("--concurrency", type=int)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with open(a.scenario, "rb") as f:
        sc = tomllib.load(f)
    n = a.connections or int(sc["population"]["connections"])
    strategy = a.strategy or sc["strategy"]["kind"]
    concurrency = a.concurrency or int(sc["strategy"].get("concurrency", 1))
    t0 = time.perf_counter()
    model = Model(sc, n, strategy, concurrency, a.seed)
    ages = model.run()
    secs = time.perf_counter() - t0
    refreshed = sum(ages)
    out = dict(model.c, connections=n, strategy=strategy, refreshed=refreshed,
               mean_in_flight=sum(b.in_flight_area for b in model.banks) / model.length,
               sim_seconds=secs, simpy=simpy.__version__)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
