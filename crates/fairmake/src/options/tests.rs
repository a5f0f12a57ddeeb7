//! Unit tests for option parsing and MAKEFLAGS; expectations are GNU make's
//! observed behaviour (4.3 binary, 4.4.1 manual/NEWS where they differ).

use super::*;

fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

fn ok(list: &[&str]) -> Options {
    parse_args(&args(list)).unwrap_or_else(|e| panic!("{list:?}: {e:?}"))
}

fn err(list: &[&str]) -> OptionError {
    parse_args(&args(list)).expect_err("should fail")
}

fn bytes(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn mf(opts: &Options) -> String {
    String::from_utf8(makeflags_value(opts, None, &[])).unwrap()
}

/// Arguments and a check of what they set.
type Case = (&'static [&'static str], fn(&Options) -> bool);

#[test]
fn every_flag_short_and_long() {
    let cases: &[Case] = &[
        (&["-B"], |o| o.always_make),
        (&["--always-make"], |o| o.always_make),
        (&["-e"], |o| o.environment_overrides),
        (&["--environment-overrides"], |o| o.environment_overrides),
        (&["-i"], |o| o.ignore_errors),
        (&["--ignore-errors"], |o| o.ignore_errors),
        (&["-k"], |o| o.keep_going),
        (&["--keep-going"], |o| o.keep_going),
        (&["-L"], |o| o.check_symlink_times),
        (&["--check-symlink-times"], |o| o.check_symlink_times),
        (&["-n"], |o| o.dry_run),
        (&["--just-print"], |o| o.dry_run),
        (&["--dry-run"], |o| o.dry_run),
        (&["--recon"], |o| o.dry_run),
        (&["-p"], |o| o.print_data_base),
        (&["--print-data-base"], |o| o.print_data_base),
        (&["-q"], |o| o.question),
        (&["--question"], |o| o.question),
        (&["-r"], |o| o.no_builtin_rules),
        (&["--no-builtin-rules"], |o| o.no_builtin_rules),
        (&["-R"], |o| o.no_builtin_variables),
        (&["--no-builtin-variables"], |o| o.no_builtin_variables),
        (&["-s"], |o| o.silent),
        (&["--silent"], |o| o.silent),
        (&["--quiet"], |o| o.silent),
        (&["-s", "--no-silent"], |o| !o.silent && o.no_silent),
        (&["-k", "-S"], |o| !o.keep_going),
        (&["-k", "--stop"], |o| !o.keep_going),
        (&["-k", "--no-keep-going"], |o| !o.keep_going),
        (&["-t"], |o| o.touch),
        (&["--touch"], |o| o.touch),
        (&["-v"], |o| o.version),
        (&["--version"], |o| o.version),
        (&["-h"], |o| o.help),
        (&["--help"], |o| o.help),
        (&["-w"], |o| o.print_directory == Some(true)),
        (&["--print-directory"], |o| o.print_directory == Some(true)),
        (&["-w", "--no-print-directory"], |o| {
            o.print_directory == Some(false)
        }),
        (&["--trace"], |o| o.trace),
        (&["--warn-undefined-variables"], |o| {
            o.warn_undefined_variables
        }),
        (&["-d"], |o| o.debug_all && o.debug.why && o.debug.jobs),
        (&["-b", "-m"], |o| *o == Options::default()),
        (&["--stats"], |o| o.stats),
        (&["--progress"], |o| o.progress),
        (&["--trace-json=t.json"], |o| {
            o.trace_json.as_deref() == Some(b"t.json")
        }),
        (&["--trace-json", "t.json"], |o| {
            o.trace_json.as_deref() == Some(b"t.json")
        }),
    ];
    for (list, check) in cases {
        assert!(check(&ok(list)), "{list:?}");
    }
}

impl PartialEq for Options {
    fn eq(&self, other: &Self) -> bool {
        format!("{self:?}") == format!("{other:?}")
    }
}

