"""Declared differences: the one place that lists what the explorer accepts.

Each declaration applies to some reference makes ("4.4.1": fairmake's
target; "4.3": the older GNU make CI has, against which fairmake is expected
to differ wherever 4.4 changed behaviour) and has a reason.  It works in one
of three ways:

- normalize: a rewrite of stdout and stderr applied to both makes' output
  before they are compared (an output whose form is deliberately not fixed);
- avoid: a construct the grammar does not generate for that reference
  (gen.py reads the profile; listed here so all exceptions are in one place);
- match: a predicate on the program and its differences; a divergence that
  matches is counted under the declaration's id instead of being reported;
- rewrite: a change to the program that takes away only the declared cause
  (a list's order, say); the divergence is declared when the rewritten
  program differs and both makes agree on it entirely.  A declaration with
  a rewrite and a match tries the rewrite only where the match holds.

A match should be as narrow as the difference it declares: it names the
construct in the program that causes it, and the aspect it may affect.
"""
import re


class Decl:
    def __init__(self, id, refs, reason, normalize=None, match=None, avoid=None, rewrite=None):
        self.id, self.refs, self.reason = id, refs, reason
        self.normalize, self.match, self.avoid = normalize, match, avoid
        self.rewrite = rewrite


def mk_text(prog):
    return "\n".join("\n".join(f["lines"]) for f in prog["files"] if "lines" in f)


def uses(prog, *patterns):
    text = mk_text(prog) + "\n" + " ".join(prog["args"]) + "\n" + " ".join(v for _, v in prog["env"])
    return any(re.search(p, text) for p in patterns)


def aspects(diffs):
    return {d[0] for d in diffs}


def only(diffs, *allowed):
    return aspects(diffs) <= set(allowed)


def _same_words(a, b):
    # Brackets around a printed list (`[$(.VARIABLES)]`) stick to its first
    # and last names, which differ with the order; so does any text just
    # before or after the list (`sub/$(.VARIABLES)x.o`): line by line, a
    # common start and end may be set apart before the words are compared.
    def text(t):
        return t.decode("utf-8", "replace") if isinstance(t, bytes) else t

    # In MAKEFLAGS a command line's `.VARIABLES:=...` joins the names with
    # `\ ` (S80:12026): a blank either way.
    def words(t):
        return sorted(re.sub(r"[\[\]]|\\(?= )", " ", t).split())

    def same_line(x, y):
        if x == y or words(x) == words(y):
            return True
        n = min(len(x), len(y))
        start = next((i for i in range(n) if x[i] != y[i]), n)
        end = next((i for i in range(n - start) if x[-1 - i] != y[-1 - i]), n - start)
        for i in range(min(start, 64) + 1):
            for j in range(min(end, 64) + 1):
                if words(x[i:len(x) - j]) == words(y[i:len(y) - j]):
                    return True
        return False

    la, lb = text(a).split("\n"), text(b).split("\n")
    if len(la) != len(lb):
        return words(text(a)) == words(text(b))
    return all(same_line(x, y) for x, y in zip(la, lb))


def _sort_rm(text):
    # `rm a b c` lines that delete intermediate files: GNU lists them in the
    # order of its file hash table, fairmake in the order they were made.
    def fix(m):
        words = m.group(2).split(b" ")
        return m.group(1) + b" ".join(sorted(words))
    return re.sub(rb"(?m)^(rm (?:-f )?)(\S.*)$", fix, text)


def _no_load_feature(text):
    # Also as MAKEFLAGS quotes a command line's `.FEATURES+=...`.
    return text.replace(b" check-symlink load", b" check-symlink").replace(
        b" check-symlink\\ load", b" check-symlink")


def _stderr_lines(diffs):
    """Lines in one stderr but not in the other (multiset difference)."""
    for aspect, a, b in diffs:
        if aspect == "stderr":
            la, lb = a.split(b"\n"), b.split(b"\n")
            extra = list(la)
            for l in lb:
                if l in extra:
                    extra.remove(l)
                else:
                    extra.append(l)
            return extra
    return []


def _nested_shell_env(prog, diffs):
    # Extra $(shell) runs show through their stderr here (the grammar's
    # shell commands write no files); the exported values GNU expands again
    # for them through what their $(info) and $(warning) calls print, once
    # more in GNU's output (S86:12905).
    if not only(diffs, "stderr", "stdout"):
        return False
    if not uses(prog, r"\bexport\b", r"\.EXPORT_ALL_VARIABLES", r"-e\b") or not uses(prog, r"shell|!="):
        return False
    shell_err = (b"err", b"/bin/sh: 1: exit: Illegal number: 3")
    warnings = [p for l in mk_text(prog).split("\n") for _, _, parts in _info_calls(l, "warning")
                for p in [_info_pattern(parts)] if p is not None]
    infos = _exported_define_infos(prog)
    for k in ("stdout", "stderr"):
        only_ref, only_fm = _extra_lines(diffs, k)
        for l in only_ref + only_fm:
            if k == "stderr" and (l in shell_err or l.startswith((b"cat: ", b"ls: "))):
                continue  # an extra shell's, in either make
            # Else GNU's repeat of what an exported value prints.
            text = re.sub(rb"^[^:\n]+:\d+: ", b"", l) if k == "stderr" else l
            if l not in only_ref or not any(p.fullmatch(text) for p in
                                            (warnings if k == "stderr" else infos)):
                return False
    return True


def _rewrite_lines(prog, fn):
    files = []
    for f in prog["files"]:
        if "lines" in f:
            f = dict(f, lines=fn(f["lines"]))
        files.append(f)
    return dict(prog, files=files)


def _through(name, definition):
    """A rewrite: every makefile that names `name` reads it through a
    variable of its own, defined (recursively) at the top as `definition`.
    Both makes then see one list in one order."""
    alias = "_decl" + re.sub(r"\W", "_", name)
    pat = re.compile(r"(?<=[({ ])" + re.escape(name) + r"(?=[:)} ])")

    def fn(lines):
        if not any(pat.search(l) for l in lines):
            return lines
        return ["%s = %s" % (alias, definition)] + [pat.sub(alias, l) for l in lines]
    return lambda prog: _rewrite_lines(prog, fn)


_DELETING = re.compile(rb"^\S+: \*\*\* (?:\[[^\]\n]*\] )?Deleting (?:intermediate )?file '([^'\n]*)'$")


def _deleted_only(diffs, side):
    """Names that only `side`'s make deleted ("ref" or "fm"), when that is
    the whole divergence: its extra stderr lines are `Deleting file` lines,
    and the files left differ exactly in those names, absent on that side
    and kept on the other with the content and mtime they had ("setup"
    when the other make never touched them).  None otherwise."""
    if not only(diffs, "stderr", "files"):
        return None
    ref_err = next((a for k, a, b in diffs if k == "stderr"), None)
    extra = _stderr_lines(diffs)
    names = set()
    for l in extra:
        m = _DELETING.match(l)
        if not m:
            return None
        in_ref = ref_err is not None and l in ref_err.split(b"\n")
        if in_ref != (side == "ref"):
            return None
        names.add(m.group(1).decode("utf-8", "replace"))
    files = next((a for k, a, b in diffs if k == "files"), [])
    left = set()
    for n, x, y in files:
        gone, kept = (x, y) if side == "ref" else (y, x)
        if gone is not None or kept is None:
            return None
        left.add((n, kept[2]))
    if {n for n, _ in left} != names or not names:
        return None
    return left


def _question_mode(prog):
    return any(re.match(r"^(-[a-zA-Z]*q|--question)$", a) for a in prog["args"]) or \
        any(k in ("MAKEFLAGS", "GNUMAKEFLAGS") and re.match(r"^-?[a-zA-Z]*q", v) for k, v in prog["env"])


def _gnu_deletes_untouched(prog, diffs):
    left = _deleted_only(diffs, "ref")
    if not left or any(cls != "setup" for _, cls in left):
        return False
    if _question_mode(prog):
        return True
    # An interrupted or (under .DELETE_ON_ERROR) failed grouped-target
    # recipe: GNU deletes every peer, changed or not (S65:11807).
    return uses(prog, r"&:") and uses(prog, r"kill -[A-Z]+ ", r"\.DELETE_ON_ERROR")


def _gnu_question_spins(prog, diffs):
    # -q with a double-colon goal after an out-of-date one: GNU loops
    # forever (S66:6193); what it printed before is what fairmake printed.
    if not _gnu_timed_out_alone(diffs) or not _question_mode(prog) or not uses(prog, r"(?m)^[^\t#=]*[^:=]::(?!=)"):
        return False
    return all(b.startswith(a) for k, a, b in diffs if k in ("stdout", "stderr"))


def _gnu_keeps_grouped_under_question(prog, diffs):
    # -q: a grouped target its `+` line changed. GNU deletes a plain
    # target there, but not a grouped one; fairmake deletes both.
    left = _deleted_only(diffs, "fm")
    return bool(left) and _question_mode(prog) and uses(prog, r"&:")


def _gnu_keeps_unstarted(prog, diffs):
    if not uses(prog, r"\.DELETE_ON_ERROR") or not _deleted_only(diffs, "fm"):
        return False
    # The failing command ran without a shell and could not be started:
    # `make: NAME: No such file or directory` and Error 127 on both sides.
    err = next(a for k, a, b in diffs if k == "stderr")
    return re.search(rb"(?m)^\S+: [^*\n]*: (No such file or directory|Permission denied)$", err) is not None \
        and re.search(rb"\] Error 12[67]$", err, re.M) is not None


def _old_files(prog):
    """The names given to -o/--old-file/--assume-old on the command line."""
    names, args = set(), prog["args"]
    for i, a in enumerate(args):
        m = re.match(r"^(?:-o|--old-file=|--assume-old=)(.+)$", a)
        if m:
            names.add(m.group(1))
        elif a in ("-o", "--old-file", "--assume-old") and i + 1 < len(args):
            names.add(args[i + 1])
    return names


_PATTERN_RULE_LINE = re.compile(r"^([^:=#\t][^:=#]*)(::?)(?![:=])([^;#]*)")


def _pattern_rule_key(line):
    """(targets, prerequisites) of a multi-target pattern rule's line, or
    None."""
    m = _PATTERN_RULE_LINE.match(line)
    if not m:
        return None
    # `&:` is the same rule: a pattern rule's targets are always grouped
    # (S63:22516 redefined `%.o %.x: %.c` as `%.o %.x &: %.c`).
    targets = tuple(m.group(1).rstrip(" \t").rstrip("&").split())
    if len(targets) < 2 or not all("%" in t for t in targets):
        return None
    # `::` (terminal) or `:`: both makes compare targets and prerequisites
    # only, so either defines the rule again (`%.o:: %.c` then `%.o: %.c`
    # runs the second in GNU 4.4.1 as in fairmake).
    # `|` only sorts prerequisites into normal and order-only: `%.o %.x:
    # |%.c` has the same prerequisites as `%.o %.x: %.c` to both makes.
    return targets, tuple(m.group(3).replace("|", " ").split())


