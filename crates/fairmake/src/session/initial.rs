//! The variables make starts with, before any makefile is read (GNU manual,
//! "Variables from the Environment", "Special Variables", "Variables Used
//! by Implicit Rules", "Overriding Variables"): the environment's, make's
//! own (`MAKE`, `MAKELEVEL`, `CURDIR`, `.FEATURES`, ...), `MAKEFLAGS` and
//! `MAKEOVERRIDES`, the built-in ones, and the command line's.

use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::assignment::AssignOp;
use crate::diag::{self, Fatal};
use crate::eval::vars::{Export, Flavor, Origin, Var};
use crate::eval::Evaluator;
use crate::options::Options;
use crate::read;

/// The features `.FEATURES` lists: only what works.
const FEATURES: &str = "target-specific order-only second-expansion else-if shortest-stem undefine oneshell nocomment grouped-target extra-prereqs notintermediate shell-export archives jobserver jobserver-fifo output-sync check-symlink";

/// Defines the initial variables, in GNU's order: what comes later
/// (a command-line assignment) wins over what came first.
pub(super) fn initial_variables(
    ev: &mut Evaluator,
    opts: &Options,
    argv0: &[u8],
    cwd: &[u8],
) -> Result<(), Fatal> {
    import_environment(ev);
    define_special_variables(ev, opts, argv0);
    define_run_variables(ev, opts);
    define_automatic_variables(ev);
    // Defined only when the command line has variables (GNU 4.4.1): the
    // words in an automatic variable, and MAKEOVERRIDES referring to it
    // (a makefile may append to it or empty it).
    let overrides = ev.overrides_from_options();
    let has_overrides = !overrides.is_empty();
    if has_overrides {
        ev.globals.insert(
            b"-*-command-variables-*-",
            Var::new(overrides, Flavor::Simple, Origin::Automatic),
        );
        define_makeoverrides(ev, opts);
    }
    ev.publish_makeflags();
    if !opts.no_builtin_variables {
        define_builtin_variables(ev);
    }
    // -R implies -r; SUFFIXES is there either way, empty without rules.
    if !opts.no_builtin_rules && !opts.no_builtin_variables {
        define_suffixes(ev);
    } else {
        let var = Var::new(Vec::new(), Flavor::Simple, Origin::Default);
        ev.globals.insert(b"SUFFIXES", var);
    }
    define_command_line_variables(ev, opts)?;
    // CURDIR is defined after the command line's variables, which only
    // an assignment there outranks (`CURDIR?=x` leaves the directory),
    // or the environment's value under -e.
    let origin = ev.globals.get(b"CURDIR").map(|v| v.origin);
    if origin == Some(Origin::Environment) && opts.environment_overrides {
        mark_environment_override(ev, b"CURDIR");
    } else if origin != Some(Origin::CommandLine) {
        ev.globals.insert(
            b"CURDIR",
            Var::new(cwd.to_vec(), Flavor::Simple, Origin::File),
        );
    }
    // `MAKEFLAGS?=k` left the environment's value: written afresh; so is
    // it when the command line set MAKEOVERRIDES (over an empty one from
    // the environment), to refer to it.
    let written_afresh =
        |name: &[u8], origin| ev.globals.get(name).is_some_and(|v| v.origin == origin);
    if written_afresh(b"MAKEFLAGS", Origin::Environment)
        || written_afresh(b"MAKEOVERRIDES", Origin::CommandLine)
    {
        ev.publish_makeflags();
    }
    // Now with the values the command line's variables ended up with,
    // before SHELL is /bin/sh again: MAKEFLAGS passes `SHELL:=` on as given.
    if has_overrides {
        let overrides = ev.overrides_from_options();
        ev.globals.insert(
            b"-*-command-variables-*-",
            Var::new(overrides, Flavor::Simple, Origin::Automatic),
        );
    }
    define_default_shell(ev, opts);
    define_default_goal(ev, opts);
    // GNU marks its MAKEFLAGS exported at start-up: `unexport MAKEFLAGS`
    // keeps it from children, and one a makefile undefined is written
    // again after reading as an ordinary, unexported, variable.
    if let Some(v) = ev.globals.get_mut(b"MAKEFLAGS") {
        v.export = Export::Yes;
    }
    Ok(())
}

