"""The grammar: random makefiles, scratch trees and command lines.

A program is a plain dict (JSON-serializable, so it can be logged, replayed and
shrunk):

    {
      "files": [{"name": "Makefile", "lines": [...], "mtime": 0},   # makefiles: lines
                {"name": "x.c", "text": "...", "mtime": -10},        # other files
                {"name": "sub", "dir": True, "mtime": 0}],
      "args": ["-k", "all"],          # argv after `make`
      "env": [["MAKEFLAGS", "s"]],    # added to PATH and LC_ALL=C
      "sig_ignore": ["INT"],          # signals ignored when make starts
      "stdout": "pipe",               # pipe | closed | broken | full
      "features": [...],              # grammar tags hit (coverage)
    }

Generation is deterministic for a given seed string and profile.  The
profile says which reference make the program is meant for: with "4.3",
constructs GNU make 4.3 lacks (listed in declared.py) are not generated.
"""
import random

# Names ---------------------------------------------------------------------

TARGETS = ["all", "a", "b", "c", "foo", "bar", "x.o", "y.o", "z.o", "lib.a",
           "out", "sub/d.o", "a.x", "b.x", "p.out", "t1", "t2", "gen.h"]
SOURCES = ["x.c", "y.c", "z.c", "a.in", "b.in", "c.y", "d.l", "e.s", "p.h",
           "sub/s.c", "m.c"]
MISSING = ["nope", "missing.c", "ghost", "q.o", "sub/none"]
VARS = ["A", "B", "C", "V", "x", "objs", "srcs", "EMPTY", "SP", "F", "N",
        "CFLAGS", "comma", "L"]
# Built-in variables and their 4.4.1 flavours, as `make -p -f /dev/null`
# lists them (names only; the values are what is compared).
BUILTIN_VARS = [
    "AR", "ARFLAGS", "AS", "CC", "CHECKOUT,v", "CO", "COFLAGS", "COMPILE.C",
    "COMPILE.F", "COMPILE.S", "COMPILE.c", "COMPILE.cc", "COMPILE.cpp",
    "COMPILE.def", "COMPILE.f", "COMPILE.m", "COMPILE.mod", "COMPILE.p",
    "COMPILE.r", "COMPILE.s", "CPP", "CTANGLE", "CWEAVE", "CXX", "F77",
    "F77FLAGS", "FC", "GET", "LD", "LEX", "LEX.l", "LEX.m", "LINK.C",
    "LINK.F", "LINK.S", "LINK.c", "LINK.cc", "LINK.cpp", "LINK.f", "LINK.m",
    "LINK.o", "LINK.p", "LINK.r", "LINK.s", "LINT", "LINT.c", "M2C",
    "MAKEINFO", "OBJC", "OUTPUT_OPTION", "PC", "PREPROCESS.F", "PREPROCESS.S",
    "PREPROCESS.r", "RM", "TANGLE", "TEX", "TEXI2DVI", "WEAVE", "YACC",
    "YACC.m", "YACC.y", "SUFFIXES", ".LIBPATTERNS", "MAKE_HOST", ".SHELLFLAGS",
    ".INCLUDE_DIRS", "MAKEFILES", "MAKE_COMMAND", ".RECIPEPREFIX", ".LOADED",
    "MAKE_VERSION", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SHELL", "CURDIR",
    "MAKECMDGOALS", ".DEFAULT_GOAL", "MAKEFILE_LIST", "MAKE", "CFLAGS",
    "CPPFLAGS", "LDFLAGS", "LDLIBS", "TARGET_ARCH", "MAKE_RESTARTS",
    "MAKE_TERMOUT", "MAKE_TERMERR", "GNUMAKEFLAGS", "VPATH", "GPATH",
    ".EXTRA_PREREQS", ".FEATURES", ".VARIABLES"]
WORDS = ["a", "b", "c", "x.o", "y.c", "a.b.c", "dir/f.c", "%.c", "%", "foo",
         "bar", "1", "2", "0", "-1", "x", "sub/", "./x", "/abs/p.q", "a b",
         "aa", "ba", "f.c.o", ".c", "..", "*.c", "x*"]
RARE_WORDS = ["#", "\\", "\\#", "$$", "$$x", ":", ";", "=", "'", '"', ",",
              "(", ")", "{", "}", "%%", "\\%", "a\\ b", "~", "*", "?"]
SPECIAL_TARGETS = [".PHONY", ".SUFFIXES", ".DEFAULT", ".PRECIOUS",
                   ".INTERMEDIATE", ".SECONDARY", ".NOTINTERMEDIATE",
                   ".DELETE_ON_ERROR", ".IGNORE", ".SILENT",
                   ".EXPORT_ALL_VARIABLES", ".NOTPARALLEL", ".ONESHELL",
                   ".POSIX", ".SECONDEXPANSION", ".LOW_RESOLUTION_TIME"]