def _without_redefined_pattern_rule(prog):
    """The program without the second definitions (line and recipe) of
    multi-target pattern rules with the same targets and prerequisites."""
    files = []
    for f in prog["files"]:
        if "lines" in f:
            seen, kept, dropping = set(), [], False
            for l in f["lines"]:
                if dropping and l.startswith("\t"):
                    continue
                dropping = False
                key = _pattern_rule_key(l)
                if key is not None and key in seen:
                    dropping = True
                    continue
                if key is not None:
                    seen.add(key)
                kept.append(l)
            f = dict(f, lines=kept)
        files.append(f)
    return dict(prog, files=files)


def _redefines_pattern_rule(prog):
    return _without_redefined_pattern_rule(prog) != prog


_MISSING_NOTE = re.compile(rb"^[^:\n]+:\d+: [^:\n]+: No such file or directory$")


def parallel(prog):
    """Does the program run with -j (its command line or MAKEFLAGS)?"""
    flags = " ".join(a for a in prog["args"] if re.match(r"^-", a))
    env = " ".join(v for k, v in prog["env"] if k in ("MAKEFLAGS", "GNUMAKEFLAGS"))
    return bool(re.search(r"(^|\s)(-[a-zA-Z]*j|--jobs)", flags) or re.search(r"-j|^[a-zA-Z]*j", env)
                or uses(prog, r"MAKEFLAGS.*-j"))


def _missing_include_note(prog, diffs):
    # Under -j the two makes name different missing makefiles in their
    # notes (`Makefile:2: gen.mk: No such file or directory`): every line
    # one stderr has and the other lacks is such a note.
    if not only(diffs, "stderr") or not parallel(prog):
        return False
    if not uses(prog, r"(?m)^\s*-?include\b", r"(?m)^\s*sinclude\b") and \
            not any(k == "MAKEFILES" for k, _ in prog["env"]):
        return False
    extra = [l for l in _stderr_lines(diffs) if l]
    return bool(extra) and all(_MISSING_NOTE.match(l) for l in extra)


def _let_lists(line):
    """(start, end) of the list argument of each `$(let NAMES,LIST,BODY)`
    in `line` whose NAMES are several words."""
    spans = []
    for m in re.finditer(r"\$[({]let[ \t]", line):
        depth, i, commas = 0, m.end(), []
        while i < len(line) and len(commas) < 2:
            c = line[i]
            if c in "({":
                depth += 1
            elif c in ")}":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                commas.append(i)
            i += 1
        if len(commas) == 2 and len(line[m.end():commas[0]].split()) > 1:
            spans.append((commas[0] + 1, commas[1]))
    return spans


def _let_several_names(prog):
    return any(_let_lists(l) for f in prog["files"] for l in f.get("lines", []))


def _with_let_lists_stripped(prog):
    """The program with each such LIST written `$(strip LIST)`: a blank
    list becomes an empty one, the same to the manual (no words)."""
    def strip(line):
        for a, b in reversed(_let_lists(line)):
            line = line[:a] + "$(strip " + line[a:b] + ")" + line[b:]
        return line
    files = []
    for f in prog["files"]:
        if "lines" in f:
            f = dict(f, lines=[strip(l) for l in f["lines"]])
        files.append(f)
    return dict(prog, files=files)


def _gnu_makeflags_append_spins(prog, diffs):
    # `MAKEFLAGS=e make MAKEFLAGS+=`: GNU 4.4.1 spins forever (or crashes,
    # counted apart) on any makefile; 4.3 and fairmake go on.
    if not any(re.match(r"^MAKEFLAGS\s*\+=\s*$", a) for a in prog["args"]):
        return False
    if not any(k == "MAKEFLAGS" and v for k, v in prog["env"]):
        return False
    return ("timeout", True, False) in diffs


def _double_colon_targets(prog):
    """The targets of the program's double-colon rules (`a.x b:: c`)."""
    names = set()
    for f in prog["files"]:
        for l in f.get("lines", []):
            m = re.match(r"^([^:=#\t][^:=#]*?)::(?![:=])", l)
            if m:
                names.update(m.group(1).split())
    return names


_NO_RULE_FOR = re.compile(rb"\*\*\* No rule to make target '([^']*)'")


_JOB_FAILED_FOR = re.compile(rb"^\S+: (?:\*\*\* )?\[[^\]\n]*: ([^\]\n]*)\] Error \d+(?: \(ignored\))?$")


def _double_colon_no_rule(prog, diffs):
    # GNU 4.4.1 and 4.3 say `No rule to make target 'b.x'` for a target of
    # a double-colon rule that an implicit chain reaches (`%.o: %.x` for
    # b.o, then `b.x::`), even after running that rule's recipe: counted
    # when every such line only GNU says names a double-colon target.
    names = {n.encode() for n in _double_colon_targets(prog)}
    for k, a, b in diffs:
        if k == "stderr":
            only_ref = [m.group(1) for m in _NO_RULE_FOR.finditer(a)
                        if m.group(0) not in b]
            if only_ref:
                return all(n in names for n in only_ref)
    return _double_colon_default_run(prog, diffs, names)


def _double_colon_default_run(prog, diffs, names):
    # The same extra rule, remade by `.DEFAULT` instead of `No rule`
    # (S86:19300): GNU alone runs .DEFAULT's recipe for the double-colon
    # target, seen here by its failure line; every other line only GNU
    # printed is that recipe's output (no make line), fairmake none.
    if not uses(prog, r"(?m)^\.DEFAULT\s*:") or not only(diffs, "stdout", "stderr"):
        return False
    failed_for = []
    for k, a, b in diffs:
        only_ref, only_fm = _extra_lines(diffs, k)
        if [l for l in only_fm if l]:
            return False
        for l in only_ref:
            m = _JOB_FAILED_FOR.match(l)
            if m:
                failed_for.append(m.group(1))
            elif k == "stderr" and _MAKE_LINE.match(l):
                return False
    return bool(failed_for) and all(n in names for n in failed_for)


def _old_double_colon(prog):
    return bool(_old_files(prog) & _double_colon_targets(prog))


def _without_old_double_colon(prog):
    """The program without the -o options that name a double-colon target."""
    names = _old_files(prog) & _double_colon_targets(prog)
    args, skip = [], False
    for i, a in enumerate(prog["args"]):
        if skip:
            skip = False
            continue
        m = re.match(r"^(?:-o|--old-file=|--assume-old=)(.+)$", a)
        if m and m.group(1) in names:
            continue
        if a in ("-o", "--old-file", "--assume-old") and i + 1 < len(prog["args"]) \
                and prog["args"][i + 1] in names:
            skip = True
            continue
        args.append(a)
    return dict(prog, args=args)


def _without_rm_of(text, names):
    # `rm a b c` lines with the given names taken out; a line left with no
    # name goes.
    out = []
    for l in text.split(b"\n"):
        m = re.match(rb"^(rm (?:-f )?)(\S.*)$", l)
        if m:
            kept = [w for w in m.group(2).split(b" ") if w.decode("utf-8", "replace") not in names]
            if not kept:
                continue
            l = m.group(1) + b" ".join(kept)
        out.append(l)
    return b"\n".join(out)


def _what_if_files(prog):
    """The names given to -W/--what-if/--new-file/--assume-new."""
    names, args = set(), prog["args"]
    for i, a in enumerate(args):
        m = re.match(r"^(?:-W|--what-if=|--new-file=|--assume-new=)(.+)$", a)
        if m:
            names.add(m.group(1))
        elif a in ("-W", "--what-if", "--new-file", "--assume-new") and i + 1 < len(args):
            names.add(args[i + 1])
    return names


def _always_make(prog):
    flags = " ".join(a for a in prog["args"] if re.match(r"^-[a-zA-Z]", a))
    env = " ".join(v for k, v in prog["env"] if k in ("MAKEFLAGS", "GNUMAKEFLAGS"))
    return bool(re.search(r"(^|\s)-[a-zA-Z]*B", flags) or "--always-make" in prog["args"]
                or re.match(r"^-?[a-zA-Z]*B", env) or any(re.match(r"^MAKEFLAGS\s*:?=.*B", a) for a in prog["args"]))


def _gnu_deletes_what_if_source(prog, diffs):
    # -B: GNU 4.4.1 deletes as an intermediate file a source that was
    # there before make ran, given to -W or "remade" by a recipe that did
    # not write it (`.DEFAULT`) in a chain.
    existing = _what_if_files(prog) | {f["name"] for f in prog["files"] if "text" in f}
    return _always_make(prog) and _gnu_deletes_files_of(existing, diffs)


def _gnu_deletes_old_file(prog, diffs):
    old = _old_files(prog)
    return _gnu_deletes_files_of(old, diffs) or _gnu_deletes_on_signal(old, diffs)


def _gnu_deletes_on_signal(old, diffs):
    """As make dies of a signal, GNU's extra `*** Deleting intermediate
    file 'X'` lines name only files in `old`, which fairmake left as they
    were set up, and nothing else differs (S68:42331, `make | head`)."""
    if not old or not only(diffs, "stderr", "files"):
        return False
    for aspect, a, b in diffs:
        if aspect == "stderr":
            extra, missing = _extra_lines(diffs, "stderr")
            if missing or not extra:
                return False
            for l in extra:
                m = re.match(rb"^\S+: \*\*\* Deleting intermediate file '(.+)'$", l)
                if not m or m.group(1).decode(errors="replace") not in old:
                    return False
        if aspect == "files":
            for n, x, y in a:
                if n not in old or x is not None or y is None or y[2] != "setup":
                    return False
    return True


def _gnu_deletes_files_of(old, diffs, kept_any=False):
    """GNU's extra `rm` names are all in `old`, files fairmake left as they
    were set up (or, with kept_any, kept in whatever state), and nothing
    else differs."""
    if not old or not only(diffs, "stdout", "files"):
        return False
    for aspect, a, b in diffs:
        if aspect == "stdout" and (_without_rm_of(a, old) != b or a == b):
            return False
        if aspect == "files":
            for n, x, y in a:
                if n not in old or x is not None or y is None or (y[2] != "setup" and not kept_any):
                    return False
    return True


_GROUPED_RULE = re.compile(r"^([^:#=\t][^:#=]*?)&:(?![:=])([^;#]*)(.*)$")


def _without_grouped_self_prerequisites(prog):
    """The program with each grouped rule's own targets taken out of its
    prerequisites (`all p.out&: all` -> `all p.out&:`)."""
    def fix(lines):
        out = []
        for l in lines:
            m = _GROUPED_RULE.match(l)
            if m:
                targets = set(m.group(1).split())
                kept = [w for w in m.group(2).split() if w not in targets]
                if len(kept) != len(m.group(2).split()):
                    l = "%s&: %s%s" % (m.group(1), " ".join(kept), m.group(3))
            out.append(l)
        return out
    return _rewrite_lines(prog, fix)


def _keep_going(prog):
    return any(re.match(r"^(-[a-zA-Z]*k[a-zA-Z]*|--keep-going)$", a) for a in prog["args"]) or \
        any(k in ("MAKEFLAGS", "GNUMAKEFLAGS") and re.match(r"^-?[a-zA-Z]*k", v) for k, v in prog["env"]) or \
        uses(prog, r"MAKEFLAGS\s*[+:]?=.*k")


_INTERRUPT_LINE = re.compile(rb"^\S+: (?:\*\*\* )?\[(?:[^\]]*: )?([^\]: ]+)\] Interrupt(?: \(ignored\))?$")


