"""Comparing two outcomes, and naming a divergence.

Compared: stdout, stderr, exit status (128+N for signal N), whether the run
timed out, and the files left behind (kind, content, mtime class: see
runner.snapshot).  Output of a parallel run (-jN, N > 1, anywhere: argv,
MAKEFLAGS in the environment or in the makefile) is compared as a multiset of
lines, with or without -O: the order of jobs varies from run to run.
"""
import difflib
import re

import declared

_JOBSERVER = re.compile(rb"--jobserver-(auth|fds)=\S+")
_SYNC_MUTEX = re.compile(rb"--sync-mutex=fnm:\S+")
_TRACED_KILL = re.compile(rb"(?m)^(\++ kill -[A-Z]+ )\d+$")
# --debug=j names a job by an address and its child by a process id.
_CHILD = re.compile(rb"(?m)^((?:Putting|Live|Reaping winning|Reaping losing|Removing) child )"
                    rb"0x[0-9a-f]+( .*?PID )\d+")
_JOB_LINE = re.compile(rb"(?m)^(?:Putting|Live|Reaping winning|Reaping losing|Removing) child .*\n")
# (fairmake's fifo is in a directory of its own.)
_FIFO = re.compile(rb"fifo:/\S*GMfifo\d+")
_FIFO_NAME = re.compile(rb"GMfifo\d+")


def parallel(prog):
    for a in prog["args"]:
        if re.match(r"^(-[a-zA-Z]*j(?!1$)|--jobs(?!=1$))", a):
            return True
    for k, v in prog["env"]:
        if k in ("MAKEFLAGS", "GNUMAKEFLAGS") and "j" in v:
            return True
    for f in prog["files"]:
        if "lines" in f and any("-j" in l for l in f["lines"]):
            return True
    return False


def normalize(text, sandbox, ref_version):
    text = text.replace(sandbox.work.encode(), b"$TMP")
    text = text.replace(sandbox.bin.encode(), b"$BIN")
    text = _JOBSERVER.sub(rb"--jobserver-\1=<auth>", text)
    # The -O lock's file is a fresh temporary name in each make.
    text = _SYNC_MUTEX.sub(rb"--sync-mutex=fnm:<lock>", text)
    # A shell's trace (.SHELLFLAGS = -xc) of `kill -TERM $$PPID` shows
    # make's process id.
    text = _TRACED_KILL.sub(rb"\1<pid>", text)
    text = _FIFO.sub(b"fifo:<fifo>", text)
    text = _debug_jobs(text)
    # The jobserver fifo's name (`$(notdir $(MAKEFLAGS))`) has the top
    # make's process id.
    text = _FIFO_NAME.sub(rb"GMfifo<pid>", text)
    for d in declared.normalizers(ref_version):
        text = d.normalize(text)
    return text


def _debug_jobs(text):
    """--debug=j's lines with the address and process id normalised, and
    moved after the rest: a recipe's output races with the lines make
    prints as it starts and reaps the child, in either make."""
    text = _CHILD.sub(rb"\1<job>\2<pid>", text)
    jobs = _JOB_LINE.findall(text)
    if not jobs:
        return text
    return _JOB_LINE.sub(b"", text) + b"--- debug=j\n" + b"".join(jobs)


def lines(b):
    return b.split(b"\n")


def compare(prog, ref, fm, sandbox, ref_version):
    """The list of differences: (aspect, ref value, fairmake value)."""
    diffs = []
    par = parallel(prog)
    # Both killed at the timeout: each was stopped at an arbitrary point
    # (two makes restarting forever, say), so one output or file being the
    # beginning of the other's is no difference.
    cut = ref.timed_out and fm.timed_out
    for aspect in ("stdout", "stderr"):
        a = normalize(getattr(ref, aspect), sandbox, ref_version)
        b = normalize(getattr(fm, aspect), sandbox, ref_version)
        if par:
            a, b = b"\n".join(sorted(lines(a))), b"\n".join(sorted(lines(b)))
        if a != b and not (cut and not par and _one_begins_other(a, b)):
            diffs.append((aspect, a, b))
    if ref.status != fm.status:
        diffs.append(("status", ref.status, fm.status))
    if ref.timed_out != fm.timed_out:
        diffs.append(("timeout", ref.timed_out, fm.timed_out))
    if ref.files != fm.files:
        names = sorted(set(ref.files) | set(fm.files))
        detail = []
        for n in names:
            x, y = ref.files.get(n), fm.files.get(n)
            if x != y and not (cut and x and y and x[0] == y[0] == "file"
                               and x[2] == y[2] and _one_begins_other(x[1], y[1])):
                detail.append((n, x, y))
        if detail:
            diffs.append(("files", detail, None))
    return diffs


def _one_begins_other(a, b):
    return a.startswith(b) or b.startswith(a)


_Q = re.compile(r"'[^']*'|`[^']*'|\"[^\"]*\"")
_N = re.compile(r"\d+")


