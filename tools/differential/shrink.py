"""Delta debugging: the smallest program that still shows a divergence.

`still(prog)` runs both makes and says whether the divergence is still
there (with the same shape: compare.shape).  In order, while anything
shrinks and the time budget lasts: simpler run conditions (stdout a pipe, no
ignored signals), fewer environment variables and arguments, fewer files,
fewer lines in each makefile, fewer tokens in each line, fewer characters in
short lines, setup mtimes at 0 and short file contents.
"""
import copy
import json
import re
import time


class Budget(Exception):
    pass


def ddmin(items, test):
    """Classic ddmin on complements: a 1-minimal sublist for which test holds."""
    if not items:
        return items
    if test([]):
        return []
    n = 2
    while len(items) >= 2:
        chunk = -(-len(items) // n)
        reduced = False
        for i in range(0, len(items), chunk):
            comp = items[:i] + items[i + chunk:]
            if test(comp):
                items = comp
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(n * 2, len(items))
    return items


def tokens(line):
    return re.findall(r"\s*\S+|\s+$", line)


def shrink(prog, still, seconds=90, log=None):
    deadline = time.time() + seconds
    cache = {}
    tests = [0]

    def test(p):
        key = json.dumps(p, sort_keys=True)
        if key in cache:
            return cache[key]
        if time.time() > deadline:
            raise Budget()
        tests[0] += 1
        ok = still(p)
        cache[key] = ok
        return ok

    best = copy.deepcopy(prog)
    best.pop("features", None)

    def attempt(mutate):
        nonlocal best
        cand = copy.deepcopy(best)
        mutate(cand)
        if cand != best and test(cand):
            best = cand
            return True
        return False

    try:
        for _round in range(4):
            before = json.dumps(best, sort_keys=True)
            attempt(lambda p: p.__setitem__("stdout", "pipe"))
            attempt(lambda p: p.__setitem__("sig_ignore", []))
            # environment and arguments
            env = ddmin(best["env"], lambda e: test(dict(best, env=e)))
            best = dict(best, env=env)
            args = ddmin(best["args"], lambda a: test(dict(best, args=a)))
            best = dict(best, args=args)
            # whole files (never the first: the makefile)
            i = 1
            while i < len(best["files"]):
                cand = dict(best, files=best["files"][:i] + best["files"][i + 1:])
                if test(cand):
                    best = cand
                else:
                    i += 1
            # lines of each makefile
            for fi, f in enumerate(best["files"]):
                if "lines" not in f:
                    continue

                def with_lines(ls, fi=fi):
                    files = list(best["files"])
                    files[fi] = dict(files[fi], lines=ls)
                    return dict(best, files=files)
                ls = ddmin(best["files"][fi]["lines"], lambda ls: test(with_lines(ls)))
                # ddmin cuts aligned chunks; a define/endef or if/endif pair
                # off the alignment goes with a sliding window.
                for w in (2, 3, 4):
                    i = 0
                    while i + w <= len(ls):
                        cand = ls[:i] + ls[i + w:]
                        if test(with_lines(cand)):
                            ls = cand
                        else:
                            i += 1
                best = with_lines(ls)
            # tokens of each line, then characters of short lines
            for unit in ("tok", "chr"):
                for fi in range(len(best["files"])):
                    f = best["files"][fi]
                    if "lines" not in f:
                        continue
                    for li in range(len(f["lines"])):
                        line = best["files"][fi]["lines"][li]
                        if unit == "chr" and len(line) > 80:
                            continue
                        parts = tokens(line) if unit == "tok" else list(line)

                        def with_line(ps, fi=fi, li=li):
                            files = list(best["files"])
                            ls = list(files[fi]["lines"])
                            ls[li] = "".join(ps)
                            files[fi] = dict(files[fi], lines=ls)
                            return dict(best, files=files)
                        ps = ddmin(parts, lambda ps: test(with_line(ps)))
                        best = with_line(ps)
                # a line emptied by the token pass can go
                for fi, f in enumerate(best["files"]):
                    if "lines" in f and "" in f["lines"]:
                        attempt(lambda p, fi=fi: p["files"][fi].__setitem__("lines", [l for l in p["files"][fi]["lines"] if l != ""]))
            # arguments' tokens (VAR=a b c)
            for ai in range(len(best["args"])):
                a = best["args"][ai]
                if " " in a:
                    def with_arg(ps, ai=ai):
                        args = list(best["args"])
                        args[ai] = "".join(ps)
                        return dict(best, args=args)
                    best = with_arg(ddmin(tokens(a), lambda ps: test(with_arg(ps))))
            # setup files: mtime 0, short contents
            for fi in range(len(best["files"])):
                if best["files"][fi].get("mtime", 0) != 0:
                    attempt(lambda p, fi=fi: p["files"][fi].__setitem__("mtime", 0))
                if "text" in best["files"][fi] and best["files"][fi]["text"] not in ("", "x\n"):
                    attempt(lambda p, fi=fi: p["files"][fi].__setitem__("text", "x\n")) or \
                        attempt(lambda p, fi=fi: p["files"][fi].__setitem__("text", ""))
                if best["files"][fi].get("noeol"):
                    attempt(lambda p, fi=fi: p["files"][fi].pop("noeol"))
            if json.dumps(best, sort_keys=True) == before:
                break
    except Budget:
        if log:
            log("shrink: time budget spent")
    return best, tests[0]