#[test]
fn options_with_arguments_in_every_form() {
    let o = ok(&["-fa", "-f", "b", "--file=c", "--file", "d", "--makefile=e"]);
    assert_eq!(o.makefiles, bytes(&["a", "b", "c", "d", "e"]));
    let o = ok(&["-Cx", "-C", "y", "--directory=z"]);
    assert_eq!(o.directories, bytes(&["x", "y", "z"]));
    let o = ok(&["-Ia", "--include-dir", "b"]);
    assert_eq!(o.include_dirs, bytes(&["a", "b"]));
    let o = ok(&["-oa", "--old-file=b", "--assume-old", "c"]);
    assert_eq!(o.old_files, bytes(&["a", "b", "c"]));
    let o = ok(&["-Wa", "--what-if=b", "--new-file=c", "--assume-new", "d"]);
    assert_eq!(o.new_files, bytes(&["a", "b", "c", "d"]));
    let o = ok(&["-Ex:=1", "--eval", "y=2", "--eval=z=3"]);
    assert_eq!(o.evals, bytes(&["x:=1", "y=2", "z=3"]));
    let o = ok(&["--jobserver-fds=3,4", "--jobserver-auth=fifo:/tmp/f"]);
    assert_eq!(o.jobserver_auth.as_deref(), Some(&b"fifo:/tmp/f"[..]));
    let o = ok(&["--jobserver-style=pipe"]);
    assert_eq!(o.jobserver_style, Some(JobserverStyle::Pipe));
    let o = ok(&["--jobserver-style=sem"]);
    assert_eq!(o.jobserver_style, None);
    assert_eq!(o.jobserver_style_invalid.as_deref(), Some(&b"sem"[..]));
}

#[test]
fn bundling_and_permutation() {
    let o = ok(&["-ksj4", "all", "-n", "V=1", "clean"]);
    assert!(o.keep_going && o.silent && o.dry_run);
    assert_eq!(o.jobs, Some(Some(4)));
    assert_eq!(o.goals, bytes(&["all", "clean"]));
    assert_eq!(o.variables, bytes(&["V=1"]));
    let o = ok(&["-kC", "dir"]);
    assert_eq!(o.directories, bytes(&["dir"]));
    let o = ok(&["-kfmk", "x"]);
    assert_eq!(o.makefiles, bytes(&["mk"]));
    assert_eq!(o.goals, bytes(&["x"]));
    assert_eq!(
        err(&["-j4k"]).message,
        "the '-j' option requires a positive integer argument"
    );
    assert_eq!(err(&["-k4"]).message, "invalid option -- '4'");
}

#[test]
fn double_dash_and_lone_dash() {
    let o = ok(&["--", "-k", "X=1", "-"]);
    assert!(!o.keep_going);
    assert_eq!(o.goals, bytes(&["-k"]));
    assert_eq!(o.variables, bytes(&["X=1"]));
    let o = ok(&["-", "all"]);
    assert_eq!(o.goals, bytes(&["all"]));
}

#[test]
fn operands_split_into_variables_and_goals() {
    let o = ok(&["a", "X=1", "Y:=2", "Z+=3", "W?=4", "S!=echo", "I:::=5", "b"]);
    assert_eq!(o.goals, bytes(&["a", "b"]));
    assert_eq!(o.variables.len(), 6);
}

#[test]
fn long_option_abbreviations() {
    assert!(ok(&["--just-p"]).dry_run);
    assert!(ok(&["--tr"]).trace);
    assert!(ok(&["--ver"]).version);
    assert!(!ok(&["--de"]).debug_specs.is_empty());
    assert_eq!(ok(&["--no-p"]).print_directory, Some(false));
    assert!(ok(&["--warn"]).warn_undefined_variables);
    assert!(ok(&["--re"]).dry_run);
    // fairmake-only names never take part in abbreviation.
    assert!(!ok(&["--st"]).keep_going);
    assert!(!ok(&["--st"]).stats);
    assert_eq!(err(&["--stat"]).message, "unrecognized option '--stat'");
    assert_eq!(err(&["--prog"]).message, "unrecognized option '--prog'");
}

