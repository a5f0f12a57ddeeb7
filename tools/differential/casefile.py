"""Writing a program and the reference's outcome as a tests/cases `.case` file."""
import shlex

import compare
import runner


def _body(data):
    """(flags, text) for a section body holding exactly `data`."""
    flags = []
    if not data:
        return flags, ""
    try:
        text = data.decode("utf-8")
        clean = all(c in "\t\n" or (" " <= c and c != "\x7f") for c in text)
    except UnicodeDecodeError:
        clean = False
    lines = data.split(b"\n")
    if any(l.startswith(b"=== ") for l in lines) or b"\\" in data and not clean:
        clean = False
    if not clean:
        flags.append("escaped")
        out = []
        for b in data:
            c = chr(b)
            if c == "\\":
                out.append("\\\\")
            elif c == "\n" or c == "\t":
                out.append(c)
            elif c == "\r":
                out.append("\\r")
            elif 32 <= b < 127:
                out.append(c)
            else:
                out.append("\\x%02x" % b)
        text = "".join(out)
        text = "\n".join(("\\x3d" + l[1:]) if l.startswith("=== ") else l for l in text.split("\n"))
    if not data.endswith(b"\n"):
        flags.append("noeol")
        text += "\n"
    return flags, text


def _section(head, flags, text):
    return "=== " + head + ("".join(" " + f for f in flags)) + "\n" + text


def case_text(prog, ref, sandbox, comments, gnu44_only=False):
    out = []
    for c in comments:
        for l in c.split("\n"):
            out.append(("# " + l).rstrip() + "\n")
    if prog["args"]:
        out.append("args: " + " ".join(shlex.quote(a) for a in prog["args"]) + "\n")
    if gnu44_only:
        out.append("options: gnu-4.4-only\n")
    for k, v in prog["env"]:
        out.append("env: %s=%s\n" % (k, v))
    setup = set()
    for f in prog["files"]:
        setup.add(f["name"])
        m = f.get("mtime", 0)
        if f.get("dir"):
            out.append(_section("dir " + f["name"], ["mtime=%d" % m] if m else [], ""))
            continue
        flags, text = _body(runner.file_text(f))
        if m:
            flags.append("mtime=%d" % m)
        out.append(_section("file " + f["name"], flags, text))
    par = compare.parallel(prog)
    for aspect in ("stdout", "stderr"):
        data = compare.normalize(getattr(ref, aspect), sandbox, "none")
        if data:
            flags, text = _body(data)
            if par:
                flags.append("sorted")
            out.append(_section(aspect, flags, text))
    out.append("=== status %d\n" % ref.status)
    written = {f["name"]: runner.file_text(f) for f in prog["files"] if not f.get("dir")}
    absent = []
    for name in sorted(set(ref.files)):
        kind, data, cls = ref.files[name]
        if kind == "file" and (name not in written or written[name] != data):
            flags, text = _body(data)
            out.append(_section("result " + name, flags, text))
        elif kind == "dir" and name not in setup and not any(n.startswith(name + "/") for n in setup):
            out.append("=== exists %s\n" % name)
    for name in sorted(set(written) - set(ref.files)):
        absent.append(name)
    return "".join(out), absent


def write(path, prog, ref, fm, sandbox, comments, gnu44_only=False):
    text, absent = case_text(prog, ref, sandbox, comments, gnu44_only)
    # Files fairmake left that GNU did not: say they must be absent.
    for name in sorted(set(fm.files) - set(ref.files)):
        if fm.files[name][0] == "file" and " " not in name:
            absent.append(name)
    if absent:
        text += "=== absent " + " ".join(sorted(set(absent))) + "\n"
    with open(path, "w") as fh:
        fh.write(text)