def _gnu_lost_child_after_unstartable(prog, diffs):
    """GNU loses a job's running command when that job's earlier command
    could not be started (`Error 127 (ignored)`): a signal then ends make
    without the `Interrupt` line for it (S68:35471).  Counted when
    fairmake's only extra stderr lines are such `Interrupt` lines, each for
    a target GNU said `Error 127 (ignored)` for."""
    if not only(diffs, "stderr"):
        return False
    ref_only, fm_only = _extra_lines(diffs, "stderr")
    if ref_only or not fm_only:
        return False
    ref = next(a for k, a, b in diffs if k == "stderr")
    for l in fm_only:
        m = _INTERRUPT_LINE.match(l)
        if not m or not re.search(rb"\[[^\]]*" + re.escape(m.group(1)) + rb"\] Error 127 \(ignored\)", ref):
            return False
    return True


def _dry_run(prog):
    """-n, --just-print or --dry-run, on the command line or in MAKEFLAGS."""
    flags = " ".join(a for a in prog["args"] if re.match(r"^-[a-zA-Z]", a))
    env = " ".join(v for k, v in prog["env"] if k in ("MAKEFLAGS", "GNUMAKEFLAGS"))
    return bool(re.search(r"(^|\s)-[a-zA-Z]*n", flags) or "--just-print" in prog["args"]
                or "--dry-run" in prog["args"] or re.match(r"^-?[a-zA-Z]*n", env))


def _dry_run_parallel(prog):
    flags = " ".join(a for a in prog["args"] if re.match(r"^-[a-zA-Z]", a))
    env = " ".join(v for k, v in prog["env"] if k in ("MAKEFLAGS", "GNUMAKEFLAGS"))
    par = re.search(r"(^|\s)(-[a-zA-Z]*j|--jobs)", flags) or re.search(r"-j", env)
    return _dry_run(prog) and bool(par)


def _gnu_restarts_forever(prog, diffs):
    # GNU timed out; the rewrite without -j then shows whether that was
    # all.
    return _gnu_timed_out_alone(diffs) and _dry_run_parallel(prog) and _names_makefiles(prog)


def _names_makefiles(prog):
    return any(k == "MAKEFILES" for k, _ in prog["env"]) or uses(prog, r"MAKEFILES", r"(?m)^\s*-?include\b")


def _gnu_restarts_for_grouped_peer(prog, diffs):
    # GNU timed out, fairmake did not, and a grouped rule may name
    # makefiles; the rewrite to plain rules shows whether that was all.
    return _gnu_timed_out(diffs) and _names_makefiles(prog) and uses(prog, r"&::?")


def _without_grouped(prog):
    """The program with its grouped rules made plain (`a b &: p` -> `a b: p`)."""
    return _with_lines(prog, lambda lines: [re.sub(r"&(::?)", r"\1", l) for l in lines])


def _restart_under_jobs_with_double_colon(prog, diffs):
    return parallel(prog) and _names_makefiles(prog) and uses(prog, r"(?m)^[^\t#=]*[^:=]::(?!=)")


def _gnu_timed_out(diffs):
    """GNU timed out and fairmake did not."""
    return next(((a, b) for k, a, b in diffs if k == "timeout"), None) == (True, False)


def _gnu_timed_out_alone(diffs):
    """GNU timed out, fairmake did not, and only the output and the status
    differ with it."""
    return _gnu_timed_out(diffs) and only(diffs, "stdout", "stderr", "status", "timeout")


def _makefile_names(prog):
    """The makefiles a program names besides its own: MAKEFILES, and the
    words of its include lines."""
    names = set()
    for k, v in prog["env"]:
        if k == "MAKEFILES":
            names.update(v.split())
    for f in prog["files"]:
        for l in f.get("lines", []):
            m = re.match(r"^\s*(?:-include|sinclude|include)\s+(.*)$", l)
            if m:
                names.update(m.group(1).split())
    return names


def _command_line_goals(prog):
    return {a for a in prog["args"] if not a.startswith("-") and "=" not in a}


def _gnu_dry_run_makefile_goal_loops(prog, diffs):
    """S75:9164: under -n, a makefile that is also a goal."""
    return _gnu_timed_out_alone(diffs) and _dry_run(prog) and \
        bool(_makefile_names(prog) & _command_line_goals(prog))


def _gnu_double_colon_makefile_loops(prog, diffs):
    """S73:21677: a named makefile with two or more double-colon rules (or
    one named twice in a `::` rule's targets)."""
    if not _gnu_timed_out_alone(diffs):
        return False
    counts = {}
    for f in prog["files"]:
        for l in f.get("lines", []):
            m = re.match(r"^([^:=#\t][^:=#]*?)::(?![:=])", l)
            if m:
                for t in m.group(1).split():
                    counts[t] = counts.get(t, 0) + 1
    return any(counts.get(n, 0) >= 2 for n in _makefile_names(prog))


def _without_jobs(prog):
    """The program with -j taken off its command line."""
    args = [a for a in prog["args"] if not re.match(r"^(-j\d*|--jobs(=\d+)?)$", a)]
    return dict(prog, args=args)


def _shuffle_circular_drop(prog, diffs):
    if only(diffs, "stdout", "files"):
        return True
    # The recipe run with the other list may fail (`cp $< bar` given no
    # $<: S64:13255), so stderr and the status differ as well.
    ref_err = next((a for k, a, _ in diffs if k == "stderr"), b"")
    return only(diffs, "stdout", "stderr", "status", "files") and b"Circular " in (ref_err or b"")


_STATIC_PATTERN_RULE = re.compile(r"(?m)^[^\t#=:]+:[^:=;#]*%[^:=;#]*:(?![:=])")


def _stem_may_have_blank(prog, diffs):
    # An escaped blank somewhere and a static pattern rule (`a\ b: %:
    # x%.c`), whose targets may come from a variable.
    return uses(prog, r"\\ ") and bool(_STATIC_PATTERN_RULE.search(mk_text(prog)))


def _without_escaped_blanks(prog):
    """The program with `\\ ` in its rule and assignment lines (not in
    recipes), its environment and command line written `_`: names
    without blanks in them."""
    q = _with_lines(prog, lambda lines: [l if l.startswith("\t") else l.replace("\\ ", "_") for l in lines])
    env = [[k, v.replace("\\ ", "_")] for k, v in prog["env"]]
    return dict(q, env=env, args=[a.replace("\\ ", "_") for a in prog["args"]])


def _self_pattern_rule(line):
    """Is the line a pattern rule with a prerequisite pattern that is one
    of its own targets (`%.o: %.o`, `%.o %.x: %.x`)?"""
    m = _PATTERN_RULE_LINE.match(line)
    if not m:
        return False
    targets = set(m.group(1).rstrip(" \t").rstrip("&").split())
    return any("%" in t for t in targets) and bool(targets & set(m.group(3).split("|")[0].split()))


def _without_self_pattern_rules(prog):
    """The program without those rules (line and recipe)."""
    def change(lines):
        kept, dropping = [], False
        for l in lines:
            if dropping and l.startswith("\t"):
                continue
            dropping = _self_pattern_rule(l)
            if not dropping:
                kept.append(l)
        return kept
    return _with_lines(prog, change)


_TARGET_SHELLFLAGS_APPEND = re.compile(r"^[^\t#=]*:[ \t]*(?:(?:export|unexport|override|private)[ \t]+)*\.SHELLFLAGS[ \t]*\+=")


def _without_target_shellflags_append(prog):
    """The program without its target- or pattern-specific `.SHELLFLAGS
    +=` lines."""
    return _without_lines_matching(prog, _TARGET_SHELLFLAGS_APPEND)


def _with_what_if_files_made(prog):
    """The program with each missing -W file there (empty, old), as the
    manual says -W is almost a `touch` of it."""
    have = {f["name"] for f in prog["files"]}
    made = [{"name": n, "text": "", "mtime": -30} for n in sorted(_what_if_files(prog) - have)]
    return dict(prog, files=prog["files"] + made)


_UNDEFINE_RECIPEPREFIX = re.compile(r"^[ \t]*(?:override[ \t]+)?undefine[ \t]+\.RECIPEPREFIX[ \t]*$")


def _without_undefine_recipeprefix(prog):
    """The program without its `undefine .RECIPEPREFIX` lines."""
    return _without_lines_matching(prog, _UNDEFINE_RECIPEPREFIX)


def _without_shuffle(prog):
    """The program with --shuffle taken off its command line."""
    args = [a for a in prog["args"] if not re.match(r"^--shuffle(=.*)?$", a)]
    return dict(prog, args=args)


def _extra_lines(diffs, aspect):
    """(lines only the reference printed, lines only fairmake printed) of
    one stream, as multisets."""
    for k, a, b in diffs:
        if k == aspect:
            ref, fm = a.split(b"\n"), b.split(b"\n")
            only_ref = list(ref)
            only_fm = []
            for l in fm:
                if l in only_ref:
                    only_ref.remove(l)
                else:
                    only_fm.append(l)
            return only_ref, only_fm
    return [], []


_SIGPIPE_WAIT = re.compile(rb"^\S+: (\*\*\* Waiting for unfinished jobs\.\.\.\.|\*\*\* wait: No child processes\.  Stop\.|"
                           rb"write error: stdout)$")


_JOB_FAILED = re.compile(rb"^\S+: \*\*\* \[[^\n]*\] Error \d+( \(ignored\))?$")
_MAKE_LINE = re.compile(rb"^\S*make(\[\d+\])?: ")


def _gnu_sigpipe_waits(prog, diffs):
    # stdout a pipe nobody reads: GNU 4.4.1's SIGPIPE handler waits for a
    # job that is not there and exits 1; fairmake dies of SIGPIPE (141).
    if prog.get("stdout") != "broken" or not only(diffs, "stderr", "status"):
        return False
    # (Both may die of SIGPIPE, 141: GNU after waiting, S86:37602.)
    status = next(((a, b) for k, a, b in diffs if k == "status"), None)
    if status is not None and status[1] != 128 + 13:
        return False
    only_ref, only_fm = _extra_lines(diffs, "stderr")
    if only_fm or not any(_SIGPIPE_WAIT.match(l) for l in only_ref):
        return False
    # While it waits, the jobs running go on: their own output, and GNU's
    # line for each that fails (S78:11418).
    return all(_SIGPIPE_WAIT.match(l) or _JOB_FAILED.match(l) or not _MAKE_LINE.match(l)
               for l in only_ref)


def _gnu_oneshell_shellflags_glob(prog, diffs):
    # .SHELLFLAGS with a glob character under .ONESHELL: GNU 4.4.1 passes
    # the shell a mangled argument list (`/bin/sh /bin/sh -c *.c e`), or
    # aborts in free(); fairmake passes the words as written, as 4.3 does.
    # Counted when only the shell's own lines differ.
    if not uses(prog, r"\.ONESHELL") or not re.search(
            r"(?m)^[ \t]*(?:override[ \t]+)?\.SHELLFLAGS[ \t]*[:+?!]*=.*[*?\[]", mk_text(prog)):
        return False
    if not only(diffs, "stderr", "stdout"):
        return False
    for k in ("stderr", "stdout"):
        only_ref, only_fm = _extra_lines(diffs, k)
        if any(_MAKE_LINE.match(l) for l in only_ref + only_fm):
            return False
    return True