#[test]
fn ambiguous_prefixes_list_candidates_in_getopt_order() {
    let cases = [
        // 4.3 lists '--touch' '--trace'; 4.4's internal --temp-stdin joins them.
        ("--t", "option '--t' is ambiguous; possibilities: '--touch' '--trace' '--temp-stdin'"),
        ("--t=1", "option '--t=1' is ambiguous; possibilities: '--touch' '--trace' '--temp-stdin'"),
        ("--tou", "unused"),
        ("--no", "option '--no' is ambiguous; possibilities: '--no-builtin-rules' '--no-builtin-variables' '--no-keep-going' '--no-print-directory' '--no-silent'"),
        ("--a", "option '--a' is ambiguous; possibilities: '--always-make' '--assume-new' '--assume-old'"),
        ("--d", "option '--d' is ambiguous; possibilities: '--directory' '--debug' '--dry-run'"),
        ("--i", "option '--i' is ambiguous; possibilities: '--ignore-errors' '--include-dir'"),
        ("--m", "option '--m' is ambiguous; possibilities: '--max-load' '--makefile'"),
        ("--q", "option '--q' is ambiguous; possibilities: '--question' '--quiet'"),
        ("--w", "option '--w' is ambiguous; possibilities: '--what-if' '--warn-undefined-variables'"),
        // 4.4.1 adds --jobserver-style after 4.3's list.
        ("--j", "option '--j' is ambiguous; possibilities: '--just-print' '--jobs' '--jobserver-auth' '--jobserver-fds' '--jobserver-style'"),
        ("--s", "option '--s' is ambiguous; possibilities: '--silent' '--sync-mutex' '--shuffle' '--stop'"),
    ];
    for (arg, want) in cases {
        if want == "unused" {
            assert!(ok(&[arg]).touch);
            continue;
        }
        let e = err(&[arg]);
        assert_eq!(e.message, want);
        assert!(e.print_usage);
    }
}

#[test]
fn getopt_error_wording() {
    let cases = [
        (&["--bogus"][..], "unrecognized option '--bogus'"),
        (&["--bogus=1"], "unrecognized option '--bogus=1'"),
        (&["-Z"], "invalid option -- 'Z'"),
        (&["-f"], "option requires an argument -- 'f'"),
        (&["-C"], "option requires an argument -- 'C'"),
        (&["-E"], "option requires an argument -- 'E'"),
        (&["--file"], "option '--file' requires an argument"),
        (&["--fil"], "option '--file' requires an argument"),
        (
            &["--directory"],
            "option '--directory' requires an argument",
        ),
        (
            &["--assume-new"],
            "option '--assume-new' requires an argument",
        ),
        (&["--help=x"], "option '--help' doesn't allow an argument"),
        (&["--hel=x"], "option '--help' doesn't allow an argument"),
        (
            &["--no-print=3"],
            "option '--no-print-directory' doesn't allow an argument",
        ),
        (
            &["-f", ""],
            "the '-f' option requires a non-empty string argument",
        ),
        (
            &["--file="],
            "the '-f' option requires a non-empty string argument",
        ),
        (
            &["--eval="],
            "the '-E' option requires a non-empty string argument",
        ),
        (
            &["-C", ""],
            "the '-C' option requires a non-empty string argument",
        ),
        (
            &["--debug="],
            "the '--debug' option requires a non-empty string argument",
        ),
    ];
    for (list, want) in cases {
        let e = err(list);
        assert_eq!(e.message, want, "{list:?}");
        assert!(e.print_usage);
    }
}

#[test]
fn every_bad_option_is_reported() {
    let e = err(&["-Z", "-Y"]);
    assert_eq!(e.message, "invalid option -- 'Z'");
    assert_eq!(e.more, vec!["invalid option -- 'Y'".to_string()]);
    let e = err(&["-j0", "-Z"]);
    assert_eq!(e.more, vec!["invalid option -- 'Z'".to_string()]);
    // A usage error wins over a fatal one.
    let e = err(&["-Ox", "-Z"]);
    assert_eq!(e.message, "invalid option -- 'Z'");
    assert!(e.more.is_empty());
    let text = err(&["-Z"]).render("make");
    assert!(text.starts_with("make: invalid option -- 'Z'\nUsage: make [options] [target] ...\n"));
}

#[test]
fn fatal_errors_have_no_usage() {
    let e = err(&["-Ox"]);
    assert_eq!(e.message, "*** unknown output-sync type 'x'.  Stop.");
    assert!(!e.print_usage);
    assert_eq!(
        err(&["--output-sync=foo"]).message,
        "*** unknown output-sync type 'foo'.  Stop."
    );
    let e = err(&["--debug=x"]);
    assert_eq!(
        e.message,
        "*** unknown debug level specification 'x'.  Stop."
    );
    assert!(!e.print_usage);
    assert_eq!(
        err(&["--debug=b,,m"]).message,
        "*** unknown debug level specification ',m'.  Stop."
    );
    assert_eq!(
        err(&["--debug=,"]).message,
        "*** unknown debug level specification ','.  Stop."
    );
    // --debug is checked before -O.
    assert_eq!(
        err(&["-Ox", "--debug=x"]).message,
        "*** unknown debug level specification 'x'.  Stop."
    );
    assert_eq!(ok(&["-Ox", "-Oline"]).output_sync, OutputSync::Line);
    assert_eq!(
        ok(&["--shuffle=x", "--shuffle=3"]).shuffle,
        Shuffle::Seed(3)
    );
    assert!(err(&["--shuffle=sideways"])
        .message
        .contains("invalid shuffle mode"));
}