/// MAKEOVERRIDES refers to the command line's variables, unless the
/// environment has one: that stays, and MAKEFLAGS refers to it, so children
/// get its assignments instead of the command line's (GNU 4.4.1). Make's
/// defining it makes it `environment override` under -e, as a makefile's
/// would. Make's own counts as defined after the command line's variables:
/// `MAKEOVERRIDES+=Z=1` there appends to the environment's or to nothing.
fn define_makeoverrides(ev: &mut Evaluator, opts: &Options) {
    if let Some(v) = ev.globals.get_mut(b"MAKEOVERRIDES") {
        if v.origin == Origin::Environment {
            if opts.environment_overrides {
                v.origin = Origin::EnvironmentOverride;
            }
            return;
        }
    }
    let value = b"${-*-command-variables-*-}".to_vec();
    let var = Var::new(value, Flavor::Recursive, Origin::Default);
    ev.globals.insert(b"MAKEOVERRIDES", var);
}

/// Every environment variable becomes a make variable, exported again
/// (GNU manual, "Variables from the Environment"); a few are make's own.
fn import_environment(ev: &mut Evaluator) {
    // Under `-e` an imported variable becomes "environment override" when
    // the makefiles first define it (`Evaluator::define`), as in GNU 4.4.
    let env_origin = Origin::Environment;
    for (k, v) in std::env::vars_os() {
        let (k, v) = (k.into_vec(), v.into_vec());
        if k == b"SHELL" {
            // Recipes use make's own SHELL; children get this one back.
            ev.child_env.original_shell = Some(v);
            continue;
        }
        if k == b"MAKEFLAGS" || k == b"MFLAGS" || k == b"MAKELEVEL" {
            continue;
        }
        if k == b"MAKE_RESTARTS" {
            // An environment variable like any other (a makefile or the
            // command line may set it), but only for this make: a sub-make
            // starts its own count. Its value is the count, without the
            // sign that says `Entering directory` was said
            // (`diag::entered_before_restart`).
            let count = if v.starts_with(b"-") {
                v[1..].to_vec()
            } else {
                v
            };
            let mut var = Var::new(count, Flavor::Recursive, env_origin);
            var.export = Export::No;
            ev.globals.insert(&k, var);
            continue;
        }
        if k == b"GNUMAKEFLAGS" {
            // Its switches are in MAKEFLAGS now: children see it empty.
            let mut var = Var::new(Vec::new(), Flavor::Simple, env_origin);
            var.export = Export::Yes;
            ev.globals.insert(&k, var);
            continue;
        }
        let mut var = Var::new(v, Flavor::Recursive, env_origin);
        var.export = Export::Yes;
        ev.globals.insert(&k, var);
    }
}

/// Make's special variables with a default value (GNU manual, "Special
/// Variables", "The MAKE Variable", "Choosing the Shell").
fn define_special_variables(ev: &mut Evaluator, opts: &Options, argv0: &[u8]) {
    let defaults: [(&[u8], Vec<u8>); 11] = [
        (b"MAKE_VERSION", diag::EMULATED_VERSION.into()),
        (b"MAKE_HOST", b"x86_64-pc-linux-gnu".to_vec()),
        (b"SHELL", b"/bin/sh".to_vec()),
        (b".SHELLFLAGS", b"-c".to_vec()),
        (b"MAKE_COMMAND", argv0.to_vec()),
        (b"MAKE", b"$(MAKE_COMMAND)".to_vec()),
        (b".FEATURES", FEATURES.into()),
        (
            b".INCLUDE_DIRS",
            crate::options::include_path(&opts.include_dirs).join(&b' '),
        ),
        (b".RECIPEPREFIX", Vec::new()),
        // GNU 4.4 defines these two empty, even under -R.
        (b"MAKEFILES", Vec::new()),
        (b".LOADED", Vec::new()),
    ];
    for (name, value) in defaults {
        // An environment value wins over a default (Kbuild exports MAKE and
        // link-vmlinux.sh runs `${MAKE}` from a sub-make's recipe).
        let from_env = ev
            .globals
            .get(name)
            .is_some_and(|v| v.origin == Origin::Environment);
        if from_env && name != b".RECIPEPREFIX" {
            // Under -e the environment's value overrides make's own, so
            // says `$(origin)`; GNU sets these three before reading the
            // environment, whose values replace them.
            let set_before = [&b".SHELLFLAGS"[..], b".FEATURES", b".LOADED"];
            if opts.environment_overrides && !set_before.contains(&name) {
                mark_environment_override(ev, name);
            }
            continue;
        }
        let flavor = if name == b"MAKE" {
            Flavor::Recursive
        } else {
            Flavor::Simple
        };
        ev.globals
            .insert(name, Var::new(value, flavor, Origin::Default));
    }
}

