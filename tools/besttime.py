#!/usr/bin/env python3
"""besttime.py - the best wall time of a command, on the monotonic clock.

    besttime.py [-r RUNS] [-i FILE] -- COMMAND [ARG...]

Runs COMMAND RUNS times (default 3), stdin from FILE (default /dev/null),
stdout and stderr to /dev/null, and prints the shortest wall time in
seconds ("%.4f").  Exit status 1, with the status on stderr, if any run
exits other than 0.  The hash-flooding test (tests/cli/run.sh) and bench
(bench/hashflood.sh) time crafted and random inputs with it.
"""
import argparse
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", type=int, default=3, metavar="RUNS")
    ap.add_argument("-i", default="/dev/null", metavar="FILE")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd or a.r < 1:
        ap.error("a command and RUNS >= 1 are needed")
    best = None
    for _ in range(a.r):
        with open(a.i, "rb") as stdin:
            t0 = time.monotonic()
            rc = subprocess.call(cmd, stdin=stdin, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            t = time.monotonic() - t0
        if rc != 0:
            sys.exit("besttime: %s exited with status %d" % (cmd[0], rc))
        best = t if best is None else min(best, t)
    print("%.4f" % best)


if __name__ == "__main__":
    main()