#[test]
fn jobs_edge_cases() {
    assert_eq!(ok(&["-j"]).jobs, Some(None));
    assert_eq!(ok(&["-j4"]).jobs, Some(Some(4)));
    assert_eq!(ok(&["-j", "4"]).jobs, Some(Some(4)));
    assert_eq!(ok(&["-j", "04"]).jobs, Some(Some(4)));
    assert_eq!(ok(&["--jobs", "4"]).jobs, Some(Some(4)));
    assert_eq!(ok(&["--jobs=4"]).jobs, Some(Some(4)));
    assert_eq!(ok(&["--jobs"]).jobs, Some(None));
    assert_eq!(ok(&["-kj", "4"]).jobs, Some(Some(4)));
    assert_eq!(ok(&["-j2", "-j"]).jobs, Some(None));
    assert_eq!(ok(&["-j", "-j3"]).jobs, Some(Some(3)));
    // Only an all-digit next word is taken.
    let o = ok(&["-j", "4x"]);
    assert_eq!((o.jobs, o.goals), (Some(None), bytes(&["4x"])));
    let o = ok(&["-j", "+4"]);
    assert_eq!((o.jobs, o.goals), (Some(None), bytes(&["+4"])));
    let o = ok(&["-j", "all"]);
    assert_eq!((o.jobs, o.goals), (Some(None), bytes(&["all"])));
    let bad = "the '-j' option requires a positive integer argument";
    for list in [
        &["-j0"][..],
        &["-j", "0"],
        &["-j4x"],
        &["-j-1"],
        &["-j+4"],
        &["--jobs=x"],
        &["--jobs="],
        &["-j", ""],
        &["-j99999999999"],
    ] {
        let e = err(list);
        assert_eq!(e.message, bad, "{list:?}");
        assert!(e.print_usage);
    }
}

#[test]
fn load_average_edge_cases() {
    assert_eq!(ok(&["-l"]).load_average, Some(None));
    assert_eq!(ok(&["-l2.5"]).load_average, Some(Some(2.5)));
    assert_eq!(ok(&["-l", "3"]).load_average, Some(Some(3.0)));
    assert_eq!(ok(&["-l", "3x"]).load_average, Some(Some(3.0)));
    assert_eq!(ok(&["-l", ".5"]).load_average, Some(Some(0.5)));
    assert_eq!(ok(&["-l", ".x"]).load_average, Some(Some(0.0)));
    assert_eq!(ok(&["-lx"]).load_average, Some(Some(0.0)));
    assert_eq!(ok(&["-l", "1.2.3"]).load_average, Some(Some(1.2)));
    assert_eq!(ok(&["-l1e3"]).load_average, Some(Some(1000.0)));
    // strtod's other spellings: MAKEFLAGS carries `-linf` back.
    assert_eq!(ok(&["-linf"]).load_average, Some(Some(f64::INFINITY)));
    assert_eq!(ok(&["-lINFINITY"]).load_average, Some(Some(f64::INFINITY)));
    assert_eq!(ok(&["-l0x10"]).load_average, Some(Some(16.0)));
    assert_eq!(ok(&["-l-inf"]).load_average, Some(None));
    assert!(ok(&["-lnan"]).load_average.unwrap().unwrap().is_nan());
    assert_eq!(ok(&["-l-1"]).load_average, Some(None));
    assert_eq!(ok(&["--max-load=1.5"]).load_average, Some(Some(1.5)));
    assert_eq!(ok(&["--load-average", "2"]).load_average, Some(Some(2.0)));
    let o = ok(&["-l", "x"]);
    assert_eq!((o.load_average, o.goals), (Some(None), bytes(&["x"])));
}

