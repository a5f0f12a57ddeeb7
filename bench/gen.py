"""Generators for the fairmake benchmarks.

Each generator writes one tree under a scratch directory and returns a
`Scenario` describing how to run it and how to check a run.  Trees are cached:
a tree is regenerated only when its parameters (written to `.params`) change.
Nothing here depends on which make runs the tree.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from dataclasses import dataclass, field


@dataclass
class Scenario:
    name: str
    title: str
    cwd: str
    args: list  # make arguments (after the make itself)
    jobs: int | None = None  # -jN: the in-flight limit to check
    log: str | None = None  # jh log file, truncated before each run
    expected: list | None = None  # job names that must each log S and E once
    sleep_ms_total: float = 0.0  # for efficiency = (total sleep / N) / wall
    units: int = 0  # for "µs per unit"
    unit: str = ""
    sorted_output: bool = False  # parallel: compare output as sorted lines
    zombies: bool = False  # sample finished-but-unreaped children
    ninja_cwd: str | None = None  # same graph as build.ninja (no-op only)
    floor_jobs: str | None = None  # the jobs alone, one command per line (`jh --pool`)


def _fresh(path: str, params: dict) -> bool:
    """True when `path` already holds a tree generated with `params`."""
    stamp = os.path.join(path, ".params")
    try:
        with open(stamp) as f:
            return json.load(f) == params
    except (OSError, ValueError):
        return False


def _reset(path: str):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def _stamp(path: str, params: dict):
    with open(os.path.join(path, ".params"), "w") as f:
        json.dump(params, f)


def _write_floor_jobs(path: str, commands: list):
    """The scenario's jobs, one command per line, for `jh --pool` (the
    floor: the same jobs run with nothing else)."""
    _write(_floor_jobs(path), "".join(c + "\n" for c in commands))


def _floor_jobs(path: str) -> str:
    return os.path.join(path, "floor.jobs")


def _write(path: str, text: str):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


# ---------------------------------------------------------------------------
# Recursive trees of sub-makes whose leaves run jh jobs.


def recursive(root, name, title, fanout, per_leaf, ms, mode, jobs, jh,
              zombies=False):
    """fanout: list of branching factors, e.g. [8, 7] = top -> 8 -> 56 leaves.
    Every leaf make runs `per_leaf` jh jobs of `ms` ms (sleep or spin)."""
    path = os.path.join(root, name)
    log = os.path.join(path, "jobs.log")
    params = dict(v=3, fanout=fanout, per_leaf=per_leaf, ms=ms, mode=mode, jh=jh)
    expected = []

    def leaves(rel, level):
        if level == len(fanout):
            yield rel
            return
        for i in range(fanout[level]):
            yield from leaves(f"{rel}/d{i}" if rel else f"d{i}", level + 1)

    for leaf in leaves("", 0):
        expected += [f"{leaf}/j{k}" for k in range(per_leaf)]

    if not _fresh(path, params):
        _reset(path)

        def gen(rel, level):
            d = os.path.join(path, rel)
            if level == len(fanout):
                names = " ".join(f"j{k}" for k in range(per_leaf))
                _write(os.path.join(d, "Makefile"),
                       f"JH := {jh}\nLOG := {log}\n"
                       f"all: {names}\n"
                       f"{names}:\n"
                       f"\t$(JH) $(LOG) {rel}/$@ {ms} {mode}\n"
                       f".PHONY: all {names}\n")
                return
            subs = " ".join(f"d{i}" for i in range(fanout[level]))
            _write(os.path.join(d, "Makefile"),
                   f"SUBS := {subs}\n"
                   f"all: $(SUBS)\n"
                   f"$(SUBS):\n"
                   f"\t$(MAKE) -C $@\n"
                   f".PHONY: all $(SUBS)\n")
            for i in range(fanout[level]):
                gen(os.path.join(rel, f"d{i}") if rel else f"d{i}", level + 1)

        gen("", 0)
        _write_floor_jobs(path, [f"{jh} {log} {job} {ms} {mode}" for job in expected])
        _stamp(path, params)

    makes = 1
    width = 1
    for f in fanout:
        width *= f
        makes += width
    n = len(expected)
    return Scenario(
        name=name, cwd=path, args=[f"-j{jobs}"], jobs=jobs, log=log,
        expected=expected, sleep_ms_total=n * ms if mode == "sleep" else 0.0,
        units=n, unit="job", sorted_output=True, zombies=zombies, floor_jobs=_floor_jobs(path),
        title=f"{title}: {makes - 1} sub-makes ({' x '.join(map(str, fanout))} = {width} leaf makes),"
              f" {n} jobs x {ms} ms {mode}, -j{jobs}")


# ---------------------------------------------------------------------------
# Flat spawn: N independent targets whose recipe is `true`.


def flat(root, n, jobs):
    path = os.path.join(root, "flat")
    params = dict(v=2, n=n)
    if not _fresh(path, params):
        _reset(path)
        names = [f"t{i}" for i in range(n)]
        with open(os.path.join(path, "Makefile"), "w") as f:
            f.write("all:")
            for i in range(0, n, 20):
                f.write(" \\\n " + " ".join(names[i:i + 20]))
            f.write("\n")
            for i in range(0, n, 20):
                f.write(" ".join(names[i:i + 20]) + ":\n\ttrue $@\n")
            f.write(".PHONY: all\n")
        _write_floor_jobs(path, [f"true {t}" for t in names])
        _stamp(path, params)
    return Scenario(
        name=f"flat-j{jobs}", cwd=path, args=[f"-j{jobs}"], jobs=jobs,
        units=n, unit="job", sorted_output=jobs > 1, floor_jobs=_floor_jobs(path),
        title=f"flat spawn: {n} independent targets, recipe `true $@`, -j{jobs}")


# ---------------------------------------------------------------------------
# Graph walk: N recipe-less targets in a 4-ary tree with extra cross edges.


def graph(root, n):
    path = os.path.join(root, "graph")
    params = dict(v=1, n=n)
    if not _fresh(path, params):
        _reset(path)
        with open(os.path.join(path, "Makefile"), "w") as f:
            f.write("all: t0\n")
            for i in range(n):
                kids = [f"t{c}" for c in range(4 * i + 1, min(4 * i + 5, n))]
                # A cross edge to a node later in the order makes it a DAG.
                j = (i * 7919 + 13) % n
                if j > i and j not in range(4 * i + 1, 4 * i + 5):
                    kids.append(f"t{j}")
                f.write(f"t{i}: {' '.join(kids)}\n")
        _stamp(path, params)
    return Scenario(
        name="graph", cwd=path, args=["-r"], units=n, unit="target",
        title=f"graph walk: {n} recipe-less targets (4-ary tree + cross edges), -r")


# ---------------------------------------------------------------------------
# Parse/eval: a Kbuild-style makefile.

PARSE_MK = r"""# Generated Kbuild-style makefile: lists, templates, functions, rules.
CC := cc
CFLAGS := -O2 -Wall -Iinclude
include configs.mk
include objs.mk