/// The `D` and `F` forms of the automatic variables as GNU defines them
/// globally (`$(@D)` is `$(patsubst %/,%,$(dir $@))`): `$(.VARIABLES)`,
/// `$(origin)`, `$(value)` and `-p` see them. A recipe's own bindings
/// (plan/automatic.rs) shadow them.
fn define_automatic_variables(ev: &mut Evaluator) {
    for c in [b'@', b'%', b'<', b'?', b'^', b'+', b'*'] {
        let c = c as char;
        let dir = format!("$(patsubst %/,%,$(dir ${c}))");
        let file = format!("$(notdir ${c})");
        for (suffix, value) in [('D', dir), ('F', file)] {
            let name = format!("{c}{suffix}");
            let var = Var::new(value.into_bytes(), Flavor::Recursive, Origin::Automatic);
            ev.globals.insert(name.as_bytes(), var);
        }
    }
}

/// `.DEFAULT_GOAL`, empty until the first rule sets it: defined after the
/// command line's variables, which keep theirs (`.DEFAULT_GOAL+=x` appends
/// to nothing, or to the environment's value). An environment value
/// counts only under `-e` (GNU 4.4.1).
fn define_default_goal(ev: &mut Evaluator, opts: &Options) {
    let origin = ev.globals.get(b".DEFAULT_GOAL").map(|v| v.origin);
    if origin >= Some(Origin::CommandLine) {
        return;
    }
    if origin == Some(Origin::Environment) && opts.environment_overrides {
        if let Some(v) = ev.globals.get_mut(b".DEFAULT_GOAL") {
            v.origin = Origin::EnvironmentOverride;
        }
        return;
    }
    let var = Var::new(Vec::new(), Flavor::Simple, Origin::File);
    ev.globals.insert(b".DEFAULT_GOAL", var);
}

/// What this run is: `MAKELEVEL` and `MAKECMDGOALS`. `MAKELEVEL` has the
/// environment's origin, so it is exported (and expanded for a child) only
/// until a makefile sets it without `export` (GNU 4.4.1); a child gets
/// make's own level either way. (`CURDIR` comes after the command line's
/// variables.)
fn define_run_variables(ev: &mut Evaluator, opts: &Options) {
    let level = ev.invocation.level.to_string().into_bytes();
    ev.globals.insert(
        b"MAKELEVEL",
        Var::new(
            level,
            Flavor::Simple,
            Origin::as_if_environment(opts.environment_overrides),
        ),
    );
    // Undefined without goals; a default variable with them (GNU 4.4.1).
    if !opts.goals.is_empty() {
        let goals = makecmdgoals(&opts.goals);
        ev.globals.insert(
            b"MAKECMDGOALS",
            Var::new(goals, Flavor::Simple, Origin::Default),
        );
    }
}

/// The variables of the built-in rules, `CC`, `CFLAGS`, ... (GNU manual,
/// "Variables Used by Implicit Rules"); not under `-R`.
fn define_builtin_variables(ev: &mut Evaluator) {
    for &(name, value) in crate::rules::builtin::VARIABLES {
        // The environment's value beats a default one (and says so under
        // -e).
        if ev.invocation.options.environment_overrides {
            mark_environment_override(ev, name);
        }
        if ev.globals.get(name).is_none() {
            ev.globals.insert(
                name,
                Var::new(value.to_vec(), Flavor::Recursive, Origin::Default),
            );
        }
    }
}

