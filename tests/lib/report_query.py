"""tests/lib/report_query.py — reads what the suites need from `fdhound report --format json` (the public
JSON names: processes, execLeaks, count, kind, culprit.function, intoProgram, samples).
Usage: report_query.py QUERY REPORT.json, QUERY one of:
  processes         number of traced processes
  exec-leaks        one line per descriptor group reported as leaked across exec (nothing if none)
  exec-by-culprit F1,F2  "F1=n F2=m [other=k]": exec-leaked descriptors per culprit function
  evidence-moments  one line per process: its limit-evidence moments, "TRIGGER:OPEN" each (nothing if none)
A report that cannot be read exits 2, so a broken report never passes for an empty one."""
import json
import sys


def main() -> int:
    query, path = sys.argv[1], sys.argv[-1]
    try:
        with open(path) as f:
            report = json.load(f)
        groups = report["execLeaks"]
        processes = report["processes"]
    except (OSError, ValueError, KeyError) as error:
        print(f"report_query: cannot read {path}: {error}", file=sys.stderr)
        return 2
    if query == "processes":
        print(len(processes))
    elif query == "exec-leaks":
        for g in groups:
            samples = ", ".join(g.get("samples", [])[:2])
            print(f"{g['count']} {g['kind']} into {g.get('intoProgram', '?')} ({samples})")
    elif query == "exec-by-culprit":
        counts = {name: 0 for name in sys.argv[2].split(",")}
        for g in groups:
            name = g.get("culprit", {}).get("function", "?")
            key = name if name in counts else "other"
            counts[key] = counts.get(key, 0) + g["count"]
        print(" ".join(f"{k}={v}" for k, v in counts.items()))
    elif query == "evidence-moments":
        for p in processes:
            print(" ".join(f"{m['trigger']}:{m['open']}" for m in p["evidence"]["moments"]))
    else:
        print(f"report_query: unknown query {query}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