WORDS := $(strip $(WORDS))
SORTED := $(sort $(WORDS))
HALF := $(wordlist 1,$(words $(wordlist 2,$(words $(WORDS)),$(WORDS)) x),$(WORDS))
FIRST := $(wordlist 1,$(HALFN),$(SORTED))
KEEP := $(filter-out $(FIRST),$(WORDS))
JOINED := $(join $(addprefix pre_,$(WORDS)),$(addsuffix _suf,$(SORTED)))
PREFIXED := $(patsubst w%,x%,$(filter w1% w2% w3%,$(WORDS)))

# Recursive $(call): reverse a list, and count down.
rev = $(if $(1),$(call rev,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
REV := $(strip $(call rev,$(wordlist 1,$(REVN),$(WORDS))))
count = $(if $(word $(1),$(2)),$(call count,$(words x $(wordlist 1,$(1),$(2))),$(2)),$(1))
map = $(foreach x,$(2),$(call $(1),$(x)))
obj2src = $(patsubst %.o,%.c,$(1))

# Per-directory templates, as Kbuild's subdir handling does.
define subdir_tmpl
$(1)-objs := $$(filter $(1)/%,$$(obj-y))
$(1)-mods := $$(filter $(1)/%,$$(obj-m))
$(1)-srcs := $$(call map,obj2src,$$($(1)-objs))
$(1)-n := $$(words $$($(1)-objs) $$($(1)-mods))
SUBDIR_NAMES += $(1)
$(1)/built-in.a: $$($(1)-objs)
	@echo "  AR      $$@ ($$(words $$^))"
endef
SUBDIRS := $(patsubst %/,%,$(sort $(dir $(obj-y) $(obj-m))))
$(foreach d,$(SUBDIRS),$(eval $(call subdir_tmpl,$(d))))

define cflags_tmpl
CFLAGS_$(notdir $(1)) += -DKBUILD_MODNAME=$(basename $(notdir $(1)))
endef
$(foreach o,$(wordlist 1,$(TMPLN),$(obj-y) $(obj-m)),$(eval $(call cflags_tmpl,$(o))))

$(info words $(words $(WORDS)) sorted $(firstword $(SORTED)) $(lastword $(SORTED)))
$(info half $(words $(HALF)) keep $(words $(KEEP)) $(firstword $(KEEP)) $(lastword $(KEEP)))
$(info joined $(words $(JOINED)) $(word 777,$(JOINED)) $(lastword $(JOINED)))
$(info prefixed $(words $(PREFIXED)) $(lastword $(PREFIXED)))
$(info rev $(words $(REV)) $(wordlist 1,5,$(REV)))
$(info count $(call count,1,$(wordlist 1,$(REVN),$(WORDS))))
$(info obj-y $(words $(obj-y)) obj-m $(words $(obj-m)) subdirs $(words $(SUBDIRS)))
$(info $(foreach d,$(SUBDIR_NAMES),$(d):$($(d)-n)))
$(info cflags $(CFLAGS_foo_7.o) $(CFLAGS_foo_10.o))

all: vmlinux modules
vmlinux: $(addsuffix /built-in.a,$(SUBDIRS))
	@echo "  LD      $@ ($(words $^))"
modules: $(patsubst %.o,%.ko,$(obj-m))
	@echo "  MODPOST $(words $^) modules"
%.ko: %.o
	@echo "  LD [M]  $@"
$(obj-y): %.o: %.c
	$(CC) $(CFLAGS) $(CFLAGS_$(@F)) -c -o $@ $<
%.o: %.c
	$(CC) $(CFLAGS) $(CFLAGS_$(@F)) -DMODULE -c -o $@ $<
.SECONDARY: $(obj-m)
nothing: ;
.PHONY: all vmlinux modules nothing $(addsuffix /built-in.a,$(SUBDIRS))
"""


def parse(root, nwords, nvars):
    path = os.path.join(root, "parse")
    params = dict(v=3, nwords=nwords, nvars=nvars)
    ndirs = max(1, nvars // 100)
    if not _fresh(path, params):
        _reset(path)
        rnd = random.Random(42)
        words = [f"w{i}" for i in range(nwords)]
        rnd.shuffle(words)
        with open(os.path.join(path, "configs.mk"), "w") as f:
            f.write("WORDS :=")
            for i in range(0, nwords, 16):
                f.write(" \\\n  " + " ".join(words[i:i + 16]))
            f.write("\n")
            f.write(f"HALFN := {nwords // 2}\nREVN := {min(nwords, 300)}\n"
                    f"TMPLN := {nvars // 5}\n")
            for i in range(nvars):
                f.write(f"CONFIG_FOO_{i} := {'yymn'[rnd.randrange(4)]}\n")
        with open(os.path.join(path, "objs.mk"), "w") as f:
            for i in range(nvars):
                f.write(f"obj-$(CONFIG_FOO_{i}) += drv/sub{i % ndirs}/foo_{i}.o\n")
        for d in range(ndirs):
            os.makedirs(os.path.join(path, f"drv/sub{d}"))
        for i in range(nvars):
            open(os.path.join(path, f"drv/sub{i % ndirs}/foo_{i}.c"), "w").close()
        _write(os.path.join(path, "gen.mk"), PARSE_MK)
        _stamp(path, params)
    desc = f"{nwords}-word lists, {nvars} config variables, {ndirs} subdirs"
    return [
        Scenario(name="parse", cwd=path, args=["-f", "gen.mk", "nothing"],
                 title=f"parse/eval only: {desc}; `-f gen.mk nothing`"),
        Scenario(name="parse-n", cwd=path, args=["-f", "gen.mk", "-n", "all"],
                 units=nvars, unit="object",
                 title=f"parse/eval + plan: {desc}; `-f gen.mk -n all`"),
    ]


# ---------------------------------------------------------------------------
# No-op build: up-to-date objects, wildcard, -include of .d files.

NOOP_MK = r"""SRCS := $(wildcard src/d*/*.c)
OBJS := $(SRCS:.c=.o)
CFLAGS := -O2 -Iinc
all: prog
prog: $(OBJS)
	$(CC) -o $@ $^
src/%.o: src/%.c
	$(CC) $(CFLAGS) -MMD -c -o $@ $<
-include $(OBJS:.o=.d)
"""


def noop(root, nobj, ndirs, nhdr, per):
    path = os.path.join(root, "noop")
    params = dict(v=2, nobj=nobj, ndirs=ndirs, nhdr=nhdr, per=per)
    if not _fresh(path, params):
        _reset(path)
        rnd = random.Random(7)
        t0 = 1_600_000_000
        os.makedirs(os.path.join(path, "inc"))
        for h in range(nhdr):
            p = os.path.join(path, f"inc/h{h}.h")
            open(p, "w").close()
            os.utime(p, (t0, t0))
        ninja = ["rule cc\n  command = touch $out\n",
                 "rule link\n  command = touch $out\n"]
        objs = []
        per_dir = max(1, nobj // ndirs)
        for i in range(nobj):
            d = f"src/d{i // per_dir}"
            if i % per_dir == 0:
                os.makedirs(os.path.join(path, d), exist_ok=True)
            c, o, dep = f"{d}/f{i}.c", f"{d}/f{i}.o", f"{d}/f{i}.d"
            hdrs = [f"inc/h{h}.h" for h in rnd.sample(range(nhdr), min(per, nhdr))]
            for p, t, text in ((c, t0, ""), (o, t0 + 10, ""),
                               (dep, t0 + 10, f"{o}: {c} \\\n " + " \\\n ".join(hdrs) + "\n")):
                full = os.path.join(path, p)
                with open(full, "w") as f:
                    f.write(text)
                os.utime(full, (t, t))
            objs.append(o)
            ninja.append(f"build {o}: cc {c} | {' '.join(hdrs)}\n")
        prog = os.path.join(path, "prog")
        open(prog, "w").close()
        os.utime(prog, (t0 + 20, t0 + 20))
        ninja.append("build prog: link " + " ".join(objs) + "\ndefault prog\n")
        _write(os.path.join(path, "build.ninja"), "".join(ninja))
        _write(os.path.join(path, "Makefile"), NOOP_MK)
        _stamp(path, params)
    desc = f"{nobj} up-to-date objects in {ndirs} dirs, -include {nobj} .d files ({per} of {nhdr} headers each)"
    return [
        Scenario(name="noop", cwd=path, args=[], units=nobj, unit="object",
                 ninja_cwd=path, title=f"no-op build, built-in rules: {desc}"),
        Scenario(name="noop-r", cwd=path, args=["-r"], units=nobj, unit="object",
                 title=f"no-op build, -r: {desc}"),
    ]


# ---------------------------------------------------------------------------


def all_scenarios(root: str, jh: str, scale: float, smoke: bool):
    """Every scenario, in run order.  `scale` multiplies the work sizes;
    `smoke` picks tiny trees (about a second each)."""

    def s(n, lo=1):
        return max(lo, int(round(n * scale)))

    out = []
    if smoke:
        out.append(recursive(root, "seed-j32", "seed", [2, 2], 3, 20, "sleep", 4, jh, zombies=True))
        out.append(recursive(root, "seed-j8", "seed", [2, 2], 3, 10, "sleep", 2, jh, zombies=True))
        out.append(recursive(root, "recA-j2", "recursive A", [4], 4, 10, "sleep", 2, jh))
        out.append(recursive(root, "recA-j8", "recursive A", [4], 4, 10, "sleep", 8, jh))
        out.append(recursive(root, "churn", "churn", [2, 2], 4, 2, "spin", 4, jh))
        out.append(flat(root, 100, 1))
        out.append(flat(root, 100, 8))
        out.append(graph(root, 500))
        out += parse(root, 400, 200)
        out += noop(root, 200, 10, 50, 8)
        return out
    out.append(recursive(root, "seed-j32", "seed", [8, 7], s(10), 80, "sleep", 32, jh, zombies=True))
    out.append(recursive(root, "seed-j8", "seed", [8, 7], s(20), 20, "sleep", 8, jh, zombies=True))
    for j in (2, 8, 32):
        out.append(recursive(root, f"recA-j{j}", "recursive A", [24], s(20), 50, "sleep", j, jh))
    out.append(recursive(root, "churn", "churn", [8, 7], s(40), 2, "spin", 8, jh))
    out.append(flat(root, s(10000, 10), 1))
    out.append(flat(root, s(10000, 10), 8))
    out.append(graph(root, s(50000, 10)))
    out += parse(root, s(10000, 20), s(5000, 20))
    out += noop(root, s(20000, 20), s(200, 2), 500, 8)
    return out