AUTOVARS = ["$@", "$<", "$^", "$+", "$?", "$*", "$|", "$%", "$(@D)", "$(@F)",
            "$(<D)", "$(<F)", "$(*D)", "$(*F)", "$(^D)", "$(^F)", "$(?F)",
            "$(+D)", "${@}", "$(%F)"]
FUNCS = {  # name: (min args, max args)
    "subst": (3, 3), "patsubst": (3, 3), "strip": (1, 1),
    "findstring": (2, 2), "filter": (2, 2), "filter-out": (2, 2),
    "sort": (1, 1), "word": (2, 2), "wordlist": (3, 3), "words": (1, 1),
    "firstword": (1, 1), "lastword": (1, 1), "dir": (1, 1), "notdir": (1, 1),
    "suffix": (1, 1), "basename": (1, 1), "addsuffix": (2, 2),
    "addprefix": (2, 2), "join": (2, 2), "wildcard": (1, 1),
    "realpath": (1, 1), "abspath": (1, 1), "if": (2, 3), "or": (1, 3),
    "and": (1, 3), "intcmp": (2, 5), "foreach": (3, 3), "call": (1, 4),
    "value": (1, 1), "origin": (1, 1), "flavor": (1, 1), "shell": (1, 1),
    "info": (1, 1), "warning": (1, 1), "error": (1, 1), "eval": (1, 1),
    "let": (3, 3), "file": (1, 2),
}
GNU44_ONLY_FUNCS = {"intcmp", "let"}
NUMS = ["0", "1", "2", "3", "-1", " 2 ", "x", "", "07", "+1", "99999999999999999999", "1 2"]
SAFE_SHELL = ["echo hi", "echo a b  c", "printf 'x\\ny\\n'", "printf ''",
              "echo", "cat x.c", "ls sub", "false", "exit 3", "echo $$0",
              "echo 'q  r'", "true", "printf 'a\\n\\n'", "echo $${A-unset}",
              "cat nope 2>/dev/null", "echo err >&2"]


