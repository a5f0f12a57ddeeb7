#!/usr/bin/env python3
"""Seed corpora for the fuzz targets from the integration cases.

Writes fuzz/corpus/read_eval/ and fuzz/corpus/expand/ (every `=== file`
body that looks like a makefile, up to 4 KiB) and fuzz/corpus/makeflags/
(every case's `args:` line, as MAKEFLAGS and as argv).
"""
import hashlib, os, pathlib, re, shlex

root = pathlib.Path(__file__).resolve().parent
cases = root.parent / "tests" / "cases"
out = {t: root / "corpus" / t for t in ("read_eval", "expand", "makeflags")}
for d in out.values():
    d.mkdir(parents=True, exist_ok=True)

def put(target, data):
    if len(data) <= 4096:
        (out[target] / hashlib.sha1(data).hexdigest()).write_bytes(data)

for case in sorted(cases.rglob("*")):
    if not case.is_file() or not (case.suffix == ".case" or case.name == "CASE"):
        continue
    text = case.read_bytes()
    body, name = None, None
    for line in text.split(b"\n"):
        if line.startswith(b"=== "):
            if name is not None and body is not None:
                put("read_eval", b"\n".join(body) + b"\n")
                # For the expander: each line's text after any `=`.
                for l in body:
                    if b"$" in l:
                        put("expand", l.split(b"=", 1)[-1].strip())
            parts = line.split()
            name = parts[2] if len(parts) > 2 and parts[1] == b"file" else None
            if name is not None and not re.search(rb"(akefile|\.mk|\.make)$", name):
                name = None
            body = [] if name is not None else None
        elif body is not None:
            body.append(line)
        elif line.startswith(b"args:"):
            args = line[5:].strip()
            put("makeflags", b"\x00" + args)
            try:
                words = shlex.split(args.decode("utf-8", "replace"))
                put("makeflags", b"\x01" + b"\x00".join(w.encode() for w in words))
            except ValueError:
                pass
for mf in [b" -j4 --jobserver-auth=3,4", b"k -j --jobserver-auth=fifo:/tmp/x",
           b"--jobserver-fds=-2,-2 -- A=1 B\\ c=2", b"rs -I/inc -l2.5 -Otarget --debug=b --eval=x$$y"]:
    put("makeflags", b"\x00" + mf)
for n, d in out.items():
    print(n, len(os.listdir(d)))