#[test]
fn output_sync_debug_and_shuffle_values() {
    assert_eq!(ok(&["-O"]).output_sync, OutputSync::Target);
    assert_eq!(ok(&["-Oline"]).output_sync, OutputSync::Line);
    assert_eq!(
        ok(&["--output-sync=recurse"]).output_sync,
        OutputSync::Recurse
    );
    let o = ok(&["-Onone"]);
    assert!(o.output_sync_set && o.output_sync == OutputSync::None);
    // Optional arguments are never taken from the next word.
    assert_eq!(ok(&["-O", "line"]).goals, bytes(&["line"]));
    assert_eq!(ok(&["--debug", "b"]).goals, bytes(&["b"]));
    let o = ok(&["--debug"]);
    assert_eq!(o.debug_specs, bytes(&["basic"]));
    assert!(o.debug.basic && !o.debug.verbose);
    let o = ok(&["--debug=v,i", "--debug=j m"]);
    assert!(
        o.debug.basic && o.debug.verbose && o.debug.implicit && o.debug.jobs && o.debug.makefile
    );
    assert!(ok(&["--debug=bogus"]).debug.basic);
    assert_eq!(ok(&["-d", "--debug=n"]).debug, Debug::default());
    assert_eq!(ok(&["--shuffle"]).shuffle, Shuffle::Random);
    assert_eq!(ok(&["--shuffle=Reverse"]).shuffle, Shuffle::Reverse);
    assert_eq!(ok(&["--shuffle=42"]).shuffle, Shuffle::Seed(42));
    assert_eq!(
        ok(&["--shuffle=reverse", "--shuffle=none"]).shuffle,
        Shuffle::None
    );
    assert!(ok(&["--shuffle=identity"]).shuffle_identity);
}

#[test]
fn makeflags_letters_and_words_in_gnu_order() {
    let o = ok(&[
        "-B", "-e", "-i", "-k", "-L", "-n", "-p", "-q", "-r", "-R", "-s", "-t", "-w",
    ]);
    assert_eq!(mf(&o), "BeikLnpqrRstw");
    let o = ok(&["-d", "-s"]);
    assert_eq!(mf(&o), "ds");
    let o = ok(&[
        "-j4",
        "-l3",
        "-Otarget",
        "-I/x",
        "--trace",
        "--no-print-directory",
        "--warn-undefined-variables",
        "--eval=X=1",
        "-k",
        "-s",
    ]);
    let vars = [CmdlineVar {
        name: b"V",
        flavor: VarFlavor::Recursive,
        value: b"1",
    }];
    let got = makeflags_value(&o, Some("--jobserver-auth=3,4"), &vars);
    assert_eq!(
        String::from_utf8(got).unwrap(),
        "ks -I/x -j4 -l3 -Otarget --jobserver-auth=3,4 --trace --no-print-directory --warn-undefined-variables --eval=X=1 -- V=1"
    );
    assert_eq!(
        String::from_utf8(mflags_value(&o, Some("--jobserver-auth=3,4"))).unwrap(),
        "-ks -I/x -j4 -l3 -Otarget --jobserver-auth=3,4 --trace --no-print-directory --warn-undefined-variables"
    );
    let o = ok(&["--debug=b", "-j4", "--trace", "-l1"]);
    assert_eq!(
        String::from_utf8(makeflags_value(
            &o,
            Some("--jobserver-auth=fifo:/tmp/GMfifo1"),
            &[]
        ))
        .unwrap(),
        " -j4 -l1 --debug=b --jobserver-auth=fifo:/tmp/GMfifo1 --trace"
    );
}

#[test]
fn makeflags_omits_what_gnu_omits() {
    assert_eq!(mf(&ok(&[])), "");
    assert_eq!(
        mf(&ok(&[
            "-o", "x", "-W", "y", "-C", ".", "-f", "Makefile", "-v", "-h"
        ])),
        ""
    );
    // GNU 4.4.1 writes back `-S` and `--no-silent` when they have the last
    // word (its suite's variables/MAKEFLAGS checks this; 4.3 omitted them).
    assert_eq!(mf(&ok(&["-k", "-S"])), "S");
    assert_eq!(mf(&ok(&["-s", "--no-silent"])), " --no-silent");
    assert_eq!(mf(&ok(&["-s", "--no-silent", "-s"])), "s");
    assert_eq!(mf(&ok(&["-l"])), "");
    assert_eq!(mf(&ok(&["-l-1"])), "");
    assert_eq!(mf(&ok(&["-b", "-m"])), "");
    assert_eq!(mf(&ok(&["--stats", "--progress", "--trace-json=x"])), "");
    assert_eq!(mf(&ok(&["--jobserver-style=pipe"])), "");
    assert_eq!(
        mf(&ok(&["-w", "--no-print-directory"])),
        " --no-print-directory"
    );
    assert_eq!(
        mflags_value(&ok(&["--no-print-directory"]), None),
        b"--no-print-directory"
    );
    assert_eq!(mflags_value(&ok(&["--eval=X=1"]), None), b"");
}

