#!/usr/bin/env python3
"""Interleaved whole-process timing for scripts/bench.sh (#17).

Usage: interleave.py RUNS OUTDIR NAME=CMD [NAME=CMD ...]

CMD is split on spaces; leading KEY=VALUE words set that variant's
environment (an empty VALUE unsets KEY), so variants with different config
directories or stores run interleaved without a wrapper process.

Each round starts every variant once (the order rotating), so a change of
machine load hits all variants alike. Per run it records the wall time
(posix_spawn to wait4, stdout/stderr to /dev/null) and, from wait4's
rusage, the CPU time (user + system) and minor faults; CPU time and faults
hardly move with load, wall time does. Peak RSS comes from a second run
under /usr/bin/time -f %M, because wait4's ru_maxrss of a child spawned by
Python starts at Python's own size. Writes OUTDIR/NAME.us (wall µs, one per
line), NAME.cpu (CPU µs), NAME.flt (minor faults) and NAME.kb (peak RSS
KiB, when /usr/bin/time exists). A failing run aborts with its exit status.
"""
import os
import sys
import time


def run(argv, env=None):
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        fa = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
        start = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, env or os.environ, file_actions=fa)
        _, status, ru = os.wait4(pid, 0)
        wall = (time.perf_counter_ns() - start) // 1000
    finally:
        os.close(devnull)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"interleave: {' '.join(argv)} exited {os.waitstatus_to_exitcode(status)}")
    cpu = int((ru.ru_utime + ru.ru_stime) * 1e6)
    return wall, cpu, ru.ru_minflt


def peak_rss(argv, out, env=None):
    """Peak RSS in KiB of one run of argv under /usr/bin/time, or None."""
    if not os.access("/usr/bin/time", os.X_OK):
        return None
    path = os.path.join(out, "rss1")
    run(["/usr/bin/time", "-f", "%M", "-o", path] + argv, env)
    with open(path) as f:
        return int(f.read().split()[-1])


def variant(spec):
    """NAME=CMD -> (name, argv, environment)."""
    name, cmd = spec.split("=", 1)
    words, env = cmd.split(), dict(os.environ)
    while words and "=" in words[0] and not words[0].startswith("/"):
        key, value = words.pop(0).split("=", 1)
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    return name, words, env


def main():
    runs, out = int(sys.argv[1]), sys.argv[2]
    variants = [variant(spec) for spec in sys.argv[3:]]
    rows = {name: [] for name, _, _ in variants}
    for _, argv, env in variants:  # warm-up: page cache, first-run effects
        run(argv, env)
        run(argv, env)
    n = len(variants)
    for r in range(runs):
        for j in range(n):
            name, argv, env = variants[(r + j) % n]
            rows[name].append(run(argv, env) + (peak_rss(argv, out, env),))
    for name, samples in rows.items():
        for ext, col in (("us", 0), ("cpu", 1), ("flt", 2), ("kb", 3)):
            with open(os.path.join(out, f"{name}.{ext}"), "w") as f:
                f.write("".join(f"{s[col]}\n" for s in samples if s[col] is not None))


if __name__ == "__main__":
    main()