/// Under -e: an environment variable that make defines too is of origin
/// `environment override`, as in GNU 4.4.1.
fn mark_environment_override(ev: &mut Evaluator, name: &[u8]) {
    if let Some(v) = ev.globals.get_mut(name) {
        if v.origin == Origin::Environment {
            v.origin = Origin::EnvironmentOverride;
        }
    }
}

/// The default suffix list, as `SUFFIXES` and as `.SUFFIXES`'s
/// prerequisites; not under `-r`.
fn define_suffixes(ev: &mut Evaluator) {
    ev.globals.insert(
        b"SUFFIXES",
        Var::new(
            crate::rules::builtin::SUFFIXES.to_vec(),
            Flavor::Simple,
            Origin::Default,
        ),
    );
    let suffixes = ev.db.intern(b".SUFFIXES");
    let deps: thin_vec::ThinVec<crate::rules::Dep> =
        crate::read::rule_line::intern_deps(ev, crate::rules::builtin::SUFFIXES);
    for d in &deps {
        ev.db.file_mut(d.file()).builtin = true;
    }
    ev.db.file_mut(suffixes).rule.deps = deps;
}

/// `name=value` arguments (GNU manual, "Overriding Variables"): last, so
/// that they win over all the above.
fn define_command_line_variables(ev: &mut Evaluator, opts: &Options) -> Result<(), Fatal> {
    for assignment in &opts.variables {
        let Some((name, op, value)) = crate::assignment::split_word(assignment) else {
            continue;
        };
        if matches!(op, AssignOp::Append | AssignOp::Conditional) {
            as_before_defaults(ev, name);
        }
        read::assign(
            ev,
            None,
            name,
            op,
            value,
            read::Modifiers::default(),
            Origin::CommandLine,
        )?;
    }
    Ok(())
}

/// GNU defines the command line's variables before most of its default
/// ones (all but `.SHELLFLAGS`, `.FEATURES`, `.RECIPEPREFIX` and
/// `.LOADED`) and before CURDIR, MAKELEVEL and MFLAGS: `CC+=x` and
/// `SHELL+=~` on the command line append to nothing, `CC?=x` and
/// `CURDIR?=x` define them, `.RECIPEPREFIX?=>` does nothing. SHELL
/// appends to the environment's value when there is one.
fn as_before_defaults(ev: &mut Evaluator, name: &[u8]) {
    const DEFINED_BEFORE: &[&[u8]] = &[b".SHELLFLAGS", b".FEATURES", b".RECIPEPREFIX", b".LOADED"];
    const DEFINED_AFTER: &[&[u8]] = &[b"MAKEFLAGS", b"MFLAGS", b"CURDIR", b"MAKELEVEL"];
    let from_command_line = ev
        .globals
        .get(name)
        .is_some_and(|v| v.origin == Origin::CommandLine);
    if DEFINED_AFTER.contains(&name) && !from_command_line {
        // MAKEFLAGS and MFLAGS are written from the switches, CURDIR and
        // MAKELEVEL defined, after the command line's variables:
        // `MAKEFLAGS+=s` and `MAKELEVEL+=1` append to the environment's
        // value as it came, or to nothing (GNU 4.4.1 and 4.3).
        ev.globals.remove(name);
        if let Some(value) = std::env::var_os(std::ffi::OsStr::from_bytes(name)) {
            let var = Var::new(value.into_vec(), Flavor::Recursive, Origin::Environment);
            ev.globals.insert(name, var);
        }
        return;
    }
    let is_default = ev
        .globals
        .get(name)
        .is_some_and(|v| v.origin == Origin::Default);
    if !is_default || DEFINED_BEFORE.contains(&name) {
        return;
    }
    ev.globals.remove(name);
    if name == b"SHELL" {
        if let Some(value) = ev.child_env.original_shell.clone() {
            let var = Var::new(value, Flavor::Recursive, Origin::Environment);
            ev.globals.insert(name, var);
        }
    }
}