#[test]
fn makeflags_argument_words() {
    assert_eq!(mf(&ok(&["-j"])), " -j");
    assert_eq!(mf(&ok(&["-j1"])), " -j1");
    assert_eq!(mf(&ok(&["-O"])), " -Otarget");
    assert_eq!(mf(&ok(&["-Onone"])), " -Onone");
    assert_eq!(mf(&ok(&["-l", ".5"])), " -l0.5");
    assert_eq!(mf(&ok(&["-lx"])), " -l0");
    assert_eq!(mf(&ok(&["-l", "2.123456789"])), " -l2.12346");
    assert_eq!(mf(&ok(&["-l", "100000000"])), " -l1e+08");
    assert_eq!(mf(&ok(&["-l1e-2"])), " -l0.01");
    assert_eq!(mf(&ok(&["-I/tmp", "-Iinc"])), " -I/tmp -Iinc");
    assert_eq!(mf(&ok(&["-I/a b"])), " -I/a\\ b");
    assert_eq!(mf(&ok(&["--debug"])), " --debug=basic");
    assert_eq!(mf(&ok(&["-d", "--debug=m"])), "d --debug=m");
    assert_eq!(mf(&ok(&["--debug=b m"])), " --debug=b\\ m");
    assert_eq!(mf(&ok(&["--eval=A = b c"])), " --eval=A\\ =\\ b\\ c");
    assert_eq!(mf(&ok(&["--shuffle=reverse"])), " --shuffle=reverse");
    assert_eq!(mf(&ok(&["--shuffle=7"])), " --shuffle=7");
    assert_eq!(mf(&ok(&["--shuffle=none"])), "");
}

#[test]
fn makeflags_variables_are_escaped_and_newest_first() {
    let v = |name: &'static str, value: &'static str| CmdlineVar {
        name: name.as_bytes(),
        flavor: VarFlavor::Recursive,
        value: value.as_bytes(),
    };
    let got = |vars: &[CmdlineVar]| {
        String::from_utf8(makeflags_value(&Options::default(), None, vars)).unwrap()
    };
    assert_eq!(
        got(&[v("FOO", "a b"), v("BAR", "c d")]),
        " -- BAR=c\\ d FOO=a\\ b"
    );
    assert_eq!(
        got(&[v("FOO", "1"), v("BAR", "2"), v("FOO", "3")]),
        " -- BAR=2 FOO=3"
    );
    assert_eq!(got(&[v("F", "a$$b")]), " -- F=a$$$$b");
    assert_eq!(got(&[v("F", "$(G)")]), " -- F=$$(G)");
    assert_eq!(got(&[v("F", "a\\b")]), " -- F=a\\\\b");
    assert_eq!(got(&[v("F", "a\tb")]), " -- F=a\\\tb");
    assert_eq!(got(&[v("F", "a\nb")]), " -- F=a\nb");
    assert_eq!(got(&[v("F", "x#y")]), " -- F=x#y");
    let simple = CmdlineVar {
        name: b"Y",
        flavor: VarFlavor::Simple,
        value: b"2",
    };
    assert_eq!(got(&[v("X", "1"), simple]), " -- Y:=2 X=1");
    let o = ok(&["-k"]);
    assert_eq!(
        String::from_utf8(makeflags_value(&o, None, &[v("F", "a b")])).unwrap(),
        "k -- F=a\\ b"
    );
}

fn from_env(value: &str) -> Options {
    let mut o = Options::default();
    parse_makeflags(&mut o, value.as_bytes()).expect("MAKEFLAGS decodes");
    o
}

#[test]
fn makeflags_reading() {
    let o = from_env("ks");
    assert!(o.keep_going && o.silent);
    assert!(from_env("-ks").silent);
    let o = from_env("k s");
    assert!(o.keep_going && !o.silent);
    assert!(!from_env("k\ts").silent);
    assert!(from_env("  k").keep_going);
    let o = from_env("kj4");
    assert_eq!((o.keep_going, o.jobs), (true, Some(Some(4))));
    assert_eq!(from_env("ks -j4").jobs, Some(Some(4)));
    assert_eq!(from_env(" -j 4").jobs, Some(Some(4)));
    assert_eq!(from_env("-l 2").load_average, Some(Some(2.0)));
    assert_eq!(from_env("-I /x").include_dirs, bytes(&["/x"]));
    assert_eq!(from_env("--eval FOO=1").evals, bytes(&["FOO=1"]));
    assert_eq!(from_env("-E FOO=1").evals, bytes(&["FOO=1"]));
    // A newline is no blank: it stays in its word.
    assert_eq!(from_env("-E\n").evals, bytes(&["\n"]));
    assert_eq!(from_env("-E\nx=1\ny=2").evals, bytes(&["\nx=1\ny=2"]));
    assert!(from_env("--just-p").dry_run);
    assert!(from_env("-v").version);
    let o = from_env("--jobserver-auth=3,4 --jobserver-auth=5,6");
    assert_eq!(o.jobserver_auth.as_deref(), Some(&b"5,6"[..]));
}

