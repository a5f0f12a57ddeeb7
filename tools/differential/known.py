"""Open divergences: known fairmake bugs, not deliberate differences.

Each has a shrunk case in tools/differential/cases/.  A divergence that
matches one is counted as `open:ID` and not shrunk again, so that a long
run spends its time on new divergences.  The matchers are deliberately
narrow (the message that betrays the bug, on the side that has it); remove
an entry when its bug is fixed (`explore --no-known` shows everything).
Unlike declared.py, nothing here is accepted: CI's smoke knows open
divergences only by program id (baseline-ci.txt).
"""

from declared import aspects, uses


def err(d, side):
    for a, x, y in d:
        if a == "stderr":
            return x if side == "ref" else y
    return None


def out(d, side):
    for a, x, y in d:
        if a == "stdout":
            return x if side == "ref" else y
    return None


def only_in(d, side, *msgs):
    """Some msg is in side's stderr and not in the other's."""
    a, b = err(d, "ref"), err(d, "fm")
    if a is None:
        return False
    mine, other = (a, b) if side == "ref" else (b, a)
    return any(m in mine and m not in other for m in msgs)


class Open:
    """match(prog, diffs) -> bool; or rewrite(prog) -> prog without the
    construct: the divergence is this bug's when the rewritten program
    (if it differs) no longer diverges (the explorer runs it)."""
    def __init__(self, id, case, what, match=None, rewrite=None):
        self.id, self.case, self.what, self.match, self.rewrite = id, case, what, match, rewrite


def rewrite_lines(prog, fn):
    files = []
    for f in prog["files"]:
        if "lines" in f:
            f = dict(f, lines=[fn(l) for l in f["lines"]])
        files.append(f)
    return dict(prog, files=files)


KNOWN = [
]



def matching(prog, diffs, still_diverges=None):
    """The first known bug the divergence is attributed to.  still_diverges(p)
    runs a rewritten program; without it, rewrite entries are skipped."""
    for k in KNOWN:
        if k.match and k.match(prog, diffs):
            return k
    if still_diverges:
        for k in KNOWN:
            if k.rewrite:
                q = k.rewrite(prog)
                if q != prog and not still_diverges(q):
                    return k
    return None