def abstract(line):
    s = line.decode("utf-8", "replace")
    s = _Q.sub("Q", s)
    s = _N.sub("N", s)
    return s[:90]


# Lines past the common prefix that are matched against each other. The
# matching is quadratic; two makes that loop write megabytes (S6:15596 spun
# for an hour), and the first difference lies near the prefix's end anyway.
WINDOW = 2000


def _window(la, lb):
    """la and lb from their first differing line, at most WINDOW lines each."""
    k = 0
    while k < len(la) and k < len(lb) and la[k] == lb[k]:
        k += 1
    return la[k:k + WINDOW], lb[k:k + WINDOW]


def first_diff(a, b):
    la, lb = _window(lines(a), lines(b))
    sm = difflib.SequenceMatcher(None, la, lb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "equal":
            x = la[i1] if i1 < i2 else b"<none>"
            y = lb[j1] if j1 < j2 else b"<none>"
            return x, y
    return b"", b""


def message_kind(line):
    """A make message without its names, numbers and location."""
    s = abstract(line)
    s = re.sub(r"^[^:]*:(N:)? ", "", s)   # make: / Makefile:N:
    s = re.sub(r"^\*\*\* (\[.*?\] )?", "*** ", s)
    return s


def signature(diffs):
    """A name for a divergence, to count repeats of one difference once."""
    parts = []
    for aspect, a, b in diffs:
        if aspect in ("stdout", "stderr"):
            x, y = first_diff(a, b)
            parts.append("%s[%s|%s]" % (aspect, abstract(x), abstract(y)))
        elif aspect == "status":
            parts.append("status[%s|%s]" % (a, b))
        elif aspect == "files":
            kinds = set()
            for n, x, y in a:
                if x is None:
                    kinds.add("fm-only")
                elif y is None:
                    kinds.add("ref-only")
                elif x[1] != y[1]:
                    kinds.add("content")
                else:
                    kinds.add("mtime")
            parts.append("files[%s]" % ",".join(sorted(kinds)))
        else:
            parts.append(aspect)
    return " ".join(parts)


def shape(diffs):
    """Coarser than signature: what the shrinker must keep while it cuts."""
    parts = []
    for aspect, a, b in diffs:
        if aspect == "stderr":
            x, y = first_diff(a, b)
            parts.append("stderr[%s|%s]" % (message_kind(x)[:40], message_kind(y)[:40]))
        elif aspect == "status":
            parts.append("status[%s|%s]" % (a, b))
        else:
            parts.append(aspect)
    return " ".join(parts)


def _ws_shape(line):
    s = line.decode("utf-8", "replace")
    return re.sub(r"\S+", "w", s)


def bucket(diffs):
    """Coarser still: divergences in one bucket are shrunk once.

    stderr: the kinds of the first differing make messages; stdout: only
    whether the first differing lines differ in whitespace alone, in
    presence, or otherwise; status and files as in signature."""
    parts = []
    for aspect, a, b in diffs:
        if aspect == "stderr":
            x, y = first_diff(a, b)
            parts.append("stderr[%s|%s]" % (message_kind(x)[:50], message_kind(y)[:50]))
        elif aspect == "stdout":
            x, y = first_diff(a, b)
            if x == b"<none>" or y == b"<none>":
                k = "missing" if y == b"<none>" else "extra"
            elif x.split() == y.split():
                k = "whitespace"
            elif x.startswith(b"make") or y.startswith(b"make"):
                k = "msg:" + message_kind(x)[:40] + "|" + message_kind(y)[:40]
            else:
                k = "text"
            parts.append("stdout[%s]" % k)
        elif aspect == "status":
            parts.append("status[%s|%s]" % (a, b))
        elif aspect == "files":
            parts.append(signature([(aspect, a, b)]))
        else:
            parts.append(aspect)
    return " ".join(parts)


def describe(diffs, limit=12):
    """Human-readable lines for a report."""
    out = []
    for aspect, a, b in diffs:
        if aspect in ("stdout", "stderr"):
            out.append("  %s differs (- ref, + fairmake):" % aspect)
            la, lb = _window(lines(a), lines(b))
            d = list(difflib.unified_diff([l.decode("utf-8", "replace") for l in la],
                                          [l.decode("utf-8", "replace") for l in lb], lineterm="", n=1))[2:]
            out += ["    " + repr(l)[1:-1] if l[:1] in "-+" else "    " + l for l in d[:limit]]
        elif aspect == "files":
            for n, x, y in a[:limit]:
                out.append("  file %s: ref %s, fairmake %s" % (n, _fdesc(x), _fdesc(y)))
        else:
            out.append("  %s: ref %r, fairmake %r" % (aspect, a, b))
    return out


def _fdesc(x):
    if x is None:
        return "absent"
    kind, data, cls = x
    if kind != "file":
        return kind
    return "%r (%s)" % (data[:40], cls)