class Gen:
    def __init__(self, seed, profile="4.4.1"):
        self.r = random.Random(seed)
        self.profile = profile
        self.gnu44 = profile != "4.3"
        self.features = set()
        self.prefix = "\t"           # the current .RECIPEPREFIX
        self.defined_targets = []
        self.has_sub = False
        self.clean = False

    # helpers
    def tag(self, t):
        self.features.add(t)

    def bad(self, x):
        """A malformed construct, with probability x (never in a clean program)."""
        return not self.clean and self.r.random() < x

    def p(self, x):
        return self.r.random() < x

    def ch(self, seq):
        return self.r.choice(seq)

    def ws(self, none=0.5):
        if self.p(none):
            return ""
        return self.ch([" ", " ", "  ", "\t", " \t ", "   "])

    def ws1(self):
        return self.ch([" ", " ", " ", "  ", "\t", " \t"])

    # expressions ----------------------------------------------------------
    def word(self):
        if self.bad(0.04):
            self.tag("expr:rare-word")
            return self.ch(RARE_WORDS)
        return self.ch(WORDS + TARGETS[:8] + SOURCES[:4])

    def words(self, n=None):
        n = self.r.randint(0, 3) if n is None else n
        return " ".join(self.word() for _ in range(n))

    def varname(self):
        if self.p(0.15):
            self.tag("expr:builtin-var")
            return self.ch(BUILTIN_VARS)
        return self.ch(VARS)

    def ref(self, depth, recipe=False):
        k = self.r.random()
        if recipe and k < 0.25:
            self.tag("expr:autovar")
            return self.ch(AUTOVARS)
        name = self.varname()
        k = self.r.random()
        if k < 0.45:
            self.tag("expr:ref()")
            return "$(" + name + ")"
        if k < 0.6:
            self.tag("expr:ref{}")
            return "${" + name + "}"
        if k < 0.7 and len(name) == 1:
            self.tag("expr:ref-single")
            return "$" + name
        if k < 0.85:
            self.tag("expr:substref")
            a, b = self.ch([("a", "b"), ("%.c", "%.o"), (".c", ".o"), ("%", "x%"), ("", "z"), ("o", "")])
            return "$(" + name + ":" + a + "=" + b + ")"
        if k < 0.9:
            self.tag("expr:computed-name")
            return "$($(" + self.ch(VARS) + "))"
        return "$(" + name + self.ch(["", " ", "x"]) + ")"

    def expr(self, depth=0, recipe=False, noparens=False):
        """A value: words, references and function calls mixed."""
        parts = []
        for _ in range(self.r.randint(1, 3)):
            k = self.r.random()
            if depth < 3 and k < 0.3:
                parts.append(self.call(depth + 1, recipe))
            elif k < 0.55:
                parts.append(self.ref(depth, recipe))
            else:
                parts.append(self.word())
        sep = [self.ch([" ", "", " ", "  "]) for _ in parts]
        out = self.ws(0.7)
        for s, part in zip(sep, parts):
            out += part + s
        if self.p(0.7):
            out = out.rstrip(" ")
        if noparens:
            out = out.replace("(", "").replace(")", "")
        return out

    def arg(self, depth, recipe):
        """A function argument: surrounding whitespace at random."""
        return self.ws() + (self.expr(depth, recipe) if self.p(0.75) else self.words(self.r.randint(0, 2))) + self.ws()

    def call(self, depth=0, recipe=False):
        names = [f for f in FUNCS if self.gnu44 or f not in GNU44_ONLY_FUNCS]
        # Weight toward the conditionals' functions: their whitespace handling
        # is where makes differ most.
        if self.p(0.25):
            f = self.ch(["if", "or", "and"])
        else:
            f = self.ch(names)
        if f == "error" and not self.p(0.3):
            f = "warning"
        self.tag("func:" + f)
        lo, hi = FUNCS[f]
        n = self.r.randint(lo, hi)
        if self.bad(0.03):
            n = max(0, lo - 1)        # too few arguments
            self.tag("func:too-few-args")
        b = self.ws1()
        if self.p(0.05):
            b = self.ch(["", "\t", "  "])
        if f in ("if", "or", "and"):
            args = []
            for i in range(n):
                k = self.r.random()
                if k < 0.3:
                    args.append(self.ws(0.3))          # blank condition
                elif k < 0.5:
                    args.append(self.ws() + "$(" + self.ch(["EMPTY", "SP", "A", "nope"]) + ")" + self.ws())
                else:
                    args.append(self.arg(depth, recipe))
            self.tag("func:" + f + "-ws-cond")
        elif f in ("word", "wordlist"):
            args = [self.ws() + self.ch(NUMS) + self.ws() for _ in range(n - 1)] + [self.arg(depth, recipe)]
            if n == 0:
                args = []
        elif f == "intcmp":
            args = [self.ws() + self.ch(NUMS) + self.ws() for _ in range(min(n, 2))]
            args += [self.arg(depth, recipe) for _ in range(n - 2)]
        elif f == "foreach":
            v = self.ch(["i", "x", "A", " i "])
            args = [v, self.arg(depth, recipe), self.ws() + self.ch(["$(i)", "[$i]", "$(x).o", "$(A)", "$(i) $(i)"]) + self.ws()][:n]
        elif f == "let":
            args = [self.ch(["a b", "x", "i j k", " a "]), self.arg(depth, recipe), self.ws() + self.ch(["[$(a)][$(b)]", "$(x)", "$(i)-$(j)-$(k)", "$(a)"]) + self.ws()][:n]
        elif f == "call":
            args = [self.ch(["fn", "fn2", "A", " fn", "nope", "info"])] + [self.arg(depth, recipe) for _ in range(n - 1)]
        elif f in ("value", "origin", "flavor"):
            args = [self.ws(0.8) + self.varname() + self.ws(0.8)]
        elif f == "shell":
            args = [self.ch(SAFE_SHELL)]
        elif f == "eval":
            args = [self.ch(["X := 1", "$(A) = b", "e: ; @echo e", "define", "V += w", "ifeq", "a.x: b.x",
                             "override V = o", "$$(info ev)", "include"])]
        elif f == "file":
            args = [self.ch(["< x.c", ">out.f", ">> out.f", "< nope", "! x", "<", " > out.f"])]
            if n == 2:
                args.append(self.arg(depth, recipe))
        elif f == "wildcard":
            args = [self.ws() + self.ch(["*.c", "sub/*", "*.none", "x.c y.c", "[xy].c", "*.o", "*"]) + self.ws()]
        elif f in ("info", "warning", "error"):
            args = [self.arg(depth, recipe)]
        else:
            args = [self.arg(depth, recipe) for _ in range(n)]
        if f in ("info", "warning", "error", "eval", "file") and depth > 1:
            self.tag("func:side-effect-nested")
        close = ")" if not self.bad(0.01) else ""
        if self.p(0.15):
            self.tag("func:braces")
            return "${" + f + b + ",".join(args) + "}"
        return "$(" + f + b + ",".join(args) + close

    # statements -----------------------------------------------------------
    def assignment(self):
        ops = ["=", ":=", "::=", "?=", "+=", "!="] + ([":::="] if self.gnu44 else [])
        op = self.ch(ops)
        self.tag("assign:" + op)
        name = self.varname() if self.p(0.9) else self.ch(["$(A)", "a b", "X$(EMPTY)", "v.x", "fn", "fn2"])
        pre = ""
        k = self.r.random()
        if k < 0.1:
            pre = "override "
        elif k < 0.2:
            pre = "export "
        elif k < 0.23:
            pre = "private "
        elif k < 0.25:
            pre = "override export "
        if pre:
            self.tag("assign:" + pre.strip().replace(" ", "+"))
        if op == "!=":
            val = self.ch(SAFE_SHELL)
        elif name in ("fn", "fn2") or self.p(0.1):
            name = self.ch(["fn", "fn2"]) if self.p(0.8) else name
            val = self.ch(["[$(1)][$(2)]", "$(0) $(1)", "$(if $(1),x$(1),none)", "$(words $(1))", "$(call fn,$(1))", "$(2) $(1)"])
        else:
            val = self.expr()
        return pre + name + self.ws() + op + self.ws() + val + (self.ws(0.8) if self.p(0.2) else "")

    def define(self):
        self.tag("define")
        op = self.ch(["", " =", " :=", " ::=", " +=", " ?=", "=", " !="] + ([" :::="] if self.gnu44 else []))
        pre = self.ch(["", "", "override ", "export "])
        name = self.ch(["D", "fn", "fn2", "A", "canned"])
        body = [self.ch(["echo d1", "@echo $(1) $@", "\techo in-body", "a = 1", "$(info d)", "", "endef extra"][:6])
                for _ in range(self.r.randint(0, 3))]
        if op.strip() == "!=":
            body = [self.ch(["echo sh", "printf 'q\\n'"])]
        lines = [pre + "define" + self.ws1() + name + op] + body
        lines.append("endef" + ("" if not self.bad(0.05) else self.ch([" x", "  # c", " "])))
        return lines

    def directive(self):
        k = self.ch(["export", "unexport", "undefine", "vpath", "include", "info", "MAKEFLAGS", "override-undefine",
                     "export-all", "sinclude"])
        self.tag("directive:" + k)
        v = self.varname()
        if k == "export":
            return [self.ch(["export " + v, "export " + v + " " + self.varname(), "export " + v + " = e"])]
        if k == "export-all":
            return [self.ch(["export", "unexport"])]
        if k == "unexport":
            return ["unexport " + v]
        if k == "undefine":
            return ["undefine" + self.ws1() + v]
        if k == "override-undefine":
            return ["override undefine " + v]
        if k == "vpath":
            return [self.ch(["vpath %.c sub", "vpath %.c", "vpath", "vpath %.in sub:.", "VPATH = sub", "GPATH = sub"])]
        if k in ("include", "sinclude"):
            return [self.ch(["include inc.mk", "-include nope.mk", "sinclude nope.mk", "include gen.mk",
                             "-include gen.mk", "include nope.mk", "include $(EMPTY)", "include inc.mk inc.mk"])]
        if k == "MAKEFLAGS":
            return ["MAKEFLAGS " + self.ch(["+=", "=", ":="]) + " " + self.ch(["-k", "s", "-s", "-r", "B", "--no-print-directory", "-i", "V=mf"])]
        return [self.ch(["$(info ", "$(warning ", "$(info "]) + self.expr() + ")"]

    def cond_arg(self):
        k = self.r.random()
        if k < 0.35:
            return self.words(self.r.randint(0, 2))
        if k < 0.55:
            return self.ref(0)
        return self.expr(1, noparens=False)

    def cond_head(self, kw=None):
        kw = kw or self.ch(["ifeq", "ifneq", "ifeq", "ifneq", "ifdef", "ifndef"])
        if kw in ("ifdef", "ifndef"):
            self.tag("cond:" + kw)
            name = self.ch([self.varname(), "$(" + self.ch(VARS) + ")", self.varname() + " " + self.varname(), "fn", "$(EMPTY)"])
            if self.bad(0.03):
                self.tag("cond:ifdef-no-name")
                name = ""
            return kw + self.ws1() + name + self.ws(0.7)
        a, b = self.cond_arg(), self.cond_arg()
        if self.p(0.3):
            b = a                     # equal arguments are interesting too
        # whitespace inside the arguments, at every place
        a = self.ws(0.6) + a + self.ws(0.6)
        b = self.ws(0.6) + b + self.ws(0.6)
        form = self.ch(["paren", "paren", "''", '""', "'\"", "\"'", "paren-nosp"])
        self.tag("cond:%s-%s" % (kw, form))
        if form == "paren":
            s = kw + self.ws1() + "(" + a + "," + b + ")"
        elif form == "paren-nosp":
            s = kw + "(" + a + "," + b + ")"
        else:
            q1, q2 = form[0], form[1]
            a, b = a.replace(q1, ""), b.replace(q2, "")
            s = kw + self.ws1() + q1 + a + q1 + self.ws1() + q2 + b + q2
        if self.bad(0.05):
            self.tag("cond:malformed")
            s = self.ch([s[:-1], s + " junk", kw, kw + " (a)", kw + " 'a'", kw + " (a,b", kw + " \"a\" b", s.replace(",", "", 1)])
        return s + self.ws(0.8)

    def conditional(self, depth):
        lines = [self.cond_head()]
        lines += self.items(self.r.randint(0, 3), depth + 1)
        n_else = self.r.choice([0, 0, 1, 1, 2])
        for i in range(n_else):
            if self.p(0.5):
                self.tag("cond:else-if")
                lines.append("else " + self.cond_head())
            else:
                self.tag("cond:else")
                lines.append("else" + self.ws(0.8) + ("" if not self.bad(0.03) else " junk"))
            lines += self.items(self.r.randint(0, 2), depth + 1)
        if not self.bad(0.03):
            lines.append(self.ws(0.9) + "endif" + self.ws(0.8) + ("" if not self.bad(0.03) else self.ch([" junk", " # c"])))
        else:
            self.tag("cond:missing-endif")
        if self.bad(0.02):
            lines.append("endif")
            self.tag("cond:extra-endif")
        return lines

    def recipe_cmd(self):
        k = self.r.random()
        t = self.ch(TARGETS)
        if k < 0.3:
            self.tag("recipe:echo")
            return "echo " + self.expr(1, recipe=True)
        if k < 0.42:
            self.tag("recipe:echo-autovars")
            return "echo '" + "|".join(self.ch(AUTOVARS) for _ in range(self.r.randint(1, 4))) + "'"
        if k < 0.52:
            self.tag("recipe:make-file")
            return self.ch(["touch $@", "echo $@ > $@", "cat $< > $@", "cp $< $@", "echo $^ >> $@",
                            "printf '%s\\n' $? > $@", "touch " + t, "rm -f " + t, "echo x > $@.tmp", "mkdir -p sub && touch $@"])
        if k < 0.58:
            self.tag("recipe:fail")
            return self.ch(["false", "exit 2", "exit 1", "test -f nope", "echo failing; false", "cat nope"])
        if k < 0.61:
            self.tag("recipe:signal")
            return self.ch(["kill -INT $$PPID", "kill -TERM $$PPID", "kill -HUP $$PPID", "kill -INT 0",
                            "kill -TERM 0", "touch $@; kill -TERM $$PPID; sleep 1", "echo x > $@; kill -INT 0"])
        if k < 0.68 and self.has_sub:
            self.tag("recipe:submake")
            return self.ch(["$(MAKE) -f sub.mk", "$(MAKE) -f sub.mk " + self.ch(TARGETS), "+$(MAKE) -C sub",
                            "$(MAKE) -C sub " + self.ch(TARGETS) + " V=cl", "cd sub && $(MAKE) -s",
                            "$(MAKE) -f sub.mk -k " + t, "$(MAKE) --no-print-directory -C sub",
                            "@$(MAKE) -f sub.mk MAKEFLAGS=", "$(MAKE) -f sub.mk -n " + t])
        if k < 0.75:
            self.tag("recipe:flags-env")
            return self.ch(["echo $(MAKEFLAGS)", "echo $(MFLAGS)", "echo $$MAKEFLAGS", "echo $$MAKELEVEL",
                            "echo $${A-unset} $${V-unset}", "echo $(MAKECMDGOALS)", "echo $(MAKELEVEL)",
                            "echo $(origin V) $(origin A)", "echo '$(MAKE)'"])
        if k < 0.8:
            self.tag("recipe:function")
            return self.call(1, recipe=True)
        if k < 0.84:
            self.tag("recipe:continued")
            return "echo a \\\n" + self.ch(["\t", "", "  "]) + "b" + self.ch(["", " \\\n\tc"])
        if k < 0.87:
            self.tag("recipe:builtin-var")
            v = self.ch(BUILTIN_VARS)
            return "echo '$(" + v + ")'"
        if k < 0.9:
            return self.ch([":", "true", "@:", "printf 'n\\n'", "echo 'sq  x'", 'echo "dq  $$x"', "sleep 0.05; echo slept"])
        return "echo " + self.words()

    def recipe(self, n=None):
        out = []
        n = self.r.randint(0, 3) if n is None else n
        for _ in range(n):
            pre = ""
            for c in ("@", "-", "+"):
                if self.p(0.2):
                    pre += c + self.ws(0.8)
            if pre:
                self.tag("recipe:prefix")
            lead = self.prefix
            if self.prefix == "\t" and self.p(0.05):
                lead = self.ch(["\t ", "\t\t"])
            out.append(lead + pre + self.recipe_cmd())
        if self.p(0.04):
            out.append(self.prefix)
            self.tag("recipe:blank-line")
        if self.p(0.03):
            out.append(self.prefix + "# comment")
        return out

    def tlist(self, n=None, patterns=False):
        n = self.r.randint(1, 3) if n is None else n
        pool = TARGETS + (["%.o", "%.x", "%"] if patterns else [])
        return " ".join(self.ch(pool) for _ in range(n))

    def prereqs(self):
        n = self.r.randint(0, 4)
        pool = TARGETS + SOURCES + MISSING[:2]
        ws = []
        for _ in range(n):
            if self.gnu44 and self.p(0.1):
                ws.append(".WAIT")
                self.tag("rule:.WAIT")
            else:
                ws.append(self.ch(pool))
        s = " ".join(ws)
        if self.p(0.15):
            self.tag("rule:order-only")
            s += " | " + self.ch(pool + ["sub"])
        if self.p(0.05):
            s = self.ref(0) + " " + s
        return s

    def rule(self):
        k = self.r.random()
        lines = []
        if k < 0.45:
            kind = self.ch([":", ":", ":", "::", "&:"])
            self.tag("rule:" + {":": "explicit", "::": "double-colon", "&:": "grouped"}[kind])
            targets = self.tlist()
            self.defined_targets += targets.split()
            head = targets + self.ws() + kind + self.ws() + self.prereqs()
        elif k < 0.6:
            self.tag("rule:static-pattern")
            targets = self.ch(["x.o y.o", "x.o", "a.x b.x", "$(objs)", "x.o nope.c", "sub/d.o x.o", ""])
            tp = self.ch(["%.o", "%.x", "%", "x%", "sub/%.o", "%.o "])
            pp = self.ch(["%.c", "%.in", "%.c p.h", "", "%", "$$*.c", "sub/%.c"])
            head = targets + self.ws() + ":" + self.ws() + tp + ":" + self.ws() + pp
        elif k < 0.78:
            self.tag("rule:pattern")
            head = self.ch(["%.o", "%.x", "%.out", "%", "%.o %.x", "sub/%.o", "%.h", "a%", "%.o %.d"]) + self.ch([":", ":", "::", "&:"]) + \
                self.ws() + self.ch(["%.c", "%.in", "%.c p.h", "", "%.y", "x.c", "%.o", "| %.c", "%.x"])
        elif k < 0.86:
            self.tag("rule:suffix")
            head = self.ch([".c.o", ".in.x", ".c", ".y.c", ".in.out", ".o.x", ".c.o x.c", ".h"]) + ":" + self.ch(["", " p.h"])
        elif k < 0.96 and not self.clean:
            self.tag("rule:malformed")
            head = self.malformed_rule_head()
        else:
            self.tag("rule:target-var")
            t = self.ch(TARGETS + ["%.o", "%"])
            op = self.ch(["=", ":=", "+=", "?="])
            pre = self.ch(["", "", "override ", "export ", "private ", "unexport "])
            return [t + ":" + self.ws() + pre + self.varname() + self.ws() + op + self.ws() + self.expr()]
        if self.p(0.12):
            self.tag("rule:semicolon-recipe")
            head += self.ws() + ";" + self.ws() + self.recipe_cmd()
        if self.p(0.04):
            self.tag("rule:comment")
            head += " # c"
        lines.append(head)
        lines += self.recipe()
        return lines

    def malformed_rule_head(self):
        """Rule lines that mix kinds of target: diagnostics or deprecated forms."""
        def tw():
            k = self.r.random()
            if k < 0.4:
                return self.ch(["%.o", "%.x", "%", "a%", "%b"])
            return self.ch(["a", "b", "x.o", "foo"])
        segs = []
        for _ in range(self.r.randint(1, 3)):
            segs.append(" ".join(tw() for _ in range(self.r.randint(1, 3))))
        seps = [self.ch([":", ":", "::", "&:"]) for _ in range(len(segs))]
        s = ""
        for seg, sep in zip(segs, seps):
            s += seg + self.ws() + sep + self.ws()
        s += self.ch(["%.c", "x.c", "", "%.c y", "a %.c"])
        if self.p(0.1):
            s = self.ch([": foo", "a b", "a : : b", "a:: b: c", "%.o: : %.c", "a: b; ", "a &: %.c", "%.o &:: x"])
        return s

    def special(self):
        t = self.ch(SPECIAL_TARGETS)
        if t == ".NOTINTERMEDIATE" and not self.gnu44:
            t = ".SECONDARY"
        self.tag("special:" + t)
        pre = self.ch(["", "", self.tlist(self.r.randint(1, 3)), self.ch(SOURCES), "%.o", self.ch(MISSING)])
        if t == ".SUFFIXES":
            pre = self.ch(["", ".c .o", ".in .x", ".x .in", ".o", ".h .c .o"])
        lines = [t + ":" + (" " if pre else "") + pre]
        if t == ".DEFAULT":
            lines += self.default_recipe()
        elif self.p(0.05):
            lines += self.recipe(1)
        return lines

    def default_recipe(self):
        n = self.r.randint(1, 2)
        out = []
        for _ in range(n):
            if self.p(0.7):
                self.tag("special:.DEFAULT-autovars")
                out.append(self.prefix + self.ch(["@", ""]) + "echo '" + " ".join(self.ch(AUTOVARS) for _ in range(self.r.randint(2, 6))) + "'")
            else:
                out.append(self.prefix + self.recipe_cmd())
        return out

    def special_var(self):
        k = self.ch([".DEFAULT_GOAL", ".RECIPEPREFIX", ".EXTRA_PREREQS", "SHELL", ".SHELLFLAGS", "SUFFIXES", "VPATH"])
        self.tag("specialvar:" + k)
        if k == ".DEFAULT_GOAL":
            return [".DEFAULT_GOAL " + self.ch([":=", "=", "+="]) + " " + self.ch(TARGETS + ["", "%.o", "a b"])]
        if k == ".RECIPEPREFIX":
            v = self.ch([">", "", ">", " "])
            self.prefix = v if v and v != " " else "\t"
            return [".RECIPEPREFIX " + self.ch(["=", ":="]) + " " + v]
        if k == ".EXTRA_PREREQS":
            return [".EXTRA_PREREQS " + self.ch(["=", "+=", ":="]) + " " + self.ch(SOURCES + TARGETS[:3])]
        if k == "SHELL":
            return ["SHELL " + self.ch([":=", "="]) + " " + self.ch(["/bin/sh", "/bin/bash", "sh", "/bin/sh -e"])]
        if k == ".SHELLFLAGS":
            return [".SHELLFLAGS " + self.ch([":=", "="]) + " " + self.ch(["-c", "-ec", "-xc", "-e -c"])]
        if k == "SUFFIXES":
            return ["SUFFIXES " + self.ch(["=", "+=", ":="]) + " " + self.ch([".x", ".in", ""])]
        return ["VPATH = " + self.ch(["sub", "sub:.", "nope", ""])]

    def info_line(self):
        self.tag("toplevel:info")
        k = self.r.random()
        if k < 0.3:
            self.tag("toplevel:builtin-default")
            v = self.ch(BUILTIN_VARS)
            val = "$(sort $(.VARIABLES))" if v == ".VARIABLES" and self.p(0.7) else "$(" + v + ")"
            return ["$(info " + v + "=[" + val + "] $(origin " + v + ") $(flavor " + v + "))"]
        if k < 0.35:
            self.tag("toplevel:bare-function")
            return [self.call(0)]
        return ["$(info " + self.expr() + ")"]

    def item(self, depth):
        k = self.r.random()
        if k < 0.22:
            return [self.assignment()]
        if k < 0.34 and depth < 2:
            return self.conditional(depth)
        if k < 0.60:
            return self.rule()
        if k < 0.68:
            return self.special()
        if k < 0.78:
            return self.info_line()
        if k < 0.83:
            return self.define()
        if k < 0.9:
            return self.directive()
        if k < 0.94:
            return self.special_var()
        if k < 0.96:
            self.tag("toplevel:blank-or-comment")
            return [self.ch(["", "# comment", "  ", "\t", "# c \\", " # x"])]
        if k < 0.98:
            self.tag("rule:default-goal-first")
            return ["all:" + self.ws() + self.tlist()]
        if self.clean:
            return self.rule()
        self.tag("toplevel:missing-separator")
        return [self.ch(["foo", "a b c", "$(A)", "\techo orphan", "x ; y", "$(EMPTY)"])]

    def items(self, n, depth=0):
        out = []
        for _ in range(n):
            out += self.item(depth)
        return out

    def makefile(self, n):
        lines = []
        if self.p(0.6):
            lines += ["all:" + self.ws() + self.tlist()]
            lines += self.recipe()
        lines += self.items(n)
        if self.p(0.5):
            lines.append(".DEFAULT:")
            lines += self.default_recipe()
        return lines

    # whole programs -------------------------------------------------------
    def options(self):
        args, env = [], []
        self.jobs = 1
        opts = [("-k", 0.15), ("-i", 0.06), ("-n", 0.1), ("-t", 0.05), ("-q", 0.05),
                ("-B", 0.07), ("-s", 0.1), ("-e", 0.08), ("-r", 0.12), ("-R", 0.05),
                ("-w", 0.05), ("--no-print-directory", 0.03), ("-L", 0.02),
                ("--warn-undefined-variables", 0.04), ("-S", 0.02), ("--trace", 0.02)]
        for o, pr in opts:
            if self.p(pr):
                self.tag("opt:" + o)
                args.append(o)
        if self.p(0.2):
            j = self.ch(["-j2", "-j3", "-j4", "-j", "-j1", "--jobs=2"])
            self.tag("opt:" + j)
            args.append(j)
            self.jobs = 1 if j == "-j1" else 2
        if self.p(0.15):
            o = self.ch(["-O", "-Oline", "-Otarget", "-Orecurse", "-Onone", "--output-sync=target"])
            self.tag("opt:" + o)
            args.append(o)
        if self.p(0.05):
            self.tag("opt:-W")
            args.append(self.ch(["-W", "--what-if=", "--assume-new="]) + self.ch(SOURCES))
        if self.p(0.04):
            self.tag("opt:-o")
            args.append(self.ch(["-o", "--assume-old="]) + self.ch(SOURCES + TARGETS))
        if self.gnu44 and self.p(0.02):
            self.tag("opt:--shuffle=reverse")
            args.append("--shuffle=reverse")
        self.r.shuffle(args)
        for _ in range(self.r.choice([0, 0, 0, 1, 1, 2])):
            self.tag("opt:override")
            v = self.varname() if self.p(0.8) else self.ch(["MAKEFLAGS", ".DEFAULT_GOAL", "SHELL"])
            if v == "MAKEFLAGS":
                # Not any words: letters of a word would be flags (d: debug).
                args.append(v + self.ch(["=", ":=", "+="]) + self.ch(["k", "s", "-k", "", "B", "ks", "-- V=mf"]))
            else:
                # `$$` is dropped: MAKEFLAGS carries it on as `$$$$`, so a
                # recipe's `echo $(MAKEFLAGS)` hands the shell `$$`, its
                # process id, which differs between any two runs (S64:15257).
                op = self.ch(["=", ":=", "+=", "?=", "::="])
                args.append(v + op + self.words(self.r.randint(0, 2)).replace("$$", ""))
        ngoals = self.r.choice([0, 0, 0, 1, 1, 1, 2, 3])
        for _ in range(ngoals):
            self.tag("opt:goal")
            args.append(self.ch(TARGETS + self.defined_targets + SOURCES[:3] + MISSING[:2]))
        if self.p(0.1):
            self.tag("env:MAKEFLAGS")
            env.append(["MAKEFLAGS", self.ch(["k", "-k", "s", " -s", "B", "ks", "-j2", "V=env", "-- V=env", "r", "e", "n", "--no-print-directory", "-Otarget"])])
        for _ in range(self.r.choice([0, 0, 1, 2])):
            self.tag("env:var")
            env.append([self.ch(VARS[:6] + ["CC", "CFLAGS", "SHELL", "MAKELEVEL", "MAKEFILES"]), self.words(self.r.randint(0, 2))])
        if any(a.startswith(("-j", "--jobs")) and a != "-j1" for a in args) or any("-j" in v for _, v in env):
            self.jobs = 2
        return args, env

    def program(self, size=None):
        size = size if size is not None else self.r.randint(3, 18)
        self.has_sub = self.p(0.2)
        # Clean programs have no malformed construct: a makefile that stops
        # at its first line exercises little of the rest.
        self.clean = self.p(0.4)
        if self.clean:
            self.tag("program:clean")
        files = []
        for s in SOURCES:
            if self.p(0.7):
                files.append({"name": s, "text": s + " " + self.words(1) + "\n", "mtime": self.ch([-20, -10, -10, -5, 0, 0, 5])})
        for t in ("x.o", "out", "a", "lib.a", "a.x", "gen.h", "t1"):
            if self.p(0.12):
                self.tag("tree:existing-target")
                files.append({"name": t, "text": "old " + t + "\n", "mtime": self.ch([-30, -15, -10, -5, 0, 10])})
        if self.p(0.15):
            self.tag("tree:inc.mk")
            g = Gen(self.r.random(), self.profile)
            g.clean = self.clean
            files.append({"name": "inc.mk", "lines": g.items(self.r.randint(1, 4)), "mtime": 0})
            self.features |= g.features
        if self.has_sub:
            self.tag("tree:sub-make")
            g = Gen(self.r.random(), self.profile)
            g.clean = self.clean
            files.append({"name": "sub.mk", "lines": g.makefile(self.r.randint(1, 5)), "mtime": 0})
            g2 = Gen(self.r.random(), self.profile)
            g2.clean = self.clean
            files.append({"name": "sub/Makefile", "lines": g2.makefile(self.r.randint(1, 5)), "mtime": 0})
            self.features |= g.features | g2.features
        name = "Makefile" if self.p(0.85) else self.ch(["makefile", "GNUmakefile", "build.mk"])
        mk = self.makefile(size)
        files.insert(0, {"name": name, "lines": mk, "mtime": 0})
        args, env = self.options()
        if name == "build.mk":
            args = ["-f", "build.mk"] + args
        sig_ignore = []
        if self.p(0.05):
            sig_ignore = sorted(self.r.sample(["INT", "HUP", "TERM"], self.r.randint(1, 3)))
            self.tag("run:sig-ignored")
        stdout = "pipe"
        if self.p(0.04):
            stdout = self.ch(["closed", "broken", "full"])
            self.tag("run:stdout-" + stdout)
        if self.p(0.03):
            self.tag("tree:makefile-noeol")
            files[0]["noeol"] = True
        return {"files": files, "args": args, "env": env, "sig_ignore": sig_ignore,
                "stdout": stdout, "features": sorted(self.features)}


def generate(seed, profile="4.4.1"):
    return Gen(seed, profile).program()