#[test]
fn makeflags_ignores_what_gnu_ignores() {
    let o = from_env("-C /tmp -f nofile -o x -W y -h --stats");
    assert_eq!(format!("{o:?}"), format!("{:?}", Options::default()));
    for junk in ["Z", "--bogus", "--t", "-Z", "-I", "-f", "-k -- -s", "kZ"] {
        let o = from_env(junk);
        assert!(!o.silent && o.goals.is_empty(), "{junk}");
    }
    assert!(from_env("kZ -s").silent);
    assert!(from_env("-k -- -s").keep_going);
}

#[test]
fn makeflags_variables_are_unescaped() {
    assert_eq!(from_env("-- FOO=a\\ b").variables, bytes(&["FOO=a b"]));
    assert_eq!(from_env("FOO=bar").variables, bytes(&["FOO=bar"]));
    assert_eq!(from_env("k FOO=bar").variables, bytes(&["FOO=bar"]));
    assert_eq!(from_env("FOO=1 -k").variables, bytes(&["FOO=1"]));
    assert!(from_env("FOO=1 -k").keep_going);
    assert_eq!(
        from_env("ks -- FOO=1 BAR=a\\ b\\\\").variables,
        bytes(&["FOO=1", "BAR=a b\\"])
    );
    assert_eq!(from_env("FOO=a\\xb").variables, bytes(&["FOO=axb"]));
    assert_eq!(from_env("-- FOO=a\\\tb").variables, bytes(&["FOO=a\tb"]));
}

#[test]
fn makeflags_value_errors() {
    let mut o = Options::default();
    let warnings = parse_makeflags(&mut o, b"-j0").unwrap();
    assert_eq!(
        warnings,
        vec!["the '-j' option requires a positive integer argument".to_string()]
    );
    assert_eq!(o.jobs, None);
    let e = parse_makeflags(&mut Options::default(), b"-Ox").unwrap_err();
    assert_eq!(e.message, "*** unknown output-sync type 'x'.  Stop.");
    assert!(!e.print_usage);
}

#[test]
fn makeflags_trailing_blank_is_an_empty_last_word() {
    let mut o = Options::default();
    let warnings = parse_makeflags(&mut o, b"k -j ").unwrap();
    assert_eq!(
        warnings,
        vec!["the '-j' option requires a positive integer argument".to_string()]
    );
    assert!(o.keep_going && o.jobs.is_none());
    let warnings = parse_makeflags(&mut Options::default(), b"E \t").unwrap();
    assert_eq!(
        warnings,
        vec!["the '-E' option requires a non-empty string argument".to_string()]
    );
    // An escaped blank ends no word; nor do blanks alone, or between words.
    assert!(parse_makeflags(&mut Options::default(), b"-I a\\ ")
        .unwrap()
        .is_empty());
    assert!(parse_makeflags(&mut Options::default(), b"  ")
        .unwrap()
        .is_empty());
    assert_eq!(from_env("-I  a").include_dirs, bytes(&["a"]));
}

#[test]
fn command_line_overrides_makeflags() {
    let mut o = Options::default();
    parse_makeflags(&mut o, b"k").unwrap();
    parse_args_into(&mut o, &args(&["-S"])).unwrap();
    assert!(!o.keep_going);
    let mut o = Options::default();
    parse_makeflags(&mut o, b"-S").unwrap();
    parse_args_into(&mut o, &args(&["-k"])).unwrap();
    assert!(o.keep_going);
    let mut o = Options::default();
    parse_makeflags(&mut o, b"-j4 -- FOO=1").unwrap();
    parse_args_into(&mut o, &args(&["-j", "FOO=2"])).unwrap();
    assert_eq!(o.jobs, Some(None));
    assert_eq!(o.variables, bytes(&["FOO=1", "FOO=2"]));
}

