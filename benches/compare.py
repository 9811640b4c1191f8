#!/usr/bin/env python3
"""refresh-sim beside its SimPy peer, on identical parameters.

Runs the release binary (`refresh-sim run scenarios/uk-mix.toml --set ...`) and
`benches/simpy_peer.py` on the same scenario file, connections, strategy and concurrency,
each as a child process, several times; reports the wall time of each (median, min–max),
the ratio SimPy / refresh-sim, each side's peak RSS (from `wait4`), and the two models'
outcome counts side by side, to show they are the same model (they agree statistically; the
random numbers differ). Then one large refresh-sim run (10,000,000 connections, random
offset, no peer) for peak memory per connection.

Two ratios. End to end: wall time of each process (refresh-sim's process start, scenario
parsing and atomic CSV writes on one side; the Python interpreter and SimPy import on the
other). Simulation only: `sim::run` timed inside the `model` bench binary (run in its child
mode) against the peer's own timing of its model construction and run.

SimPy is installed with pip if missing; if that fails, the peer is skipped with a message.

Usage: benches/compare.py [--connections N] [--queued-connections N] [--reps K] [--peer-reps K]
                          [--strategies queued,random_offset] [--concurrency C]
                          [--large N | --large 0] [--no-build]
"""

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "uk-mix.toml"
# The peer implements the idealised client both models share: one 24 h day, a looping queue
# of zero-overhead workers (refresh-sim's default client refreshes each connection once a day
# and its workers take a drawn overhead; the peer does not model those).
LATTICE = ["window.length=24h", "window.warmup=0s", "strategy.loop=true",
           'strategy.worker_overhead={ dist = "constant", value = "0s" }']


def lattice_scenario(tmp):
    """uk-mix.toml as the peer reads it: the LATTICE overrides written into the file."""
    text = SCENARIO.read_text()
    text = text.replace('length = "4d"\nwarmup = "1d"\n', 'length = "24h"\n')
    text = text.replace('period = "24h"\n', 'period = "24h"\nloop = true\n'
                        'worker_overhead = { dist = "constant", value = "0s" }\n')
    if 'loop = true' not in text or 'warmup' in text:
        sys.exit("compare.py: uk-mix.toml changed shape; update lattice_scenario()")
    path = Path(tmp) / "uk-mix-lattice.toml"
    path.write_text(text)
    return path
BINARY = ROOT / "target" / "release" / "refresh-sim"
PEER = ROOT / "benches" / "simpy_peer.py"
COUNTS = ["attempts", "successes", "rate_limited", "errors", "reconnect_required",
          "deduplicated", "api_calls", "refreshed"]