def _gnu_include_self(prog, diffs):
    # A makefile that includes itself (`include Makefile`, or a glob that
    # matches it): GNU reads it again without end until it crashes of
    # SIGSEGV (here: killed at the timeout); fairmake stops when it runs
    # out of file descriptors, with an error.
    timeout = next(((a, b) for k, a, b in diffs if k == "timeout"), None)
    if timeout != (True, False) or not uses(prog, r"(?m)^[ \t]*(?:-|s)?include\b"):
        return False
    # fairmake's own stderr shows the makefile read over and over: one line
    # said a thousand times (a warning each level), or the descriptors
    # running out.
    fm_err = next((b for k, a, b in diffs if k == "stderr"), b"")
    if b": Too many open files" in fm_err:
        return True
    lines = fm_err.split(b"\n")
    return any(lines.count(l) >= 1000 for l in set(lines[:20]) if l)


def _output_sync(prog):
    return any(re.match(r"^(-[a-zA-Z]*O|--output-sync)", a) for a in prog["args"]) or \
        any(k in ("MAKEFLAGS", "GNUMAKEFLAGS") and "O" in v for k, v in prog["env"])


def _gnu_closed_stdout_reused(prog, diffs):
    # stdout closed under -O: GNU's temporary file for stderr takes
    # descriptor 1, so what make itself writes to stdout (command echoes)
    # comes out on stderr; fairmake's is lost, as without -O.
    if prog.get("stdout") != "closed" or not _output_sync(prog) or not only(diffs, "stderr"):
        return False
    only_ref, only_fm = _extra_lines(diffs, "stderr")
    return not only_fm and bool(only_ref) and not any(re.match(rb"^\S*make(\[\d+\])?: ", l) for l in only_ref)


# (`make: warning: ...` for a built-in variable's reference, which has no
# place in a makefile: `YFLAGS` in an exported `YACC.y`, S91:7321.)
_UNDEFINED_WARNING = re.compile(rb"^\S+:(?:\d+:)? warning: undefined variable '[^'\n]*'$")
# An error while expanding an exported variable is located at its
# definition.
_STOP = re.compile(rb"^[^:\n]+:\d+: \*\*\* .*\.  Stop\.$")


def _stop_line(text):
    """The makefile error that stopped make (`FILE:N: *** ...  Stop.`): its
    last line, or under -j, where stderr is compared as a multiset and so
    in sorted order, its one such line."""
    last = _last_line(text)
    if _STOP.search(last):
        return last
    stops = [l for l in text.split(b"\n") if _STOP.search(l)]
    return stops[0] if len(stops) == 1 else None


def _last_line(text):
    ls = text.rstrip(b"\n").split(b"\n")
    return ls[-1] if ls else b""


def _with_lines(prog, change):
    """The program with each makefile's lines replaced by change(lines)."""
    files = [dict(f, lines=change(f["lines"])) if "lines" in f else f for f in prog["files"]]
    return dict(prog, files=files)


def _any_line(prog, test):
    """Does test(line) hold for some line of the program's makefiles?"""
    return any(test(l) for f in prog["files"] for l in f.get("lines", []))


_GLOBAL_EXTRA_PREREQS = re.compile(r"^\s*(?:override\s+|export\s+)*\.EXTRA_PREREQS\s*(?:[:+?!]|::|:::)?=(.*)$")


def _extra_prereqs_self_circular(prog, diffs):
    """A word W of the global .EXTRA_PREREQS that GNU dropped from its own
    list (`Circular W <- W`): W's implicit search met W itself as a
    prerequisite (S60:63932)."""
    words = set()
    for f in prog["files"]:
        for l in f.get("lines", []):
            m = _GLOBAL_EXTRA_PREREQS.match(l)
            if m:
                words.update(w for w in m.group(1).split() if "$" not in w and "%" not in w)
    ref = next((a for k, a, b in diffs if k == "stderr"), b"")
    return any(("Circular %s <- %s dependency dropped." % (w, w)).encode() in ref for w in words)


_NO_RULE_NEEDED_BY = re.compile(rb"^\S+: \*\*\* No rule to make target '[^']*', needed by '([^']*)'\.(?:  Stop\.)?$")


def _has_optional_makefiles(prog):
    """MAKEFILES, or an `-include`/`sinclude` line."""
    return any(k == "MAKEFILES" for k, _ in prog["env"]) or uses(prog, r"(?m)^\s*(-include|sinclude)\s")


def _gnu_optional_makefile_double_colon(prog, diffs):
    """GNU 4.4.1's only extra stderr lines say `No rule to make target X,
    needed by Y` for a double-colon target Y, in a program with an optional
    makefile (MAKEFILES, `-include`) that an implicit rule can make
    (S59:32412); status may differ with them, nothing else."""
    if not only(diffs, "stderr", "status"):
        return False
    if not _has_optional_makefiles(prog):
        return False
    ref_only, fm_only = _extra_lines(diffs, "stderr")
    if fm_only or not ref_only:
        return False
    names = {n.encode() for n in _double_colon_targets(prog)}
    for l in ref_only:
        m = _NO_RULE_NEEDED_BY.match(l)
        if not (m and m.group(1) in names or _JOB_FAILED.match(l)):
            return False
    # A failed recipe alone (what the double-colon target needs failing
    # loudly, S88:20516) when the program has such a target to need it.
    return bool(names)


def _gnu_optional_makefile_double_colon_stop(prog, diffs):
    """GNU 4.4.1 stopped on such a `No rule ..., needed by` line (no -k,
    S80:24473), where fairmake goes on to the goals."""
    if not _has_optional_makefiles(prog):
        return False
    names = {n.encode() for n in _double_colon_targets(prog)}
    ref_only, _ = _extra_lines(diffs, "stderr")
    for l in ref_only:
        m = _NO_RULE_NEEDED_BY.match(l)
        if m and l.endswith(b"Stop.") and m.group(1) in names:
            return True
    # Or on a recipe's failure that only GNU met (S88:20516).
    return bool(names) and any(_JOB_FAILED.match(l) and b"(ignored)" not in l for l in ref_only)


def _with_keep_going(prog):
    """The program run with -k: a stop of one make is then a line only."""
    return dict(prog, args=["-k"] + prog["args"])


# `-d` lines only GNU's parallel walk prints, and the walk's lines either
# make may print where the other narrates that walk differently.
_PARALLEL_WALK_ONLY = re.compile(
    rb"^\s*(Need a job token; we don't have children|Recipe of '.*' is being run\.|"
    rb"The prerequisites of '.*' are being made\.|File '.*' was considered already\.|"
    rb"Acquired all \d+ jobserver tokens\.|(Obtained|Released) token for child .*)$")
_WALK_LINE = re.compile(
    rb"^\s*(Considering target file '.*'\.|Pruning file '.*'\.|Successfully remade target file '.*'\.|"
    rb"Finished prerequisites of target file '.*'\.|No need to remake target '.*'\.|File '.*' does not exist\.)$")


def _debug_parallel_walk(prog, diffs):
    if not parallel(prog) or not only(diffs, "stdout"):
        return False
    only_ref, only_fm = _extra_lines(diffs, "stdout")
    if not any(_PARALLEL_WALK_ONLY.match(l) for l in only_ref):
        return False
    return all(_PARALLEL_WALK_ONLY.match(l) or _WALK_LINE.match(l) for l in only_ref + only_fm)


def _oneshell_quoted_newline(prog, diffs):
    """A .ONESHELL recipe with a line whose single quote is left open for
    the next line (S84:11606): GNU runs the lines after it again."""
    if not uses(prog, r"(?m)^\.ONESHELL\s*:"):
        return False
    for f in prog["files"]:
        lines = f.get("lines", [])
        for l, after in zip(lines, lines[1:]):
            if l.startswith("\t") and after.startswith("\t") and l.count("'") % 2 == 1:
                return True
    return False


_OWN_STOP = re.compile(rb"^[^:\n]+:\d+: \*\*\* .*\.  Stop\.$")
_WAITING = re.compile(rb"^\S+: \*\*\* Waiting for unfinished jobs\.\.\.\.$")


def _gnu_output_sync_drops_stop(prog, diffs):
    """-O -j: fairmake says a recipe's expansion error (and waits for the
    job running); GNU 4.4.1 says neither (S84:4510)."""
    if not (_output_sync(prog) and parallel(prog)) or not only(diffs, "stderr"):
        return False
    only_ref, only_fm = _extra_lines(diffs, "stderr")
    return not only_ref and any(_OWN_STOP.match(l) for l in only_fm) and \
        all(_OWN_STOP.match(l) or _WAITING.match(l) for l in only_fm)


def _without_lines_matching(prog, regex):
    """The program without the makefile lines regex matches."""
    return _with_lines(prog, lambda lines: [l for l in lines if not regex.match(l)])


_PATTERN_PRIVATE_CONDITIONAL = re.compile(r"^([^:=#\t]*%[^:=#]*:+[ \t]*(?:export[ \t]+|override[ \t]+)*)private[ \t]+(?=[^=]*\?=)")


def _without_pattern_private_conditional(prog):
    """The program with `private` taken off its pattern-specific `?=`
    assignments (`%.o: private Y ?= w` -> `%.o: Y ?= w`)."""
    return _with_lines(prog, lambda lines: [_PATTERN_PRIVATE_CONDITIONAL.sub(r"\1", l) for l in lines])


_PATTERN_PRIVATE = re.compile(r"^([^:=#\t]*%[^:=#]*:+[ \t]*(?:export[ \t]+|override[ \t]+)*)private[ \t]+")


def _without_pattern_private(prog):
    """The program with `private` taken off its pattern-specific
    assignments (`%.o: private export P = 1` -> `%.o: export P = 1`)."""
    return _with_lines(prog, lambda lines: [_PATTERN_PRIVATE.sub(r"\1", l) for l in lines])


_PERCENT_CONDITIONAL = re.compile(r"^[ \t]*%[ \t]*:[ \t]*(?:override[ \t]+)?(?!export\b|private\b)[^:=#\s]+[ \t]*\?=")


def _without_percent_conditional(prog):
    """The program without its `%: A ?= v` lines (pattern exactly `%`,
    not exported there)."""
    return _without_lines_matching(prog, _PERCENT_CONDITIONAL)


def _reference_end(text, i):
    """The index after the reference whose `$` is at i: `$(...)` and
    `${...}` balanced in their own bracket, or `$X`."""
    if i + 1 >= len(text) or text[i + 1] not in "({":
        return min(i + 2, len(text))
    opener = text[i + 1]
    closer = ")" if opener == "(" else "}"
    depth = 0
    for j in range(i + 1, len(text)):
        if text[j] == opener:
            depth += 1
        elif text[j] == closer:
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