#[test]
fn makeflags_round_trip() {
    let o = ok(&[
        "-kseiLnqrRtwB",
        "-d",
        "-j8",
        "-l2.5",
        "-Oline",
        "-I/a b",
        "-I$x",
        "--debug=v,m",
        "--trace",
        "--warn-undefined-variables",
        "--shuffle=12",
        "--eval=A := b c",
    ]);
    let written = makeflags_value(&o, Some("--jobserver-auth=fifo:/tmp/GMfifo9"), &[]);
    // GNU expands $(MAKEFLAGS) before decoding it: $$ becomes $.
    let expanded = String::from_utf8(written).unwrap().replace("$$", "$");
    let mut back = Options::default();
    parse_makeflags(&mut back, expanded.as_bytes()).unwrap();
    back.jobserver_auth = None;
    let mut want = o.clone();
    want.print_directory = Some(true);
    assert_eq!(format!("{back:?}"), format!("{want:?}"));
    assert_eq!(
        makeflags_value(&back, None, &[]),
        makeflags_value(&o, None, &[])
    );
}

#[test]
fn help_and_version_texts() {
    let help = usage_text("make");
    assert!(help.starts_with("Usage: make [options] [target] ...\nOptions:\n  -b, -m "));
    assert!(help.contains("  --jobserver-style=STYLE     Select the style of jobserver to use.\n"));
    assert!(help.contains(
        "  --shuffle[={SEED|random|reverse|none}]\n                              Perform shuffle of prerequisites and goals.\n"
    ));
    assert!(help.contains("  --warn-undefined-variables  Warn when an undefined variable is referenced.\n\nfairmake's own options"));
    // Every fairmake-only option is listed, under fairmake's heading.
    let own = help.split("fairmake's own options").nth(1).unwrap();
    for spec in table::EXTENSIONS {
        let long = spec.long.unwrap();
        assert!(own.contains(&format!("\n  --{long}")), "--{long} missing");
    }
    assert!(own.contains("\n\nThis program built for "));
    let last = help.lines().last().unwrap();
    assert!(last.starts_with("Report bugs to <http"), "{last}");
    assert_eq!(
        last,
        format!("Report bugs to <{}/issues>", env!("CARGO_PKG_REPOSITORY"))
    );
    let version = version_text();
    assert!(version.starts_with(&format!(
        "GNU Make 4.4.1 compatible (fairmake {})\n",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(version.contains("MIT OR Apache-2.0"));
    assert!(version.contains("NO WARRANTY"));
}

#[test]
#[ignore = "prints the help text for diffing against a real GNU make"]
fn print_help_text() {
    print!("{}", usage_text("make"));
}

/// Where a restart writes `--temp-stdin=F`: in place of the `-f -`, as GNU
/// 4.4.1's "Re-executing" line shows.
#[test]
fn stdin_makefile_replaced_in_place() {
    let replace = |list: &[&str]| {
        let words: Vec<Vec<u8>> = list.iter().map(|w| w.as_bytes().to_vec()).collect();
        replace_stdin_makefile(&words, b"T").map(|out| {
            out.into_iter()
                .map(|w| String::from_utf8(w).unwrap())
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(replace(&["-f", "-", "-k"]).unwrap(), ["T", "-k"]);
    assert_eq!(replace(&["-sf-", "x"]).unwrap(), ["-s", "T", "x"]);
    assert_eq!(replace(&["-skf", "-"]).unwrap(), ["-sk", "T"]);
    assert_eq!(replace(&["--file=-"]).unwrap(), ["T"]);
    assert_eq!(replace(&["--makefile", "-", "a"]).unwrap(), ["T", "a"]);
    // `-C` takes the rest of its word: no `-f` there.
    assert_eq!(replace(&["-Cf-"]), None);
    assert_eq!(replace(&["-f", "Makefile"]), None);
    assert_eq!(replace(&["--", "-f", "-"]), None);
}

#[test]
fn environment_makeflags_is_a_command_line() {
    let mut o = Options::default();
    parse_environment_makeflags(&mut o, b"k i -- V=1 j").unwrap();
    assert!(o.keep_going);
    assert_eq!(o.goals, bytes(&["i", "j"]));
    assert_eq!(o.variables, bytes(&["V=1"]));
    let e = parse_environment_makeflags(&mut Options::default(), b"-Z -j0").unwrap_err();
    let text = e.render("make");
    assert!(text.starts_with(
        ": invalid option -- 'Z'\nmake: the '-j' option requires a positive integer argument\nUsage: make "
    ));
    assert!(parse_environment_makeflags(&mut Options::default(), b"-k -j ").is_err());
}
