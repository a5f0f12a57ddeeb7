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

/// Built-in pattern rules.
pub const PATTERN_RULES: &[BuiltinRule] = &[
    (b"%.out", false, b"", &[]),
    (b"%.a", false, b"", &[]),
    (b"%.ln", false, b"", &[]),
    (b"%.o", false, b"", &[]),
    (
        b"%",
        false,
        b"%.o",
        &[b"$(LINK.o) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (b"%.c", false, b"", &[]),
    (
        b"%",
        false,
        b"%.c",
        &[b"$(LINK.c) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (b"%.ln", false, b"%.c", &[b"$(LINT.c) -C$* $<"]),
    (
        b"%.o",
        false,
        b"%.c",
        &[b"$(COMPILE.c) $(OUTPUT_OPTION) $<"],
    ),
    (b"%.cc", false, b"", &[]),
    (
        b"%",
        false,
        b"%.cc",
        &[b"$(LINK.cc) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (
        b"%.o",
        false,
        b"%.cc",
        &[b"$(COMPILE.cc) $(OUTPUT_OPTION) $<"],
    ),
    (b"%.C", false, b"", &[]),
    (
        b"%",
        false,
        b"%.C",
        &[b"$(LINK.C) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (
        b"%.o",
        false,
        b"%.C",
        &[b"$(COMPILE.C) $(OUTPUT_OPTION) $<"],
    ),
    (b"%.cpp", false, b"", &[]),
    (
        b"%",
        false,
        b"%.cpp",
        &[b"$(LINK.cpp) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (
        b"%.o",
        false,
        b"%.cpp",
        &[b"$(COMPILE.cpp) $(OUTPUT_OPTION) $<"],
    ),
    (b"%.p", false, b"", &[]),
    (
        b"%",
        false,
        b"%.p",
        &[b"$(LINK.p) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (
        b"%.o",
        false,
        b"%.p",
        &[b"$(COMPILE.p) $(OUTPUT_OPTION) $<"],
    ),
    (b"%.f", false, b"", &[]),
    (
        b"%",
        false,
        b"%.f",
        &[b"$(LINK.f) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (
        b"%.o",
        false,
        b"%.f",
        &[b"$(COMPILE.f) $(OUTPUT_OPTION) $<"],
    ),
    (b"%.F", false, b"", &[]),
    (
        b"%",
        false,
        b"%.F",
        &[b"$(LINK.F) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (
        b"%.o",
        false,
        b"%.F",
        &[b"$(COMPILE.F) $(OUTPUT_OPTION) $<"],
    ),
    (
        b"%.f",
        false,
        b"%.F",
        &[b"$(PREPROCESS.F) $(OUTPUT_OPTION) $<"],
    ),
    (b"%.m", false, b"", &[]),
    (
        b"%",
        false,
        b"%.m",
        &[b"$(LINK.m) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (
        b"%.o",
        false,
        b"%.m",
        &[b"$(COMPILE.m) $(OUTPUT_OPTION) $<"],
    ),
    (b"%.r", false, b"", &[]),
    (
        b"%",
        false,
        b"%.r",
        &[b"$(LINK.r) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (
        b"%.o",
        false,
        b"%.r",
        &[b"$(COMPILE.r) $(OUTPUT_OPTION) $<"],
    ),
    (
        b"%.f",
        false,
        b"%.r",
        &[b"$(PREPROCESS.r) $(OUTPUT_OPTION) $<"],
    ),
    (b"%.y", false, b"", &[]),
    (
        b"%.ln",
        false,
        b"%.y",
        &[
            b"$(YACC.y) $< ",
            b" $(LINT.c) -C$* y.tab.c ",
            b" $(RM) y.tab.c",
        ],
    ),
    (
        b"%.c",
        false,
        b"%.y",
        &[b"$(YACC.y) $< ", b" mv -f y.tab.c $@"],
    ),
    (b"%.l", false, b"", &[]),
    (
        b"%.ln",
        false,
        b"%.l",
        &[
            b"@$(RM) $*.c",
            b" $(LEX.l) $< > $*.c",
            b"$(LINT.c) -i $*.c -o $@",
            b" $(RM) $*.c",
        ],
    ),
    (
        b"%.c",
        false,
        b"%.l",
        &[b"@$(RM) $@ ", b" $(LEX.l) $< > $@"],
    ),
    (
        b"%.r",
        false,
        b"%.l",
        &[b"$(LEX.l) $< > $@ ", b" mv -f lex.yy.r $@"],
    ),
    (b"%.ym", false, b"", &[]),
    (
        b"%.m",
        false,
        b"%.ym",
        &[b"$(YACC.m) $< ", b" mv -f y.tab.c $@"],
    ),
    (b"%.yl", false, b"", &[]),
    (b"%.s", false, b"", &[]),
    (
        b"%",
        false,
        b"%.s",
        &[b"$(LINK.s) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (b"%.o", false, b"%.s", &[b"$(COMPILE.s) -o $@ $<"]),
    (b"%.S", false, b"", &[]),
    (
        b"%",
        false,
        b"%.S",
        &[b"$(LINK.S) $^ $(LOADLIBES) $(LDLIBS) -o $@"],
    ),
    (b"%.o", false, b"%.S", &[b"$(COMPILE.S) -o $@ $<"]),
    (b"%.s", false, b"%.S", &[b"$(PREPROCESS.S) $< > $@"]),
    (b"%.mod", false, b"", &[]),
    (b"%", false, b"%.mod", &[b"$(COMPILE.mod) -o $@ -e $@ $^"]),
    (b"%.o", false, b"%.mod", &[b"$(COMPILE.mod) -o $@ $<"]),
    (b"%.sym", false, b"", &[]),
    (b"%.def", false, b"", &[]),
    (b"%.sym", false, b"%.def", &[b"$(COMPILE.def) -o $@ $<"]),
    (b"%.h", false, b"", &[]),
    (b"%.info", false, b"", &[]),
    (b"%.dvi", false, b"", &[]),
    (b"%.tex", false, b"", &[]),
    (b"%.dvi", false, b"%.tex", &[b"$(TEX) $<"]),
    (b"%.texinfo", false, b"", &[]),
    (
        b"%.info",
        false,
        b"%.texinfo",
        &[b"$(MAKEINFO) $(MAKEINFO_FLAGS) $< -o $@"],
    ),
    (
        b"%.dvi",
        false,
        b"%.texinfo",
        &[b"$(TEXI2DVI) $(TEXI2DVI_FLAGS) $<"],
    ),
    (b"%.texi", false, b"", &[]),
    (
        b"%.info",
        false,
        b"%.texi",
        &[b"$(MAKEINFO) $(MAKEINFO_FLAGS) $< -o $@"],
    ),
    (
        b"%.dvi",
        false,
        b"%.texi",
        &[b"$(TEXI2DVI) $(TEXI2DVI_FLAGS) $<"],
    ),
    (b"%.txinfo", false, b"", &[]),
    (
        b"%.info",
        false,
        b"%.txinfo",
        &[b"$(MAKEINFO) $(MAKEINFO_FLAGS) $< -o $@"],
    ),
    (
        b"%.dvi",
        false,
        b"%.txinfo",
        &[b"$(TEXI2DVI) $(TEXI2DVI_FLAGS) $<"],
    ),
    (b"%.w", false, b"", &[]),
    (b"%.c", false, b"%.w", &[b"$(CTANGLE) $< - $@"]),
    (b"%.tex", false, b"%.w", &[b"$(CWEAVE) $< - $@"]),
    (b"%.ch", false, b"", &[]),
    (b"%.web", false, b"", &[]),
    (b"%.p", false, b"%.web", &[b"$(TANGLE) $<"]),
    (b"%.tex", false, b"%.web", &[b"$(WEAVE) $<"]),
    (b"%.sh", false, b"", &[]),
    (b"%", false, b"%.sh", &[b"cat $< >$@ ", b" chmod a+x $@"]),
    (b"%.elc", false, b"", &[]),
    (b"%.el", false, b"", &[]),
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
