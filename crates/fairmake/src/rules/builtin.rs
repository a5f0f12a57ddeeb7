//! The built-in rules and variables of GNU make 4.4.1, as `make -p -f /dev/null`
//! shows them: switched off by `-r` (rules) and `-R` (variables).

/// Built-in variables: (name, recursive value).
/// What `.POSIX` makes the defaults of these variables (GNU 4.4 follows
/// the standard's values): simple variables, as `make -p` shows after
/// `.POSIX:`. The standard's empty ones (LDFLAGS, YFLAGS, ...) GNU leaves
/// undefined, and AR, LEX, YACC keep their values.
pub const POSIX_VARIABLES: &[(&[u8], &[u8])] = &[
    (b"ARFLAGS", b"-rv"),
    (b"CC", b"c99"),
    (b"CFLAGS", b"-O1"),
    (b"FC", b"fort77"),
    (b"FFLAGS", b"-O1"),
    (b"SCCSGETFLAGS", b"-s"),
];

pub const VARIABLES: &[(&[u8], &[u8])] = &[
    (b".LIBPATTERNS", b"lib%.so lib%.a"),
    // Empty: GNU 4.4 defines it among the built-in variables (gone with -R).
    (b"GNUMAKEFLAGS", b""),
    (b"AR", b"ar"),
    (b"ARFLAGS", b"-rv"),
    (b"AS", b"as"),
    (b"CC", b"cc"),
    (
        b"CHECKOUT,v",
        b"+$(if $(wildcard $@),,$(CO) $(COFLAGS) $< $@)",
    ),
    (b"CO", b"co"),
    (b"COFLAGS", b""),
    (b"COMPILE.C", b"$(COMPILE.cc)"),
    (
        b"COMPILE.F",
        b"$(FC) $(FFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c",
    ),
    (
        b"COMPILE.S",
        b"$(CC) $(ASFLAGS) $(CPPFLAGS) $(TARGET_MACH) -c",
    ),
    (
        b"COMPILE.c",
        b"$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c",
    ),
    (
        b"COMPILE.cc",
        b"$(CXX) $(CXXFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c",
    ),
    (b"COMPILE.cpp", b"$(COMPILE.cc)"),
    (
        b"COMPILE.def",
        b"$(M2C) $(M2FLAGS) $(DEFFLAGS) $(TARGET_ARCH)",
    ),
    (b"COMPILE.f", b"$(FC) $(FFLAGS) $(TARGET_ARCH) -c"),
    (
        b"COMPILE.m",
        b"$(OBJC) $(OBJCFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c",
    ),
    (
        b"COMPILE.mod",
        b"$(M2C) $(M2FLAGS) $(MODFLAGS) $(TARGET_ARCH)",
    ),
    (
        b"COMPILE.p",
        b"$(PC) $(PFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c",
    ),
    (b"COMPILE.r", b"$(FC) $(FFLAGS) $(RFLAGS) $(TARGET_ARCH) -c"),
    (b"COMPILE.s", b"$(AS) $(ASFLAGS) $(TARGET_MACH)"),
    (b"CPP", b"$(CC) -E"),
    (b"CTANGLE", b"ctangle"),
    (b"CWEAVE", b"cweave"),
    (b"CXX", b"g++"),
    (b"F77", b"$(FC)"),
    (b"F77FLAGS", b"$(FFLAGS)"),
    (b"FC", b"f77"),
    (b"GET", b"get"),
    (b"LD", b"ld"),
    (b"LEX", b"lex"),
    (b"LEX.l", b"$(LEX) $(LFLAGS) -t"),
    (b"LEX.m", b"$(LEX) $(LFLAGS) -t"),
    (b"LINK.C", b"$(LINK.cc)"),
    (
        b"LINK.F",
        b"$(FC) $(FFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH)",
    ),
    (
        b"LINK.S",
        b"$(CC) $(ASFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_MACH)",
    ),
    (
        b"LINK.c",
        b"$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH)",
    ),
    (
        b"LINK.cc",
        b"$(CXX) $(CXXFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH)",
    ),
    (b"LINK.cpp", b"$(LINK.cc)"),
    (b"LINK.f", b"$(FC) $(FFLAGS) $(LDFLAGS) $(TARGET_ARCH)"),
    (
        b"LINK.m",
        b"$(OBJC) $(OBJCFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH)",
    ),
    (b"LINK.o", b"$(CC) $(LDFLAGS) $(TARGET_ARCH)"),
    (
        b"LINK.p",
        b"$(PC) $(PFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH)",
    ),
    (
        b"LINK.r",
        b"$(FC) $(FFLAGS) $(RFLAGS) $(LDFLAGS) $(TARGET_ARCH)",
    ),
    (b"LINK.s", b"$(CC) $(ASFLAGS) $(LDFLAGS) $(TARGET_MACH)"),
    (b"LINT", b"lint"),
    (
        b"LINT.c",
        b"$(LINT) $(LINTFLAGS) $(CPPFLAGS) $(TARGET_ARCH)",
    ),
    (b"M2C", b"m2c"),
    (b"MAKEINFO", b"makeinfo"),
    (b"OBJC", b"cc"),
    (b"OUTPUT_OPTION", b"-o $@"),
    (b"PC", b"pc"),
    (
        b"PREPROCESS.F",
        b"$(FC) $(FFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -F",
    ),
    (b"PREPROCESS.S", b"$(CPP) $(CPPFLAGS)"),
    (
        b"PREPROCESS.r",
        b"$(FC) $(FFLAGS) $(RFLAGS) $(TARGET_ARCH) -F",
    ),
    (b"RM", b"rm -f"),
    (b"TANGLE", b"tangle"),
    (b"TEX", b"tex"),
    (b"TEXI2DVI", b"texi2dvi"),
    (b"WEAVE", b"weave"),
    (b"YACC", b"yacc"),
    (b"YACC.m", b"$(YACC) $(YFLAGS)"),
    (b"YACC.y", b"$(YACC) $(YFLAGS)"),
];