def timed_rss(cmd):
    """Runs `cmd` with its output to pipes; returns (wall s, peak RSS KiB, stdout text)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if p.returncode != 0:
            sys.exit(f"{' '.join(map(str, cmd))} failed:\n{err.read().decode()}")
        return wall, usage.ru_maxrss, out.read().decode()


def stats(xs):
    return statistics.median(xs), min(xs), max(xs)


def show(xs, digits=2):
    m, lo, hi = stats(xs)
    return f"{m:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def refresh_sim(n, strategy, concurrency, out):
    cmd = [str(BINARY), "run", str(SCENARIO), "--out", str(out),
           "--set", f"population.connections={n}", "--set", f"strategy.kind={strategy}"]
    for s in LATTICE:
        cmd += ["--set", s]
    if strategy == "queued":
        cmd += ["--set", f"strategy.concurrency={concurrency}"]
    wall, rss, _ = timed_rss(cmd)
    with open(Path(out) / "summary.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["bank"] == "all")
    counts = {k: int(row[k]) for k in COUNTS}
    counts["events"] = int(row["events"])
    counts["mean_in_flight"] = float(row["mean_in_flight"])
    return wall, rss, counts


def bench_exe():
    """The `model` bench binary (built if needed), whose child mode times one `sim::run`."""
    r = subprocess.run(["cargo", "bench", "--bench", "model", "--no-run", "--message-format=json"],
                       cwd=ROOT, capture_output=True, text=True, check=True)
    for line in r.stdout.splitlines():
        m = json.loads(line)
        if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "model" and m.get("executable"):
            return m["executable"]
    sys.exit("compare.py: cannot find the model bench binary")


def sim_only(exe, n, strategy, concurrency):
    """Seconds of `sim::run` alone, in a fresh process."""
    sets = [f"strategy.kind={strategy}"] + LATTICE
    if strategy == "queued":
        sets.append(f"strategy.concurrency={concurrency}")
    env = dict(os.environ, REFRESH_SIM_BENCH_CHILD=";".join([str(n)] + sets))
    r = subprocess.run([exe], env=env, capture_output=True, text=True, check=True)
    line = next(l for l in r.stdout.splitlines() if l.startswith("RESULT "))
    return float(line.split()[1])


def peer(scenario, n, strategy, concurrency):
    cmd = [sys.executable, str(PEER), str(scenario), "--connections", str(n),
           "--strategy", strategy, "--concurrency", str(concurrency)]
    wall, rss, out = timed_rss(cmd)
    return wall, rss, json.loads(out.strip().splitlines()[-1])


def have_simpy():
    probe = [sys.executable, "-c", "import simpy"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return True
    print("# SimPy not found: installing it with pip (pip install simpy)")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "simpy"],
                       capture_output=True, text=True)
    if r.returncode == 0 and subprocess.run(probe, capture_output=True).returncode == 0:
        return True
    print("# SKIPPING the SimPy peer: `pip install simpy` failed "
          f"({(r.stderr or r.stdout).strip().splitlines()[-1:] or ['no output']}). "
          "Install SimPy and run again for the ratio.")
    return False


def main():
    ap = argparse.ArgumentParser(description="refresh-sim beside its SimPy peer")
    ap.add_argument("--connections", type=int, default=1_000_000,
                    help="connections of the random-offset case")
    ap.add_argument("--queued-connections", type=int, default=200_000,
                    help="connections of the queued case (issue 17: 200,000 at c = 64)")
    ap.add_argument("--reps", type=int, default=5, help="refresh-sim runs per strategy")
    ap.add_argument("--peer-reps", type=int, default=3, help="SimPy runs per strategy")
    ap.add_argument("--strategies", default="queued,random_offset")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--large", type=int, default=10_000_000,
                    help="connections of the memory run (random offset, refresh-sim only); 0 skips it")
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()

    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = bench_exe()
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"# refresh-sim vs SimPy peer: uk-mix.toml, one day; load average {load}")
    use_peer = have_simpy()
    tmp = Path(tempfile.mkdtemp(prefix="refresh-sim-compare-"))
    lattice = lattice_scenario(tmp)
    try:
        for strategy in a.strategies.split(","):
            n = a.queued_connections if strategy == "queued" else a.connections
            label = f"{strategy} c={a.concurrency}" if strategy == "queued" else strategy
            label += f", {n:,} connections"
            ours = [refresh_sim(n, strategy, a.concurrency, tmp / f"{strategy}{i}")
                    for i in range(a.reps)]
            walls = [w for w, _, _ in ours]
            rss = max(r for _, r, _ in ours)
            counts = ours[0][2]
            sims = [sim_only(exe, n, strategy, a.concurrency) for _ in range(a.reps)]
            print(f"\n## {label}")
            print(f"refresh-sim  wall {show(walls, 3)} s  (sim::run {show(sims, 3)} s)  "
                  f"peak RSS {rss / 1024:.1f} MiB  {counts['events']:,} events")
            if not use_peer:
                continue
            theirs = [peer(lattice, n, strategy, a.concurrency) for _ in range(a.peer_reps)]
            pwalls = [w for w, _, _ in theirs]
            psim = [o["sim_seconds"] for _, _, o in theirs]
            prss = max(r for _, r, _ in theirs)
            pc = theirs[0][2]
            print(f"SimPy {pc['simpy']:<6} wall {show(pwalls, 2)} s  (sim {show(psim, 2)} s)  "
                  f"peak RSS {prss / 1024:.1f} MiB")
            for what, theirs_t, ours_t in [("end to end", pwalls, walls), ("simulation only", psim, sims)]:
                pairs = [p / r for p in theirs_t for r in ours_t]
                print(f"ratio SimPy / refresh-sim, {what}: "
                      f"{statistics.median(theirs_t) / statistics.median(ours_t):.1f}x "
                      f"(all pairs {min(pairs):.1f}–{max(pairs):.1f}x)")
            print(f"{'':20} {'refresh-sim':>12} {'SimPy peer':>12} {'diff':>8}")
            for k in COUNTS + ["mean_in_flight"]:
                x, y = counts[k], pc[k]
                diff = f"{100 * (y - x) / x:+.2f}%" if x else "-"
                fmt = "{:>12,.2f}" if isinstance(x, float) else "{:>12,}"
                print(f"{k:20} {fmt.format(x)} {fmt.format(y)} {diff:>8}")
        if a.large:
            walls, rsses = [], []
            for i in range(3):
                w, r, c = refresh_sim(a.large, "random_offset", a.concurrency, tmp / f"large{i}")
                walls.append(w)
                rsses.append(r)
                shutil.rmtree(tmp / f"large{i}", ignore_errors=True)
            peak = max(rsses)
            print(f"\n## random_offset, {a.large:,} connections (refresh-sim only)")
            print(f"refresh-sim  wall {show(walls, 2)} s  peak RSS {peak / 1024:.1f} MiB "
                  f"= {peak * 1024 / a.large:.1f} B/connection  ({c['events']:,} events)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open("/proc/loadavg") as f:
        print(f"\n# load average after: {' '.join(f.read().split()[:3])}")


if __name__ == "__main__":
    main()