/// SHELL is /bin/sh again, of origin `file`, when the command line left it
/// empty or as the environment had it (GNU manual, "Choosing the Shell":
/// the environment's SHELL is not used): `SHELL=` on the command line
/// changes nothing but the flavor (`SHELL:=` leaves a simple one). Under
/// `-e`, when the command line named SHELL, GNU 4.4.1 gives the recipes
/// what it left all the same, once the makefiles are read
/// (`command_line_shell_for_recipes`).
fn define_default_shell(ev: &mut Evaluator, opts: &Options) {
    let from_env = ev.child_env.original_shell.is_some();
    // (An environment override here is the environment's, which the
    // command line's `SHELL+=` or `SHELL?=` left as it was, under -e.)
    let (reset, flavor) = match ev.globals.get(b"SHELL") {
        None => (true, Flavor::Recursive),
        Some(v) => (
            v.value.is_empty()
                || matches!(v.origin, Origin::Environment | Origin::EnvironmentOverride)
                || (v.origin == Origin::Default && from_env),
            match v.origin {
                Origin::CommandLine => v.flavor,
                _ => Flavor::Recursive,
            },
        ),
    };
    if !reset {
        return;
    }
    let named = opts
        .variables
        .iter()
        .any(|a| crate::assignment::split_word(a).is_some_and(|(name, _, _)| name == b"SHELL"));
    if opts.environment_overrides && named {
        if let Some(v) = ev.globals.get(b"SHELL") {
            ev.reading.command_line_shell_for_recipes = Some((v.value.clone(), v.flavor));
        }
    }
    let var = Var::new(b"/bin/sh".to_vec(), flavor, Origin::File);
    ev.globals.insert(b"SHELL", var);
}

/// Once the makefiles are read, under `-e`, the SHELL the command line
/// left (empty, or the environment's after `SHELL+=`) is the recipes'
/// SHELL, as an environment override (GNU 4.4.1; 4.3 keeps /bin/sh): only
/// an `override` beats it. Reading itself had /bin/sh. GNU defines it
/// again from MAKEFLAGS: not when MAKEFLAGS's variables (`shell_named`)
/// no longer assign SHELL (a command line's `MAKEFLAGS=k`).
pub(super) fn command_line_shell_for_recipes(ev: &mut Evaluator, shell_named: bool) {
    let Some((value, flavor)) = ev.reading.command_line_shell_for_recipes.take() else {
        return;
    };
    if !shell_named {
        return;
    }
    if ev
        .globals
        .get(b"SHELL")
        .is_some_and(|v| v.origin < Origin::EnvironmentOverride)
    {
        ev.set_global(b"SHELL", &value, flavor, Origin::EnvironmentOverride);
    }
}

/// The value of `MAKECMDGOALS`: the goals as make names them, without a
/// leading `./` (Kbuild matches `arch/%` against `./arch/x86/`), with their
/// `\:` kept.
fn makecmdgoals(goals: &[Vec<u8>]) -> Vec<u8> {
    let names: Vec<&[u8]> = goals
        .iter()
        .map(|g| crate::read::rule_line::strip_dot_slash(g))
        .collect();
    names.join(&b' ')
}

/// GNUMAKEFLAGS and MAKEFLAGS from the environment, each a value of
/// switches (what the evaluator keeps to rebuild MAKEFLAGS from). Kept
/// apart, as make parsed them at start: joined, a blank after the last
/// would be one more, empty, word, which a last `-j` would take for its
/// count, and `MAKEFLAGS=-k -j` lose its `-j` (GNU 4.4.1 and 4.3 keep it).
pub(super) fn environment_makeflags() -> Vec<Vec<u8>> {
    ["GNUMAKEFLAGS", "MAKEFLAGS"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|v| dashed(&crate::options::undouble_dollars(v.as_bytes())))
        .collect()
}

/// A MAKEFLAGS value whose first word is switch letters gets its `-`, so
/// that two values can be parsed as one.
fn dashed(value: &[u8]) -> Vec<u8> {
    let value = crate::words::trim(value);
    let first = crate::words::words(value).next().unwrap_or_default();
    if value.is_empty() || value[0] == b'-' || crate::assignment::looks_like_assignment(first) {
        value.to_vec()
    } else {
        [&b"-"[..], value].concat()
    }
}