/// A built-in pattern rule: (target, terminal, prerequisites, recipe lines).
pub type BuiltinRule = (&'static [u8], bool, &'static [u8], &'static [&'static [u8]]);

/// GNU's built-in suffix rules (`.c.o`), by name: files with a recipe,
/// which become pattern rules in the order of `.SUFFIXES` while both
/// suffixes are listed (GNU manual, "Old-Fashioned Suffix Rules").
pub const SUFFIX_RULES: &[BuiltinSuffixRule] = &[
    (b".o", &[b"$(LINK.o) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".c", &[b"$(LINK.c) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".c.ln", &[b"$(LINT.c) -C$* $<"]),
    (b".c.o", &[b"$(COMPILE.c) $(OUTPUT_OPTION) $<"]),
    (b".cc", &[b"$(LINK.cc) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".cc.o", &[b"$(COMPILE.cc) $(OUTPUT_OPTION) $<"]),
    (b".C", &[b"$(LINK.C) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".C.o", &[b"$(COMPILE.C) $(OUTPUT_OPTION) $<"]),
    (b".cpp", &[b"$(LINK.cpp) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".cpp.o", &[b"$(COMPILE.cpp) $(OUTPUT_OPTION) $<"]),
    (b".p", &[b"$(LINK.p) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".p.o", &[b"$(COMPILE.p) $(OUTPUT_OPTION) $<"]),
    (b".f", &[b"$(LINK.f) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".f.o", &[b"$(COMPILE.f) $(OUTPUT_OPTION) $<"]),
    (b".F", &[b"$(LINK.F) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".F.o", &[b"$(COMPILE.F) $(OUTPUT_OPTION) $<"]),
    (b".F.f", &[b"$(PREPROCESS.F) $(OUTPUT_OPTION) $<"]),
    (b".m", &[b"$(LINK.m) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".m.o", &[b"$(COMPILE.m) $(OUTPUT_OPTION) $<"]),
    (b".r", &[b"$(LINK.r) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".r.o", &[b"$(COMPILE.r) $(OUTPUT_OPTION) $<"]),
    (b".r.f", &[b"$(PREPROCESS.r) $(OUTPUT_OPTION) $<"]),
    (
        b".y.ln",
        &[
            b"$(YACC.y) $< ",
            b" $(LINT.c) -C$* y.tab.c ",
            b" $(RM) y.tab.c",
        ],
    ),
    (b".y.c", &[b"$(YACC.y) $< ", b" mv -f y.tab.c $@"]),
    (
        b".l.ln",
        &[
            b"@$(RM) $*.c",
            b" $(LEX.l) $< > $*.c",
            b"$(LINT.c) -i $*.c -o $@",
            b" $(RM) $*.c",
        ],
    ),
    (b".l.c", &[b"@$(RM) $@ ", b" $(LEX.l) $< > $@"]),
    (b".l.r", &[b"$(LEX.l) $< > $@ ", b" mv -f lex.yy.r $@"]),
    (b".ym.m", &[b"$(YACC.m) $< ", b" mv -f y.tab.c $@"]),
    (b".s", &[b"$(LINK.s) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".s.o", &[b"$(COMPILE.s) -o $@ $<"]),
    (b".S", &[b"$(LINK.S) $^ $(LOADLIBES) $(LDLIBS) -o $@"]),
    (b".S.o", &[b"$(COMPILE.S) -o $@ $<"]),
    (b".S.s", &[b"$(PREPROCESS.S) $< > $@"]),
    (b".mod", &[b"$(COMPILE.mod) -o $@ -e $@ $^"]),
    (b".mod.o", &[b"$(COMPILE.mod) -o $@ $<"]),
    (b".def.sym", &[b"$(COMPILE.def) -o $@ $<"]),
    (b".tex.dvi", &[b"$(TEX) $<"]),
    (
        b".texinfo.info",
        &[b"$(MAKEINFO) $(MAKEINFO_FLAGS) $< -o $@"],
    ),
    (b".texinfo.dvi", &[b"$(TEXI2DVI) $(TEXI2DVI_FLAGS) $<"]),
    (b".texi.info", &[b"$(MAKEINFO) $(MAKEINFO_FLAGS) $< -o $@"]),
    (b".texi.dvi", &[b"$(TEXI2DVI) $(TEXI2DVI_FLAGS) $<"]),
    (
        b".txinfo.info",
        &[b"$(MAKEINFO) $(MAKEINFO_FLAGS) $< -o $@"],
    ),
    (b".txinfo.dvi", &[b"$(TEXI2DVI) $(TEXI2DVI_FLAGS) $<"]),
    (b".w.c", &[b"$(CTANGLE) $< - $@"]),
    (b".w.tex", &[b"$(CWEAVE) $< - $@"]),
    (b".web.p", &[b"$(TANGLE) $<"]),
    (b".web.tex", &[b"$(WEAVE) $<"]),
    (b".sh", &[b"cat $< >$@ ", b" chmod a+x $@"]),
];

/// A built-in suffix rule: (name, recipe lines).
pub type BuiltinSuffixRule = (&'static [u8], &'static [&'static [u8]]);

/// Built-in pattern rules, after the converted suffix rules.
pub const PATTERN_RULES: &[BuiltinRule] = &[
    (b"(%)", false, b"%", &[b"$(AR) $(ARFLAGS) $@ $<"]),
    (b"%.out", false, b"%", &[b"@rm -f $@ ", b" cp $< $@"]),
    (b"%.c", false, b"%.w %.ch", &[b"$(CTANGLE) $^ $@"]),
    (b"%.tex", false, b"%.w %.ch", &[b"$(CWEAVE) $^ $@"]),
    (b"%", true, b"%,v", &[b"$(CHECKOUT,v)"]),
    (b"%", true, b"RCS/%,v", &[b"$(CHECKOUT,v)"]),
    (b"%", true, b"RCS/%", &[b"$(CHECKOUT,v)"]),
    (
        b"%",
        true,
        b"s.%",
        &[b"$(GET) $(GFLAGS) $(SCCS_OUTPUT_OPTION) $<"],
    ),
    (
        b"%",
        true,
        b"SCCS/s.%",
        &[b"$(GET) $(GFLAGS) $(SCCS_OUTPUT_OPTION) $<"],
    ),
];

/// The default `.SUFFIXES`.
pub const SUFFIXES: &[u8] = b".out .a .ln .o .c .cc .C .cpp .p .f .F .m .r .y .l .ym .yl .s .S .mod .sym .def .h .info .dvi .tex .texinfo .texi .txinfo .w .ch .web .sh .elc .el";

#[cfg(test)]
mod tests {
    /// `add_builtin_rules` relies on it: no built-in rule replaces another.
    #[test]
    fn no_two_pattern_rules_have_the_same_targets_and_prerequisites() {
        for (i, a) in super::PATTERN_RULES.iter().enumerate() {
            for b in &super::PATTERN_RULES[..i] {
                assert!((a.0, a.2) != (b.0, b.2), "duplicate built-in rule");
            }
        }
    }
}