def _info_calls(line, function="info"):
    """The `$(info TEXT)` calls in a line, and `$(call info,TEXT)` (which
    calls the built-in): (start, end, parts) each, where parts alternate
    literal text and None for a reference whose value is not known here
    (any `$X`, `$(...)`, `${...}`, functions too, S85:1673)."""
    calls = []
    for m in re.finditer(r"\$([({])(?:%s\s+|call\s+%s\s*,)" % (function, function), line):
        opener = m.group(1)
        closer = ")" if opener == "(" else "}"
        parts, depth, i = [""], 1, m.end()
        while i < len(line):
            c = line[i]
            if c == "$":
                if line[i + 1:i + 2] == "$":
                    parts[-1] += "$"
                    i += 2
                    continue
                end = _reference_end(line, i)
                parts += [_function_words(line[i:end]), ""]
                i = end
                continue
            if c == opener:
                depth += 1
            elif c == closer:
                depth -= 1
                if depth == 0:
                    break
            elif c == "," and depth == 1 and m.group(0).startswith(("$(call", "${call")):
                # More than one argument to info through call: not modelled.
                break
            parts[-1] += c
            i += 1
        if depth == 0:
            calls.append((m.start(), i + 1, parts))
    return calls


def _function_words(ref):
    """For a reference that calls a function (`${or , $F *.c}`), the
    literal words of its arguments, one of which its value likely holds;
    None for a variable's reference (or a function with none)."""
    m = re.match(r"^\$[({]([a-z-]+)\s(.*)[)}]$", ref, re.S)
    if not m or m.group(1) in ("wildcard", "shell"):
        # (Their values are not their arguments' words.)
        return None
    text = m.group(2)
    i, literal = 0, ""
    while i < len(text):
        if text[i] == "$":
            end = _reference_end(text, i)
            literal += " "
            i = end
        else:
            literal += text[i]
            i += 1
    words = [w for w in re.split(r"[\s,]+", literal) if w]
    return tuple(words) or None


def _info_pattern(parts):
    """The lines an info call with `parts` may print: each reference any
    text (a function's, any text holding one of its literal words).  None
    where there is nothing else but blanks: that could be any line."""
    literal = "".join(p for p in parts if isinstance(p, str))
    words = [w for p in parts if isinstance(p, tuple) for w in p]
    if len(parts) > 1 and not literal.strip() and not words:
        return None
    ahead = b"".join(b"(?=.*(?:" + b"|".join(re.escape(w.encode()) for w in p) + b"))"
                     for p in parts if isinstance(p, tuple))
    return re.compile(ahead + b"".join(
        re.escape(p.encode()) if isinstance(p, str) else b".*" for p in parts))


def _exported_define_infos(prog):
    """The lines the `$(info TEXT)` calls in exported variables' values
    print, as patterns (a reference in TEXT matches anything): expanding
    the variable for an environment prints them.  A `define` body counts
    line by line; an assignment (`export V = ... $(info T)`, or any
    assignment once a bare `export` or .EXPORT_ALL_VARIABLES exports
    everything) by its calls."""
    infos = []
    all_exported = uses(prog, r"(?m)^[ \t]*export[ \t]*$", r"\.EXPORT_ALL_VARIABLES")
    for f in prog["files"]:
        exported, inside = False, False
        for l in f.get("lines", []):
            if not inside and re.match(r"^\s*(export\s+)?(override\s+)?define\b", l):
                inside = True
                exported = all_exported or bool(re.match(r"^\s*export\b", l))
            elif inside and re.match(r"^\s*endef\b", l):
                inside = False
            elif inside and exported:
                calls = _info_calls(l)
                if len(calls) == 1 and not (l[:calls[0][0]] + l[calls[0][1]:]).strip():
                    infos.append(_info_pattern(calls[0][2]))
            elif not inside and _exported_assignment(l, all_exported):
                infos += [_info_pattern(parts) for _, _, parts in _info_calls(l)]
    return [i for i in infos if i is not None]


def _exported_assignment(line, all_exported):
    """Whether `line` assigns a variable that is exported: `export V = ...`
    (also target-specific, `t: export V = ...`), or any assignment when
    everything is exported."""
    if line.startswith("\t") or not re.search(r"[:+?!]?=", line):
        return False
    return all_exported or re.match(r"^\s*([^:=#]*:\s*)?export\s", line) is not None


def _file_written(prog, name):
    """Whether a `$(file >NAME,...)` or `$(file >>NAME,...)` in the program
    writes `name`."""
    return any(m.group(1) == name for m in re.finditer(
        r"\$[({]file\s+>>?\s*([^\s,)]+)", mk_text(prog)))


def _same_but_infos(x, y, infos):
    """stdout x and y are the same once lines printed by `infos` are taken
    out of both."""
    def keep(t):
        return [l for l in t.split(b"\n") if not any(i.fullmatch(l) for i in infos)]
    return bool(infos) and keep(x) == keep(y)


def _from_warning_call(prog, line):
    """A stderr line `FILE:N: text` whose line N calls $(warning): what
    expanding a variable defined there prints."""
    m = re.match(rb"^([^:\n]+):(\d+): ", line)
    if not m:
        return False
    name, n = m.group(1).decode("utf-8", "replace"), int(m.group(2))
    f = next((f for f in prog["files"] if f["name"] == name and "lines" in f), None)
    if f is None:
        return False
    # An element of `lines` may hold newlines (blank lines, a continued
    # line): N counts the file's own lines.
    first = 1
    for l in f["lines"]:
        last = first + l.count("\n")
        if first <= n <= last:
            if re.search(r"\$[({]warning\s", l):
                return True
            # A `!=` line runs a shell, whose environment holds the
            # exported variables: a $(warning) in one of their values
            # is said at the `!=` line (S79:631).
            return "!=" in l and any(
                re.search(r"=.*\$[({]warning\s", x) for x in f["lines"])
        first = last + 1
    return False


def _export_order(prog, diffs):
    # Exported variables are expanded for each recipe's environment: GNU in
    # its hash table's order, fairmake in the order they were defined.  What
    # can differ: the order of `undefined variable` warnings, and which
    # exported variable's error stops make first (with the $(info) or
    # warnings the other make's earlier expansions printed).
    if not uses(prog, r"\bexport\b", r"\.EXPORT_ALL_VARIABLES"):
        return False
    if not only(diffs, "stderr", "stdout", "files"):
        return False
    # A $(file >X) in an expansion one make reached before the error and
    # the other did not: X is left by one make only.
    for k, a, b in diffs:
        if k == "files" and not all(_file_written(prog, n) and (x is None or y is None) for n, x, y in a):
            return False
    errs = [(a, b) for k, a, b in diffs if k == "stderr"]
    infos = _exported_define_infos(prog)
    if not errs:
        # Both stopped at the same error, one having expanded an exported
        # `define` (its $(info) lines) before it, the other not.
        return all(k == "files" or _same_but_infos(x, y, infos) for k, x, y in diffs)
    a, b = errs[0]
    extra = _stderr_lines(diffs)
    stops = _stop_line(a) and _stop_line(b)
    if not stops:
        # The same warnings, in another order.
        return not extra and "stdout" not in aspects(diffs)
    for l in extra:
        if not (_UNDEFINED_WARNING.match(l) or _from_warning_call(prog, l)) \
                and l not in (_stop_line(a), _stop_line(b)):
            return False
    # A different stdout too, when make stopped: the $(info) of expansions
    # the other make had not reached, at the end.
    for k, x, y in diffs:
        if k == "stdout" and not (x.startswith(y) or y.startswith(x) or _same_but_infos(x, y, infos)):
            return False
    return True


def _without_undefined_command_line(prog):
    """The program without the command-line definitions of the variables it
    undefines (`override undefine`, or `undefine` of one whose command-line
    `?=` left the environment's value, S67:22181): what the manual says
    such a makefile sees."""
    names = set()
    for f in prog["files"]:
        for l in f.get("lines", []):
            m = re.match(r"^\s*(?:override\s+)?undefine\s+(\S+)\s*$", l)
            if m:
                names.add(m.group(1))
    args = [a for a in prog["args"]
            if not any(re.match(re.escape(n) + r"\s*(::?=|:::=|\?=|\+=|!=|=)", a) for n in names)]
    return dict(prog, args=args)


_ELSE_IF = re.compile(r"^[ \t]*else[ \t]+(ifn?def|ifn?eq)\b(.*)$")
_EQ_PAREN = re.compile(r"^\s*\(.*,.*\)\s*$")
_EQ_QUOTED = re.compile(r"""^\s*(['"]).*\1\s+(['"]).*\2\s*$""")


def _malformed_else_if(prog):
    """Whether a makefile has an `else ifX` line whose test is, or may be,
    malformed: `else ifdef` with no name, more than one word or a
    reference, `else ifeq` with
    neither the `(a,b)` nor the quoted form."""
    for f in prog["files"]:
        for line in f.get("lines", []):
            m = _ELSE_IF.match(line.split("#", 1)[0])
            if not m:
                continue
            kw, rest = m.groups()
            if kw.endswith("def"):
                # A reference may expand to several names, or none
                # (`else ifndef $(EMPTY)`, S69:6581).
                if len(rest.split()) != 1 or "$" in rest:
                    return True
            elif not (_EQ_PAREN.match(rest) or _EQ_QUOTED.match(rest)):
                return True
    return False


def _default_goal_undefined(prog, diffs):
    # `undefine .DEFAULT_GOAL` with no target after it: GNU 4.4.1 takes a
    # stale name (a vpath pattern, a freed file) as the default goal.
    if not uses(prog, r"undefine\s+\.DEFAULT_GOAL\b") or not only(diffs, "stderr"):
        return False
    a, b = next((a, b) for k, a, b in diffs if k == "stderr")
    return _last_line(b).endswith(b"*** No targets.  Stop.") and \
        re.search(rb"\*\*\* No rule to make target '[^']*'\.  Stop\.$", _last_line(a)) is not None \
        and a.split(b"\n")[:-2] == b.split(b"\n")[:-2]


