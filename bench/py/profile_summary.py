#!/usr/bin/env python3
"""Sums a LibTorch Chrome trace (bench_nn --profile FILE) by operator.

Prints each operator's self time (its time less that of the operators it
called on the same thread), share of the total and call count, largest first.

    bench/py/profile_summary.py trace.json [ROWS]
"""
import json
import sys
from collections import defaultdict


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    with open(sys.argv[1]) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    by_thread = defaultdict(list)
    for e in events:
        if e.get("ph") == "X":
            by_thread[e.get("tid")].append(e)
    self_us, calls = defaultdict(float), defaultdict(int)
    for evs in by_thread.values():
        # Nested events on a thread: a stack of open intervals; each event's
        # self time is its duration less its direct children's.
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []
        for e in evs:
            while stack and stack[-1]["ts"] + stack[-1]["dur"] <= e["ts"]:
                stack.pop()
            if stack:
                self_us[stack[-1]["name"]] -= e["dur"]
            self_us[e["name"]] += e["dur"]
            calls[e["name"]] += 1
            stack.append(e)
    total = sum(self_us.values())
    print(f"{'operator':<48} {'self ms':>10} {'share':>7} {'calls':>8}")
    for name, us in sorted(self_us.items(), key=lambda kv: -kv[1])[:rows]:
        print(f"{name[:48]:<48} {us / 1e3:>10.1f} {100 * us / total:>6.1f}% {calls[name]:>8}")
    print(f"{'total':<48} {total / 1e3:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