DECLARATIONS = [
    # --- deliberate differences from GNU make 4.4.1 (README) -------------
    Decl("rm-order", {"4.4.1", "4.3"},
         "The `rm` line deleting intermediate files lists them in the order "
         "they were made; GNU uses the order of its file hash table (README, "
         "'What works today').  Compared with the names sorted.",
         normalize=_sort_rm),
    Decl("nested-shell-env", {"4.4.1", "4.3"},
         "A $(shell) run while the environment of another $(shell) is being "
         "computed sees the start-up values of exported recursive variables; "
         "GNU 4.4.1 expands them again, running more shells (README). Only "
         "the extra shells' stderr can tell here.",
         match=_nested_shell_env),
    Decl("no-load", {"4.4.1", "4.3"},
         "fairmake has no `load` directive (out of scope, README), so "
         "`load` is not in .FEATURES.",
         normalize=_no_load_feature),
    Decl("jobserver-three-ways", {"4.4.1", "4.3"},
         "The MAKEFLAGS in a command's environment names the jobserver "
         "three ways (pipe, fifo, and 4.2's --jobserver-au), where GNU "
         "writes one word (README, Differences); compared as one.",
         normalize=lambda t: re.sub(
             rb"(--jobserver-auth=\S+) --jobserver-auth=\S+ --jobserver-au=\S+", rb"\1", t)),
    Decl("variables-order", {"4.4.1", "4.3"},
         "$(.VARIABLES) lists the variables in the order of GNU's variable "
         "hash table; fairmake's order is its own.  Counted here only when "
         "stdout or stderr ($(warning)) has the same words in another "
         "order (missing or extra names are a divergence).",
         match=lambda p, d: uses(p, r"\.VARIABLES") and only(d, "stdout", "stderr")
         and all(_same_words(dd[1], dd[2]) for dd in d)),
    Decl("version-and-help", {"4.4.1", "4.3"},
         "--version says `fairmake`, --help/--print-data-base are not "
         "generated (-p's order is GNU's hash order).  The usage text "
         "(after a bad option) ends `Report bugs to the fairmake issue "
         "tracker`; compared with that line removed.",
         avoid="--version, --help, -p, -d/--debug",
         # A makefile's MAKEFLAGS can still turn on -v: the version text
         # (each make's own) becomes one line.
         normalize=lambda t: re.sub(
             rb"(?m)^GNU Make 4\.[0-9.]+( compatible \(fairmake [^)]*\))?\nBuilt for .*\n(?:.*\n){2,3}?"
             rb"This is free software: .*\nThere is NO WARRANTY, .*\n",
             b"<version>\n", re.sub(rb"(?m)^Report bugs to .*\n", b"", t))),
    Decl("debug-directory-cache", {"4.4.1", "4.3"},
         "-d that a makefile turns on (MAKEFLAGS): GNU's lines about its "
         "own directory cache (`Directory . cache invalidated (count 3 != "
         "command 4)`) are not printed by fairmake, which keeps no such "
         "cache (README, Differences); compared with those lines removed.",
         normalize=lambda t: re.sub(rb"(?m)^Directory .* cache invalidated \(count \d+ != command \d+\)\n", b"", t)),
    Decl("manual-oneshell-one-script", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): a .ONESHELL "
         "recipe with a newline inside single quotes is split there; GNU "
         "4.4.1 runs the script and then the lines after that newline "
         "again (`Unterminated quoted string`), 4.3 splits it otherwise. "
         "fairmake gives the whole recipe to one shell. Counted for a "
         ".ONESHELL program with a recipe line whose single quote is "
         "closed on a later line (S84:11606).",
         match=_oneshell_quoted_newline),
    Decl("gnu-output-sync-drops-stop", {"4.4.1"},
         "-O under -j with a job running: GNU 4.4.1 expands a recipe whose "
         "expansion fails (its $(file) writes) but never says the error, "
         "nor `Waiting for unfinished jobs`; fairmake says both, as GNU "
         "does without -O (README, Differences). Counted when those lines "
         "of fairmake's are the whole divergence (S84:4510).",
         match=_gnu_output_sync_drops_stop),
    Decl("debug-parallel-walk", {"4.4.1", "4.3"},
         "-d under -j: GNU narrates its parallel walk (`Need a job token; "
         "we don't have children`, `Recipe of 'T' is being run.`, a target "
         "considered again); fairmake prints its serial narration there "
         "(`Pruning file`, `Successfully remade target file`) (README, "
         "Differences). Counted when stdout alone differs, by such lines "
         "only, GNU's including one of its parallel walk's own (S84:29904).",
         match=_debug_parallel_walk),
    Decl("data-base-from-makefile", {"4.4.1", "4.3"},
         "-p that a makefile turns on (MAKEFLAGS or GNUMAKEFLAGS holding a "
         "`p`) prints the data base, whose contents are in GNU's hash order "
         "(and whose header names fairmake): counted here when both makes "
         "printed one and nothing else differs.",
         match=lambda p, d: only(d, "stdout") and all(
             b"# Make data base, printed on" in dd[1] and b"# Make data base, printed by fairmake" in dd[2]
             for dd in d)),
    Decl("signal-to-make-alone", {"4.4.1", "4.3"},
         "SIGINT/SIGHUP/SIGQUIT sent to make alone (a recipe's `kill -INT "
         "$$PPID`) is passed on to the running jobs; GNU passes on only "
         "SIGTERM and waits for the jobs (README, Differences).",
         match=lambda p, d: uses(p, r"kill -(INT|HUP|QUIT) \$\$PPID")),
    Decl("variables-order-selected", {"4.4.1", "4.3"},
         "As variables-order, where words are picked from $(.VARIABLES) by "
         "position ($(word), $(firstword), $(join), ...): declared when the "
         "program reading a sorted $(.VARIABLES) shows no divergence.",
         rewrite=_through(".VARIABLES", "$(sort $(.VARIABLES))")),
    Decl("no-load-selected", {"4.4.1", "4.3"},
         "As no-load, where .FEATURES is reshaped ($(addsuffix), "
         "substitution references, ...) beyond what no-load's rewrite of "
         "the output sees: declared when the program reading .FEATURES "
         "without `load` shows no divergence.",
         rewrite=_through(".FEATURES", "$(filter-out load,$(.FEATURES))")),
    Decl("manual-deletes-untouched", {"4.4.1", "4.3"},
         "GNU 4.4.1 departs from its manual (README, Differences): under -q "
         "it deletes a target its recipe never touched, and an interrupt "
         "or a failure under .DELETE_ON_ERROR deletes grouped-target peers "
         "that did not change. Counted when "
         "GNU's extra `Deleting file` lines are the whole divergence and "
         "fairmake left those files as they were.",
         match=_gnu_deletes_untouched),
    Decl("gnu-question-double-colon-spins", {"4.4.1", "4.3"},
         "`make -q` with an out-of-date goal and then a goal of two or more "
         "double-colon rules: GNU 4.4.1 and 4.3 loop forever at full CPU; "
         "fairmake answers, status 1 (README, Differences). Counted when GNU "
         "timed out, fairmake did not, and GNU's output is the start of "
         "fairmake's.",
         match=_gnu_question_spins),
    Decl("gnu-question-keeps-grouped", {"4.4.1", "4.3"},
         "Under -q, a target that a recipe's `+` line changed is deleted "
         "when make stops short of the rest of the recipe; GNU deletes a "
         "plain target there but keeps a grouped one (README, "
         "Differences). Counted when fairmake's `Deleting file` lines, "
         "for files it deleted, are the whole divergence.",
         match=_gnu_keeps_grouped_under_question),
    Decl("manual-old-file-deleted", {"4.4.1", "4.3"},
         "GNU 4.4.1 departs from its manual (README, Differences): a file "
         "given to -o/--old-file that an implicit chain passes through is "
         "deleted as an intermediate file (`rm c.y`), though make never "
         "made it; fairmake leaves it. Counted when GNU's extra `rm` names "
         "are all old files, which fairmake left as they were, and nothing "
         "else differs.",
         match=_gnu_deletes_old_file),
    Decl("manual-pattern-rule-redefined", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): a pattern "
         "rule with several targets defined again with the same targets "
         "and prerequisites keeps its first recipe in GNU; the later one "
         "replaces it in fairmake, as for one target. Declared when, with "
         "the later definitions taken out, both makes agree.",
         match=lambda p, d: _redefines_pattern_rule(p), rewrite=_without_redefined_pattern_rule),
    Decl("manual-missing-include-note", {"4.4.1"},
         "GNU 4.4.1 departs from its manual (README, Differences): under "
         "-j, when a missing included makefile's recipe fails, it says the "
         "`No such file or directory` note of the last makefile it looked "
         "at, not of the one that failed; fairmake says the failed one's "
         "with its error. Counted when such notes are the whole "
         "difference.",
         match=_missing_include_note),
    Decl("gnu-let-blank-list", {"4.4.1"},
         "`$(let a b, ,BODY)`, several names and a list of blanks: GNU "
         "4.4.1 loses the text already expanded around it (`$(info "
         "R$(let j k, ,))` prints an empty line); fairmake gives the names "
         "no words, as for an empty list (README, Differences). Declared "
         "when, with such lists written `$(strip LIST)`, both makes agree.",
         match=lambda p, d: _let_several_names(p), rewrite=_with_let_lists_stripped),
    Decl("gnu-makeflags-append-spins", {"4.4.1"},
         "With MAKEFLAGS in the environment, an empty `MAKEFLAGS+=` on the "
         "command line makes GNU 4.4.1 spin forever (`MAKEFLAGS=e`) or "
         "crash (`MAKEFLAGS=k`), whatever the makefile; GNU 4.3 and "
         "fairmake go on. Counted when GNU timed out and fairmake did not.",
         match=_gnu_makeflags_append_spins),
    Decl("manual-old-file-double-colon", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): it ignores "
         "-o/--old-file for a target of double-colon rules and runs their "
         "recipes; fairmake treats the file as very old and ignores its "
         "rules, as the manual says. Declared when both makes agree on the "
         "program without those -o options.",
         match=lambda p, d: _old_double_colon(p), rewrite=_without_old_double_colon),
    Decl("manual-what-if-source-deleted", {"4.4.1"},
         "GNU 4.4.1 departs from its manual (README, Differences): with "
         "-B, a source file given to -W (`make -W z.c -B z.o`), or one a "
         "chain reached and a recipe 'remade' without writing it "
         "(`.DEFAULT`), is deleted as an intermediate file (`rm z.c`), "
         "though it was there before make ran; "
         "4.3 and fairmake keep it. Counted when GNU's extra `rm` names "
         "are all such files, which fairmake left as they were, and "
         "nothing else differs.",
         match=_gnu_deletes_what_if_source),
    Decl("manual-restart-loop", {"4.4.1", "4.3"},
         "GNU 4.4.1 departs from its manual (README, Differences): under -n "
         "with -j, makefiles that a recipe 'remade' without creating them "
         "(`.DEFAULT`, MAKEFILES) make it start over forever; the manual "
         "starts over only when a makefile changed. Counted when GNU timed "
         "out and fairmake did not, and both agree on the program without "
         "-j.",
         match=_gnu_restarts_forever, rewrite=_without_jobs),
    Decl("endless-call-stops", {"4.4.1", "4.3"},
         "A $(call) that recurses without end stops fairmake with "
         "`Recursion too deep in call to 'fn'` (README, Differences); GNU "
         "fills its stack and dies of SIGSEGV (not compared), or, with "
         "arguments that grow, runs past the explorer's time limit first. "
         "Counted when GNU timed out and fairmake said that stop (S77:1252).",
         match=lambda p, d: _gnu_timed_out_alone(d) and any(
             k == "stderr" and b"*** Recursion too deep in call to '" in b for k, a, b in d)),
    Decl("gnu-internal-token-error", {"4.4.1", "4.3"},
         "GNU lost track of a job and says so itself (`INTERNAL: Exiting "
         "with N jobserver tokens (should be 0)!`): the job's failure goes "
         "unreported and make exits 0 (S77:4607, a grouped target that is "
         "also an implicit rule's prerequisite under -j). fairmake reports "
         "the failure (`*** [...] Error N`, status 2) and returns every "
         "token. Counted when GNU's stderr has that INTERNAL line and "
         "fairmake's has an `Error` line of its own instead.",
         match=lambda p, d: any(
             k == "stderr" and b"INTERNAL: Exiting with" in a and b"INTERNAL" not in b
             and re.search(rb"\*\*\* \[[^\]]*\] Error \d+", b) for k, a, b in d)),
    Decl("manual-restart-loop-dry-run", {"4.4.1"},
         "GNU 4.4.1 departs from its manual (README, Differences): under -n "
         "a makefile that is also a goal, with a prerequisite that is a "
         "makefile too, makes it start over forever, though nothing "
         "changed (the manual's `make -f mfile -n mfile foo` prints mfile's "
         "recipe, then foo's). Counted when GNU timed out and fairmake did "
         "not, and only the output and the status differ (S75:9164).",
         match=_gnu_dry_run_makefile_goal_loops),
    Decl("gnu-double-colon-makefile-loop", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): a makefile "
         "with two or more double-colon rules that run without creating it "
         "makes it start over forever; the manual starts over only when a "
         "makefile changed. Counted when GNU timed out and fairmake did "
         "not, and only the output and the status differ (S73:21677).",
         match=_gnu_double_colon_makefile_loops),
    Decl("gnu-grouped-makefile-restart", {"4.4.1"},
         "GNU 4.4.1 departs from its manual (README, Differences): a "
         "makefile that is a grouped-target peer of the one whose recipe "
         "ran is taken as changed though the recipe did not write it, so "
         "make starts over forever (4.3 and fairmake do not). Counted when "
         "GNU timed out and fairmake did not, and both agree on the program "
         "with its grouped rules made plain.",
         match=_gnu_restarts_for_grouped_peer, rewrite=_without_grouped),
    Decl("gnu-double-colon-makefile-restart", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): under -j it "
         "starts over once the first double-colon rule of a makefile has "
         "remade it, with the other rules' jobs still running (`INTERNAL: "
         "Exiting with 1 jobserver tokens`); fairmake waits for every rule. "
         "Counted when both agree on the program without -j.",
         match=_restart_under_jobs_with_double_colon, rewrite=_without_jobs),
    Decl("gnu-oneshell-shellflags-glob", {"4.4.1"},
         "Under .ONESHELL, a .SHELLFLAGS with a glob character (`*`, `?`, "
         "`[`): GNU 4.4.1 gives the shell a mangled argument list or aborts "
         "(free(): invalid pointer); fairmake passes the flags as written, "
         "as GNU 4.3 does (README, Differences). Counted when only the "
         "shell's lines differ.",
         match=_gnu_oneshell_shellflags_glob),
    Decl("gnu-include-self", {"4.4.1", "4.3"},
         "A makefile that includes itself without end: GNU reads it again "
         "until it dies of SIGSEGV (past the explorer's timeout); fairmake "
         "stops with an error (`Too many open files`, or the first error "
         "met at the deepest level) and status 2 (README, Differences).",
         match=_gnu_include_self),
    Decl("gnu-sigpipe-waits", {"4.4.1"},
         "stdout a pipe nobody reads (`make | true`): fairmake dies of "
         "SIGPIPE, as GNU 4.3 does (README, Differences); GNU 4.4.1's "
         "handler waits for a job that is not there, says `wait: No child "
         "processes` and `write error: stdout`, and exits 1, or waits for "
         "the jobs running, whose output and failures it reports, and then "
         "dies of SIGPIPE. Counted when those lines and the status are the "
         "whole divergence.",
         match=_gnu_sigpipe_waits),
    Decl("gnu-closed-stdout-reused", {"4.4.1", "4.3"},
         "stdout closed (`make >&-`) under -O: GNU's temporary file takes "
         "descriptor 1, so the commands it echoes come out on stderr; "
         "fairmake keeps descriptor 1 closed and they are lost, as without "
         "-O (README, Differences). Counted when GNU's extra stderr lines, "
         "none of them make's own messages, are the whole divergence.",
         match=_gnu_closed_stdout_reused),
    Decl("manual-delete-on-error", {"4.4.1", "4.3"},
         "GNU 4.4.1 departs from its manual (README, Differences): "
         ".DELETE_ON_ERROR does not delete a changed target when the failing "
         "command, run without a shell, could not be started.",
         match=_gnu_keeps_unstarted),
    Decl("manual-override-undefine", {"4.4.1"},
         "GNU 4.4.1 departs from its manual (README, Differences): after "
         "`override undefine V` of a command-line V (or `undefine V` where "
         "a command-line `V?=` kept the environment's value), it decodes "
         "MAKEFLAGS again once the makefiles are read and gives V its value "
         "back, so recipes see it (4.3 does not). Declared when the program "
         "without V on its command line shows no divergence.",
         rewrite=_without_undefined_command_line),
    Decl("manual-pattern-private-conditional", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): a "
         "pattern-specific `private Y ?= w` for a Y already defined gives "
         "Y an empty value for the matching targets; `?=` leaves it alone "
         "in fairmake. Declared when, with `private` taken off those "
         "assignments, both makes agree on the program.",
         match=lambda p, d: uses(p, _PATTERN_PRIVATE_CONDITIONAL.pattern.replace("^", "(?m)^", 1)),
         rewrite=_without_pattern_private_conditional),
    Decl("gnu-private-pattern-unexported", {"4.4.1"},
         "GNU 4.4.1 leaves a pattern-specific `private` variable out of the "
         "environment of the matching target's own recipe, though it is "
         "exported (`export P`, `.EXPORT_ALL_VARIABLES`) and `$(P)` there "
         "gives its value (one from the environment too); 4.3 and fairmake "
         "export it, as the manual's "
         "`private` only stops inheritance by prerequisites (README, "
         "Differences). Declared when, with `private` taken off the "
         "pattern-specific assignments, both makes agree on the program.",
         # Exported also when it came from the environment (S68:26541).
         match=lambda p, d: uses(p, _PATTERN_PRIVATE.pattern.replace("^", "(?m)^", 1)),
         rewrite=_without_pattern_private),
    Decl("gnu-shuffle-circular-drop", {"4.4.1"},
         "Under --shuffle, GNU 4.4.1 says `Circular b <- a dependency "
         "dropped` but unlinks the prerequisite at that position of the "
         "unshuffled list, so $^, $? and $< keep the file it named and lose "
         "another; fairmake drops the file it names (README, Differences; "
         "manual: --shuffle does not change the automatic variables). "
         "Declared when only stdout or files differ (or also stderr and the "
         "status, where GNU said `Circular` and a recipe failed on the other "
         "list) and, without --shuffle, both makes agree on the program.",
         match=_shuffle_circular_drop, rewrite=_without_shuffle),
    Decl("gnu-self-pattern-searched-again", {"4.4.1"},
         "A pattern rule whose prerequisite is its own target pattern "
         "(`%.o: %.o`): GNU 4.4.1 searches the file again inside its own "
         "search and gives it the prerequisites of the rule that inner "
         "search found (`No rule to make target 'x.c', needed by 'x.o'`, a "
         "second `Circular` line), while `-d` says it chose `%.o: %.o`; "
         "4.3 and fairmake do not (README, Differences). Declared when, "
         "without those rules, both makes agree.",
         match=lambda p, d: _any_line(p, _self_pattern_rule),
         rewrite=_without_self_pattern_rules),
    Decl("gnu-extra-prereqs-self-searched-again", {"4.4.1"},
         "A file the global .EXTRA_PREREQS names gets, through them, itself "
         "as a prerequisite; GNU 4.4.1 then searches one of its chain's "
         "files again inside its own search, and the file now 'ought to "
         "exist' only because the outer search just gave it a rule, so the "
         "inner file gets another rule than the first search found (more "
         "`Circular` lines, another recipe); 4.3 and fairmake keep the "
         "first (README, Differences). Declared when, without the global "
         ".EXTRA_PREREQS, both makes agree.",
         match=_extra_prereqs_self_circular,
         rewrite=lambda p: _without_lines_matching(p, _GLOBAL_EXTRA_PREREQS)),
    Decl("gnu-optional-makefile-double-colon", {"4.4.1"},
         "GNU 4.4.1 departs from its manual (README, Differences): an "
         "optional makefile (MAKEFILES, `-include`) that an implicit rule "
         "makes from a missing double-colon target (`x.o::e` under `%: "
         "%.o`) has that target's missing prerequisite reported (`No rule "
         "to make target 'e', needed by 'x.o'`, a stop without -k), where "
         "the manual says such a makefile is ignored when it cannot be "
         "remade; 4.3 and fairmake say nothing (S59:32412). Also when what "
         "that target needs fails loudly (`*** [<builtin>: c.c] Error 127`, "
         "S88:20516).",
         match=_gnu_optional_makefile_double_colon),
    Decl("gnu-optional-makefile-double-colon-stop", {"4.4.1"},
         "The same, where GNU 4.4.1 stops on that line and fairmake goes "
         "on to the goals: counted when, run with -k, the two makes differ "
         "by that line alone (S80:24473).",
         match=_gnu_optional_makefile_double_colon_stop, rewrite=_with_keep_going),
    Decl("gnu-target-shellflags-append", {"4.4.1"},
         "A target-specific `.SHELLFLAGS += -e`: GNU 4.4.1 runs the shell "
         "with the appended words alone (`sh -e 'cmd'`: `cannot open "
         "cmd`), though `$(.SHELLFLAGS)` gives `-c -e`; 4.3 and fairmake "
         "run `sh -c -e 'cmd'` (README, Differences). Declared when, "
         "without those lines, both makes agree.",
         match=lambda p, d: _any_line(p, _TARGET_SHELLFLAGS_APPEND.match),
         rewrite=_without_target_shellflags_append),
    Decl("manual-what-if-missing-prerequisite", {"4.4.1"},
         "GNU 4.4.1 departs from its manual (README, Differences): a "
         "pattern rule whose second prerequisite is a missing file given "
         "to -W is rejected (`%.o: %.c p.h` with `-W p.h`), though -W is "
         "'almost the same as running a touch command'; 4.3 and fairmake "
         "use it. Declared when, with those files there, both makes agree.",
         match=lambda p, d: bool(_what_if_files(p) - {f["name"] for f in p["files"]}),
         rewrite=_with_what_if_files_made),
    Decl("gnu-grouped-self-loop-status", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): under -k -j, "
         "a grouped rule listing one of its own targets as a prerequisite "
         "(`all p.out&: all`) has its recipe run after a prerequisite "
         "failed, and make exits 0; the manual says such a target 'cannot "
         "be remade' and the status is 2 after an error, as fairmake does. "
         "Declared when both makes agree on the program without those self "
         "prerequisites (S68:12319).",
         match=lambda p, d: "status" in aspects(d) and uses(p, r"&:") and _keep_going(p),
         rewrite=_without_grouped_self_prerequisites),
    Decl("gnu-lost-child-after-unstartable", {"4.4.1", "4.3"},
         "A job whose earlier command could not be started (`Error 127 "
         "(ignored)`) is lost track of by GNU: a signal then ends make "
         "without waiting for its running command or saying `Interrupt` "
         "for it; fairmake waits and says it (README, Differences; "
         "S68:35471).",
         match=_gnu_lost_child_after_unstartable),
    Decl("manual-double-colon-not-intermediate", {"4.4.1"},
         "GNU 4.4.1 departs from its manual (README, Differences): 'a file "
         "cannot be intermediate if it is mentioned in the makefile as a "
         "target', but 4.4.1 deletes the target of a double-colon rule an "
         "implicit chain reached (`x.o::` under `%: %.o`: `rm x.o`; 4.3 "
         "keeps it, as fairmake does). Counted when GNU's extra `rm` names "
         "are all double-colon targets, which fairmake kept, and nothing "
         "else differs (S71:584).",
         match=lambda p, d: _gnu_deletes_files_of(_double_colon_targets(p), d, kept_any=True)),
    Decl("manual-preexisting-not-deleted", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): 'make deletes "
         "an intermediate file if it did not exist before make ran', but "
         "GNU sometimes deletes one that did (`rm x.o` for an `x.o` a "
         "wildcard in MAKEFILES reached: S68:25569). Counted when GNU's "
         "extra `rm` names are all files of the set-up tree, which fairmake "
         "left as they were, and nothing else differs.",
         match=lambda p, d: _gnu_deletes_files_of({f["name"] for f in p["files"]}, d)),
    Decl("manual-recipeprefix-after-undefine", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): after "
         "`undefine .RECIPEPREFIX`, setting it again (`.RECIPEPREFIX = >`) "
         "no longer changes the recipe prefix, though `$(.RECIPEPREFIX)` "
         "is `>` (`missing separator`); the manual makes the value's first "
         "character the prefix, as fairmake does. Declared when, without "
         "those `undefine` lines, both makes agree.",
         match=lambda p, d: _any_line(p, _UNDEFINE_RECIPEPREFIX.match),
         rewrite=_without_undefine_recipeprefix),
    Decl("manual-shuffle-double-colon", {"4.4.1"},
         "GNU 4.4.1 departs from its manual (README, Differences): "
         "`--shuffle` leaves the prerequisites of a target's second and "
         "later double-colon rules in their written order; the manual "
         "shuffles every prerequisite list, as fairmake does. Declared when, "
         "without --shuffle, both makes agree.",
         match=lambda p, d: uses(p, r"(?m)^[^\t#=]*[^:=]::(?!=)"), rewrite=_without_shuffle),
    Decl("manual-stem-with-blank", {"4.4.1", "4.3"},
         "GNU departs from its manual (README, Differences): a stem with an "
         "escaped blank (`a\\ b: %: x%.c`) gets the prefix and suffix on each "
         "of its words, one prerequisite named `xa.c xb.c`; fairmake "
         "substitutes the stem for the `%`, `xa b.c`, as the manual says. "
         "Declared when, with those blanks written `_`, both makes agree.",
         match=_stem_may_have_blank, rewrite=_without_escaped_blanks),
    Decl("gnu-double-colon-chain-no-rule", {"4.4.1", "4.3"},
         "A target of a double-colon rule that an implicit chain reaches "
         "(`all: b`, `%: %.o`, `%.o: %.x`, `b.x:: ; @echo x`): GNU says "
         "`No rule to make target 'b.x', needed by 'b.o'` and stops, even "
         "after running the rule's recipe; fairmake uses the rule (README, "
         "Differences). Counted when each `No rule` line only GNU says "
         "names a double-colon target; with `.DEFAULT`, GNU runs its recipe "
         "for that target instead, counted by its failure line.",
         match=_double_colon_no_rule),
    Decl("gnu-percent-conditional-unexports", {"4.4.1", "4.3"},
         "A pattern-specific `?=` whose pattern is exactly `%` (`%: A ?= "
         "x`) for a variable a makefile exports (`export A = g`): GNU 4.4.1 "
         "and 4.3 leave A out of every recipe's environment, though `$(A)` "
         "keeps its value and `?=` assigns nothing; other patterns and "
         "operators do not do it. fairmake keeps A exported (README, "
         "Differences). Declared when, without those lines, both makes "
         "agree on the program.",
         match=lambda p, d: uses(p, _PERCENT_CONDITIONAL.pattern.replace("^", "(?m)^", 1))
         and uses(p, r"\bexport\b"),
         rewrite=_without_percent_conditional),
    Decl("export-order", {"4.4.1"},
         "Exported variables are expanded for a recipe's environment in the "
         "order they were defined, not in GNU's hash order (README, "
         "Differences): warnings come in another order, or another "
         "variable's error stops make first.",
         match=_export_order),
    Decl("default-goal-undefined", {"4.4.1", "4.3"},
         "`undefine .DEFAULT_GOAL` with no target after it: fairmake says "
         "`No targets` as the manual's 'restart the default goal "
         "selection' implies; GNU 4.4.1 takes a stale name as the goal.",
         match=_default_goal_undefined),
    # --- GNU make 4.3 -> 4.4 (only against a 4.3 reference, as in CI) ---
    Decl("else-if-extra-words", {"4.4.1", "4.3"},
         "A malformed conditional after `else` (`else ifdef A B`, `else "
         "ifeq (a)`, `else ifneq 'a'`): GNU reads the state of another "
         "conditional, or uninitialised memory (valgrind: conditional_line), "
         "so which lines it reads next depends on the makefile name's "
         "length; fairmake warns and skips the rest of the conditional, as "
         "GNU does for long names.  Counted only when GNU warned "
         "`extraneous text after 'else' directive` (in a stderr that "
         "differs), or for `else ifdef A B` when both stderrs are the same "
         "(so fairmake's identical warning, if any, is GNU's).",
         match=lambda p, d: (uses(p, r"(?m)^[ \t]*else[ \t]+if(n?def|n?eq)\b")
                             and any(b"extraneous text after 'else' directive" in dd[1]
                                     for dd in d if dd[0] == "stderr"))
         or (uses(p, r"(?m)^[ \t]*else[ \t]+ifn?def[ \t]+\S+[ \t]+\S") and "stderr" not in aspects(d))
         # The same warning from both (stderr agrees) and a malformed test
         # after `else`: what is read next is GNU's stale state.
         or (_malformed_else_if(p) and "stderr" not in aspects(d))),
    Decl("4.4-syntax", {"4.3"},
         "Syntax 4.3 lacks: :::=, .WAIT, $(let), $(intcmp), "
         ".NOTINTERMEDIATE, --shuffle. Not generated against 4.3.",
         avoid=":::=, .WAIT, let, intcmp, .NOTINTERMEDIATE, --shuffle"),
    Decl("4.4-version", {"4.3"},
         "MAKE_VERSION and .FEATURES name 4.4.1's version and features.",
         match=lambda p, d: uses(p, r"MAKE_VERSION|\.FEATURES")),
    Decl("4.4-builtin-values", {"4.3"},
         "4.4 changed built-in variables: ARFLAGS is -rv (was rv), "
         "PREPROCESS.S uses $(CPP), .LOADED and MAKEFILES are defined by "
         "default, GNUMAKEFLAGS is a default variable (4.3: from the "
         "environment, always).",
         match=lambda p, d: uses(p, r"ARFLAGS|PREPROCESS\.S|\.LOADED|MAKEFILES|GNUMAKEFLAGS|\.VARIABLES")),
    Decl("4.3-include-dirs", {"4.3"},
         "Debian's 4.3 has /usr/include twice in .INCLUDE_DIRS, as a "
         "recursive variable.",
         match=lambda p, d: uses(p, r"\.INCLUDE_DIRS")),
    Decl("4.4-trace", {"4.3"},
         "4.4 rewrote the --trace messages (`update target 'x' due to: ...`).",
         match=lambda p, d: uses(p, r"--trace")),
    Decl("4.4-messages", {"4.3"},
         "4.4 reworded diagnostics: the missing-separator hint for "
         "ifeq/ifneq, the argument errors of $(word)/$(wordlist).",
         match=lambda p, d: any(x in dd[2] for dd in d if dd[0] == "stderr" for x in (
             b"(ifeq/ifneq must be followed by whitespace)", b"invalid first argument to",
             b"invalid second argument to", b"non-numeric first argument to", b"non-numeric second argument to"))),
    Decl("4.4-suffix-prereqs", {"4.3"},
         "4.4 reads `.c.o: prereq` as a suffix rule whose prerequisites are "
         "ignored, with a warning; 4.3 as an ordinary target `.c.o`.",
         match=lambda p, d: any(b"ignoring prerequisites on suffix rule definition" in dd[2]
                                for dd in d if dd[0] == "stderr")),
    Decl("4.4-failed-remake", {"4.3"},
         "4.4 says where an included makefile that failed to remake was "
         "included (`Makefile:2: Failed to remake makefile`), and stops.",
         match=lambda p, d: any(b"Failed to remake makefile" in dd[2] for dd in d if dd[0] == "stderr")),
    Decl("4.4-print-directory", {"4.3"},
         "4.4: -w on the command line wins over --no-print-directory in "
         "MAKEFLAGS from the environment.",
         match=lambda p, d: uses(p, r"no-print-directory") and "-w" in p["args"]),
    Decl("4.4-empty-shell", {"4.3"},
         "4.3 and 4.4 differ on SHELL set empty on the command line.",
         match=lambda p, d: any(a.startswith("SHELL") for a in p["args"])),
    Decl("4.4-gnumakeflags-undefined", {"4.3"},
         "4.4 defines GNUMAKEFLAGS as a built-in variable and reads it after "
         "the makefiles: undefined (-R), --warn-undefined-variables warns "
         "about it; 4.3 always has it from the environment.",
         match=lambda p, d: any(b"undefined variable 'GNUMAKEFLAGS'" in dd[2] and
                                b"undefined variable 'GNUMAKEFLAGS'" not in dd[1]
                                for dd in d if dd[0] == "stderr")),
    Decl("4.4-makeflags", {"4.3"},
         "4.4 changed what MAKEFLAGS/MFLAGS hold (-j and the jobserver "
         "string, fifo jobserver, options set by the makefile).",
         match=lambda p, d: uses(p, r"MAKEFLAGS|MFLAGS") or (uses(p, r"-j") and uses(p, r"\$\(MAKE\)"))),
]


def normalizers(ref_version):
    return [d for d in DECLARATIONS if d.normalize and ref_version in d.refs]


def matching(prog, diffs, ref_version, agree=None, diffs_of=None, _depth=0):
    """The declaration the divergence falls under.  agree(p) runs a
    rewritten program with both makes and tells whether they agree on it
    entirely; without it, rewrite declarations are skipped.

    diffs_of(p) runs a rewritten program and returns its differences.  With
    it, two declared causes in one program combine: a rewrite that takes
    away one cause leaves a program whose remaining differences must fall
    under another declaration (found the same way, one step deep); the
    result is named `first+second`.  Nothing undeclared can hide behind
    the pair, since each part is checked as a single one is."""
    for d in DECLARATIONS:
        if d.match and not d.rewrite and ref_version in d.refs and d.match(prog, diffs):
            return d
    if not agree:
        return None
    rewritten = []
    for d in DECLARATIONS:
        if d.rewrite and ref_version in d.refs:
            # A declaration with both: the match says when the
            # rewrite is worth trying.
            if d.match and not d.match(prog, diffs):
                continue
            q = d.rewrite(prog)
            if q != prog:
                if agree(q):
                    return d
                rewritten.append((d, q))
    if diffs_of and _depth == 0:
        for d, q in rewritten:
            rest = diffs_of(q)
            inner = rest and matching(q, rest, ref_version, agree, diffs_of, 1)
            if inner and inner.id != d.id:
                return Decl(d.id + "+" + inner.id, inner.refs & d.refs,
                            d.reason + " And: " + inner.reason)
    return None

