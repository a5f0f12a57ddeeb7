//! The MAKEFLAGS, MFLAGS and MAKEOVERRIDES variables: written from the
//! options (GNU 4.4's canonical form), read back as switches whenever a
//! makefile assigns MAKEFLAGS (and GNUMAKEFLAGS's once the makefiles are
//! read), and handed to children in their environment. The variable
//! assignments such a value holds are handed back to the reader to define.

use std::rc::Rc;

use super::vars::{Flavor, Origin};
use super::Evaluator;
use crate::assignment::{split_word, AssignOp};
use crate::diag;
use crate::options::{self, CmdlineVar, Options, VarFlavor};

/// How MAKEFLAGS refers to the command-line variables.
const OVERRIDES_REF: &[u8] = b" -- $(MAKEOVERRIDES)";

/// How MAKEFLAGS refers to them when written under `.POSIX`: to the
/// command line's own variables, so that a makefile's changes to
/// MAKEOVERRIDES no longer reach it (GNU 4.4.1 and 4.3).
const POSIX_OVERRIDES_REF: &[u8] = b" -- $(-*-command-variables-*-)";

/// The variable holding the command line's variables as MAKEOVERRIDES
/// first refers to them.
const COMMAND_VARIABLES: &[u8] = b"-*-command-variables-*-";

impl Evaluator {
    /// The jobserver's words in `$(MAKEFLAGS)` (GNU's one
    /// `--jobserver-auth=` word) or, `for_environment`, in the MAKEFLAGS
    /// children get (with the default style, descriptors and fifo both).
    fn jobserver_auth_word(&self, for_environment: bool) -> Option<String> {
        let words = match for_environment {
            true if !self.child_env.jobserver_child_words.is_empty() => {
                &self.child_env.jobserver_child_words
            }
            _ => &self.child_env.jobserver_words,
        };
        let auth: Vec<&[u8]> = words
            .iter()
            .filter(|w| w.starts_with(b"--jobserver-"))
            .map(Vec::as_slice)
            .collect();
        (!auth.is_empty()).then(|| String::from_utf8_lossy(&auth.join(&b' ')).into_owned())
    }

    /// The command-line variables as MAKEOVERRIDES holds them: each name
    /// with the value and flavor it has once defined (`X+=y` with X=a in
    /// the environment gives `X=a y`; `B?=v` with B already set, B's
    /// value), or as written before that.
    pub fn overrides_from_options(&self) -> Vec<u8> {
        use std::borrow::Cow;
        let mut parsed = Vec::new();
        for (i, assignment) in self.invocation.options.variables.iter().enumerate() {
            if let Some((name, op, written)) = split_word(assignment) {
                let computed = name == b".VARIABLES"
                    && matches!(op, AssignOp::Conditional | AssignOp::Append)
                    && !self.variables_undefined
                    && self
                        .globals
                        .get(name)
                        .is_none_or(|v| v.origin == Origin::CommandLine);
                if computed {
                    // `.VARIABLES?=` and `+=` look GNU's computed variable
                    // up, whose value MAKEFLAGS records as it was then.
                    let list = self.variables_on_command_line(i);
                    parsed.push((name, VarFlavor::Simple, Cow::Owned(list)));
                    continue;
                }
                let (flavor, value) = match self.globals.get(name) {
                    Some(v) => (
                        match v.flavor {
                            Flavor::Simple => VarFlavor::Simple,
                            Flavor::Recursive => VarFlavor::Recursive,
                        },
                        &v.value[..],
                    ),
                    None => (
                        match op {
                            AssignOp::Simple | AssignOp::Immediate => VarFlavor::Simple,
                            _ => VarFlavor::Recursive,
                        },
                        written,
                    ),
                };
                parsed.push((name, flavor, Cow::Borrowed(value)));
            }
        }
        let vars: Vec<CmdlineVar<'_>> = parsed
            .iter()
            .map(|(name, flavor, value)| CmdlineVar {
                name,
                flavor: *flavor,
                value,
            })
            .collect();
        options::variable_words(&vars).join(&b' ')
    }

    /// `.VARIABLES` once the command line's assignments up to the one at
    /// `last` are defined. `?=` and `+=` look it up: GNU then recomputes
    /// it (see `refreshed_variables`) unless the command line assigned it
    /// since the last lookup and defined no new variable in between.
    fn variables_on_command_line(&self, last: usize) -> Vec<u8> {
        let mut value = Vec::new();
        let mut assigned = false;
        let mut looked_up: Option<Vec<u8>> = None;
        for (i, assignment) in self.invocation.options.variables[..=last]
            .iter()
            .enumerate()
        {
            let Some((name, op, written)) = split_word(assignment) else {
                continue;
            };
            if name != b".VARIABLES" {
                continue;
            }
            match op {
                AssignOp::Conditional | AssignOp::Append => {
                    let list = self.variables_at_command_line(i);
                    if !assigned || looked_up.as_ref() != Some(&list) {
                        value = list.clone();
                        assigned = false;
                    }
                    looked_up = Some(list);
                    if op == AssignOp::Append && !written.is_empty() {
                        value.push(b' ');
                        value.extend_from_slice(written);
                        assigned = true;
                    }
                }
                _ => {
                    value = written.to_vec();
                    assigned = true;
                }
            }
        }
        value
    }

    /// The switches part of MAKEFLAGS (everything before ` -- `).
    fn makeflags_switches(&self, for_environment: bool) -> Vec<u8> {
        let auth = self.jobserver_auth_word(for_environment);
        options::makeflags_value(&self.invocation.options, auth.as_deref(), &[])
    }

    /// The `MAKEFLAGS` value children see: the switches, then ` -- ` and
    /// the current MAKEOVERRIDES expanded (a makefile may empty it or
    /// append to it; it refers to `-*-command-variables-*-`).
    /// A `$(shell)` run while MAKEFLAGS itself is expanded, for a child or
    /// to be decoded, gets its start-up value, as for any variable
    /// (`self_reference_is_environment`; GNU 4.4.1): `override MAKEFLAGS
    /// += $(shell ...)` is no self-reference.
    pub fn makeflags_for_children(&mut self) -> crate::diag::Result<Vec<u8>> {
        if self.self_reference_is_environment && self.child_env.decoding_makeflags {
            return Ok(super::start_up_value(b"MAKEFLAGS"));
        }
        if self.makeflags_as_written() {
            let mut value = Vec::new();
            self.expand_var(b"MAKEFLAGS", &mut value)?;
            return Ok(value);
        }
        if self.target_defines_makeflags() {
            return self.target_makeflags_for_children();
        }
        let mut flags = self.makeflags_switches(true);
        let mut overrides = Vec::new();
        if let Some(source) = self.overrides_source() {
            if self.globals.get(source).is_some() {
                self.expand_var(source, &mut overrides)?;
            }
        }
        if !crate::words::trim(&overrides).is_empty() {
            flags.extend_from_slice(b" -- ");
            flags.extend_from_slice(&overrides);
        }
        Ok(flags)
    }

    /// The variable MAKEFLAGS, as last written, takes the command-line
    /// variables from: MAKEOVERRIDES, under `.POSIX` the command line's
    /// own (see `publish_makeflags`), or none when it was written with
    /// MAKEOVERRIDES empty (a later `MAKEOVERRIDES := X=1` reaches children
    /// only once MAKEFLAGS is written again, GNU 4.4.1 and 4.3).
    fn overrides_source(&self) -> Option<&'static [u8]> {
        let value = self.global_value(b"MAKEFLAGS")?;
        let refers = |r: &[u8]| memchr::memmem::find(value, r).is_some();
        if refers(OVERRIDES_REF) {
            Some(b"MAKEOVERRIDES")
        } else if refers(POSIX_OVERRIDES_REF) {
            Some(COMMAND_VARIABLES)
        } else {
            None
        }
    }

    /// Whether the MAKEFLAGS in sight is a target's (`t: MAKEFLAGS += i`),
    /// not the global one.
    fn target_defines_makeflags(&self) -> bool {
        let global = self.globals.get_keyed(b"MAKEFLAGS").map(|(key, _)| key);
        self.with_var_keyed(b"MAKEFLAGS", |v| {
            v.is_some_and(|(key, _)| key.is_some() && key != global)
        })
    }

    /// A target's MAKEFLAGS reaches its recipe's children as it expands
    /// there, switches, variables and all (`t: MAKEFLAGS += i` gives them
    /// ` -- X=1 i` after a command-line `X=1`); it changes nothing for the
    /// target itself (GNU 4.4.1 and 4.3). The jobserver word `$(MAKEFLAGS)`
    /// shows is the one children get, so older makes can use it too.
    fn target_makeflags_for_children(&mut self) -> crate::diag::Result<Vec<u8>> {
        let mut value = Vec::new();
        self.expand_var(b"MAKEFLAGS", &mut value)?;
        let (Some(shown), Some(given)) = (
            self.jobserver_auth_word(false),
            self.jobserver_auth_word(true),
        ) else {
            return Ok(value);
        };
        match memchr::memmem::find(&value, shown.as_bytes()) {
            Some(at) => {
                let rest = value.split_off(at + shown.len());
                value.truncate(at);
                value.extend_from_slice(given.as_bytes());
                value.extend_from_slice(&rest);
                Ok(value)
            }
            None => Ok(value),
        }
    }

    /// The `MFLAGS` value children see.
    pub fn mflags_for_children(&self) -> Vec<u8> {
        options::mflags_value(
            &self.invocation.options,
            self.jobserver_auth_word(true).as_deref(),
        )
    }

    /// Sets the MAKEFLAGS and MFLAGS variables from the options. MAKEFLAGS
    /// refers to `$(MAKEOVERRIDES)`, as GNU's does, so emptying that in a
    /// makefile drops the variables; written once `.POSIX` is seen, it
    /// refers to the command line's variables themselves.
    pub fn publish_makeflags(&mut self) {
        self.publish_mflags();
        if self.makeflags_as_written() {
            return;
        }
        let mut value = Vec::new();
        for &b in &self.makeflags_switches(false) {
            if b == b'$' {
                value.push(b'$');
            }
            value.push(b);
        }
        let (source, reference) = match self.db.posix {
            true => (COMMAND_VARIABLES, POSIX_OVERRIDES_REF),
            false => (&b"MAKEOVERRIDES"[..], OVERRIDES_REF),
        };
        let has_overrides = self
            .global_value(source)
            .is_some_and(|v| !crate::words::trim(v).is_empty());
        if has_overrides {
            value.extend_from_slice(reference);
        }
        let mut origin = self
            .globals
            .get(b"MAKEFLAGS")
            .map_or(Origin::File, |v| v.origin);
        // Under `-e` MAKEFLAGS counts as coming from the environment, so a
        // makefile's `MAKEFLAGS += ...` is ignored, as GNU does.
        if self.invocation.options.environment_overrides && origin < Origin::EnvironmentOverride {
            origin = Origin::EnvironmentOverride;
        }
        self.set_global(b"MAKEFLAGS", &value, Flavor::Recursive, origin);
    }

    /// `make MAKEFLAGS=...` or a makefile's `override MAKEFLAGS = ...`:
    /// GNU takes its words as switches (`decode_makeflags_variable`) but
    /// leaves the variable as written, the canonical form (written as a
    /// makefile's) being outranked; children get that value too (without
    /// the jobserver, as in GNU).
    fn makeflags_as_written(&self) -> bool {
        self.globals
            .get(b"MAKEFLAGS")
            .is_some_and(|v| matches!(v.origin, Origin::CommandLine | Origin::Override))
    }

    /// Whether MFLAGS is make's own, not a makefile's or the command
    /// line's: GNU defines it as if it came from the environment
    /// (recursive, origin `environment`), and any other definition
    /// outranks it and stays (`environment override` under -e).
    pub fn mflags_is_makes_own(&self) -> bool {
        let env = Origin::as_if_environment(self.invocation.options.environment_overrides);
        self.globals.get(b"MFLAGS").is_none_or(|v| v.origin <= env)
    }

    /// Sets MFLAGS from the switches.
    fn publish_mflags(&mut self) {
        let env = Origin::as_if_environment(self.invocation.options.environment_overrides);
        if self.mflags_is_makes_own() {
            let auth = self.jobserver_auth_word(false);
            let mflags = options::mflags_value(&self.invocation.options, auth.as_deref());
            self.set_global(b"MFLAGS", &mflags, Flavor::Recursive, env);
        }
    }

    /// The switches make started with: the environment's MAKEFLAGS, then
    /// the command line's options (not a command-line `MAKEFLAGS=`, nor
    /// what the makefiles added).
    pub fn switches_at_start(&self) -> Options {
        let (argv, env) = &*self.invocation.args;
        let mut opts = Options::default();
        for value in env {
            let _ = options::parse_environment_makeflags(&mut opts, value);
        }
        let _ = options::parse_args_into(&mut opts, argv);
        opts
    }

    /// The MAKEFLAGS variable's words become switches: each time a
    /// makefile assigns it (`MAKEFLAGS += -k` keeps going from there on),
    /// even when a command-line or `override` value outranks the
    /// assignment (GNU 4.4.1; 4.3 waits), and once more when the makefiles
    /// are read (`makeflags_after_reading`), which is when a command-line
    /// `MAKEFLAGS=k` first counts. Switches add up: a later value takes none
    /// back (`MAKEFLAGS = s` then `MAKEFLAGS =` stays silent). The
    /// environment's and the command line's switches are applied again
    /// after them and keep the last word (`-S` beats `MAKEFLAGS += -k`).
    /// The variable is then written back in canonical form, unless it is
    /// kept as written (`publish_makeflags`). Returns the variable
    /// assignments among its words, for the caller to define (GNU 4.4.1
    /// and 4.3 define them; they are gone from the value written back).
    /// An error in expanding the value (`MAKEFLAGS = $(wordlist 2,,)`) is
    /// the assignment's, as in GNU 4.4.1.
    pub fn decode_makeflags_variable(&mut self) -> diag::Result<Vec<Vec<u8>>> {
        // The command-line variables we published stay out of the switches:
        // `MAKEFLAGS += -k` appends after them.
        let (raw, simple) = self
            .globals
            .get(b"MAKEFLAGS")
            .map(|v| (v.value.clone(), v.flavor == Flavor::Simple))
            .unwrap_or_default();
        let raw = [OVERRIDES_REF, POSIX_OVERRIDES_REF]
            .iter()
            .find_map(|r| memchr::memmem::find(&raw, r).map(|at| (at, r.len())))
            .map_or(raw.clone(), |(at, len)| {
                [&raw[..at], &raw[at + len..]].concat()
            });
        // The variable's value: a simple one's is not expanded again
        // (`MAKEFLAGS := $$(X)` is no -k with X=k).
        let expanded = match simple {
            true => raw,
            false => {
                let outer = std::mem::replace(&mut self.child_env.decoding_makeflags, true);
                let expanded = self.expand_text(&raw);
                self.child_env.decoding_makeflags = outer;
                expanded?
            }
        };
        self.decode_switches(&expanded)
    }

    /// GNUMAKEFLAGS once the makefiles are read: its value, as they left
    /// it, is decoded as MAKEFLAGS's is; then it is emptied (a simple
    /// `override` variable): its switches reach children through MAKEFLAGS
    /// (GNU 4.4.1 and 4.3). Returns the variable assignments it held.
    /// Undefined (`-R`), it is defined all the same.
    pub fn decode_gnumakeflags(&mut self) -> diag::Result<Vec<Vec<u8>>> {
        let export = self.globals.get(b"GNUMAKEFLAGS").map(|v| v.export);
        let mut variables = Vec::new();
        if export.is_some() {
            let mut value = Vec::new();
            self.expand_var(b"GNUMAKEFLAGS", &mut value)?;
            variables = self.decode_switches(&value)?;
        }
        self.set_global(b"GNUMAKEFLAGS", b"", Flavor::Simple, Origin::Override);
        if let (Some(export), Some(v)) = (export, self.globals.get_mut(b"GNUMAKEFLAGS")) {
            v.export = export;
        }
        Ok(variables)
    }

    /// A MAKEFLAGS-style value's switches added to the options (see
    /// `decode_makeflags_variable`); returns its variable assignments.
    fn decode_switches(&mut self, expanded: &[u8]) -> diag::Result<Vec<Vec<u8>>> {
        // As a child would get it: `--eval` words have their `$` doubled;
        // a variable's value keeps them (`V:=a$$b` makes V `a$b`).
        let value = options::undouble_dollars(expanded);
        let mut messages = Vec::new();
        let mut decoded = std::mem::take(&mut self.invocation.variable_switches);
        match options::parse_makeflags(&mut decoded, &value) {
            Ok(m) => messages.extend(m),
            Err(e) => match fatal_text(&e.message) {
                // A bad `-O` or `--debug` type stops make here too (GNU
                // 4.4.1 and 4.3), as it would on the command line.
                Some(text) => return Err(diag::Fatal::new(None, text)),
                None => messages.push(e.message),
            },
        }
        // Its variables are not switches: defined by the caller, as the
        // assignment that gave them says (not in MAKEOVERRIDES).
        decoded.variables.clear();
        let mut with_variables = Options::default();
        let _ = options::parse_makeflags(&mut with_variables, expanded);
        let variables = with_variables.variables;
        self.invocation.variable_switches = decoded.clone();
        // Said without a place, as GNU does; the environment's and the
        // command line's were said at start.
        for m in messages {
            diag::warn(None, m);
        }
        let mut opts = decoded;
        let (argv, env) = &*self.invocation.args.clone();
        for value in env {
            let _ = options::parse_environment_makeflags(&mut opts, value);
        }
        let _ = options::parse_args_into(&mut opts, argv);
        // `-R` given at start implied `-r` at once (see `session`); it
        // still does.
        if opts.no_builtin_variables && self.switches_at_start().no_builtin_variables {
            opts.no_builtin_rules = true;
        }
        // `--debug` words add up; those of the environment and the command
        // line come first in MAKEFLAGS, the makefile's after them.
        let mut specs = self.switches_at_start().debug_specs;
        specs.extend(
            opts.debug_specs
                .iter()
                .filter(|s| !specs.contains(s))
                .cloned()
                .collect::<Vec<_>>(),
        );
        opts.debug_specs = specs;
        // What the parsers cannot know stays as it was.
        opts.variables = self.invocation.options.variables.clone();
        opts.shuffle = self.invocation.options.shuffle.clone();
        opts.jobs_on_command_line = self.invocation.options.jobs_on_command_line;
        // `.IGNORE:` with no prerequisites is -i: MAKEFLAGS says so from
        // the next time it is written (GNU 4.4.1 and 4.3).
        opts.ignore_errors |= self.db.ignore_all;
        let include_dirs_changed = opts.include_dirs != self.invocation.options.include_dirs;
        let print_directory_on = opts.print_directory == Some(true)
            && self.invocation.options.print_directory != Some(true);
        if opts.version {
            options::owe_version();
        }
        let level = self.invocation.level;
        let printed_directory = self.invocation.options.prints_directory(level);
        let prints_directory = opts.prints_directory(level);
        self.invocation.options = Rc::new(opts);
        if include_dirs_changed {
            let dirs =
                crate::options::include_path(&self.invocation.options.include_dirs).join(&b' ');
            self.set_global(b".INCLUDE_DIRS", &dirs, Flavor::Simple, Origin::Default);
        }
        if self.invocation.options.syncs_per_block() {
            // -O's blocks name the directory as the setting is when each
            // is written: the makefiles' own block too (GNU 4.4.1).
            if prints_directory && !printed_directory {
                diag::set_sync_directory(&self.invocation.cwd);
            } else if !prints_directory {
                diag::end_sync_directory();
            }
        } else if print_directory_on {
            // A restarted make already said where it is.
            let restarted = crate::diag::entered_before_restart();
            // Said when make first prints, as for -w at start: under -q,
            // maybe never.
            diag::defer_enter_directory(&self.invocation.cwd, restarted);
        } else if self.invocation.options.print_directory == Some(false) {
            diag::cancel_enter_directory();
        } else if self.invocation.options.print_directory.is_none()
            && self.invocation.options.silent
        {
            // `-s` implies --no-print-directory, turned on by a makefile too.
            diag::cancel_enter_directory();
        }
        self.publish_makeflags();
        Ok(variables)
    }

    /// Whether MAKEFLAGS is make's own form and refers to MAKEOVERRIDES:
    /// asked before GNUMAKEFLAGS's switches write it afresh (GNU 4.4.1).
    pub fn makeflags_refers_to_overrides(&self) -> bool {
        !self.makeflags_as_written()
            && self
                .global_value(b"MAKEFLAGS")
                .is_some_and(|v| memchr::memmem::find(v, OVERRIDES_REF).is_some())
    }

    /// Whether MAKEFLAGS, decoded now (its `variables`, and MAKEOVERRIDES's
    /// when it still refers to them), assigns SHELL: only then does GNU
    /// 4.4.1 define the command line's SHELL again under -e (see
    /// `Reading::command_line_shell_for_recipes`). A command line's
    /// `MAKEFLAGS=k`, or a makefile's `MAKEOVERRIDES =`, leaves /bin/sh.
    pub fn makeflags_assign_shell(&mut self, variables: &[Vec<u8>]) -> diag::Result<bool> {
        let is_shell = |a: &Vec<u8>| split_word(a).is_some_and(|(name, _, _)| name == b"SHELL");
        if variables.iter().any(is_shell) {
            return Ok(true);
        }
        if !self.makeflags_refers_to_overrides() {
            return Ok(false);
        }
        Ok(self.overrides_assignments()?.iter().any(is_shell))
    }

    /// The assignments MAKEOVERRIDES holds as the makefiles left it. Read
    /// with MAKEFLAGS once the makefiles are read (GNU 4.4.1; not 4.3), they
    /// are defined again as the environment's: a command-line `X?=v` that
    /// left X as it was (a special variable's default) makes X's origin
    /// `environment` from then on, and `MAKEOVERRIDES += W=1` defines W.
    /// A command-line variable the makefiles undefined stays undefined, as
    /// the manual has it (README, Differences from GNU make).
    fn overrides_assignments(&mut self) -> diag::Result<Vec<Vec<u8>>> {
        let mut overrides = b" -- ".to_vec();
        self.expand_var(b"MAKEOVERRIDES", &mut overrides)?;
        let mut opts = Options::default();
        let _ = options::parse_makeflags(&mut opts, &overrides);
        let undefined = |name: &[u8]| {
            self.globals.get(name).is_none()
                && self
                    .invocation
                    .options
                    .variables
                    .iter()
                    .any(|a| split_word(a).is_some_and(|(n, _, _)| n == name))
        };
        let mut variables = opts.variables;
        variables.retain(|a| split_word(a).is_none_or(|(name, _, _)| !undefined(name)));
        Ok(variables)
    }

    /// `-r` that came from the makefiles (`MAKEFLAGS = r`): SUFFIXES is
    /// emptied and the default suffix list goes as with `-r` on the command
    /// line, unless the makefiles named `.SUFFIXES` themselves (as GNU 4.4.1
    /// does).
    fn drop_default_suffixes(&mut self) {
        if let Some(v) = self.globals.get_mut(b"SUFFIXES") {
            if v.origin == Origin::Default {
                v.set_value(Vec::new());
            }
        }
        let Some(id) = self.db.lookup(b".SUFFIXES") else {
            return;
        };
        if !self.db.file(id).is_target {
            self.db.file_mut(id).rule.deps.clear();
        }
    }

    /// After all makefiles are read: the MAKEFLAGS variable is decoded once
    /// more, options that imply others take effect (`-R` implies `-r`),
    /// built-in variables go if `-R` came late (they were
    /// `builtin_variables_defined` at start; with `-R` at start, the ones
    /// `.POSIX` defined stay, as in GNU 4.4.1), and MAKEFLAGS is written
    /// afresh. Returns the variable assignments MAKEFLAGS still holds (a
    /// command line's `MAKEFLAGS='k V=1'`), to define.
    /// `refers_to_overrides`: MAKEFLAGS, as the makefiles left it, refers
    /// to MAKEOVERRIDES (see `makeflags_refers_to_overrides`).
    pub fn makeflags_after_reading(
        &mut self,
        builtin_variables_defined: bool,
        refers_to_overrides: bool,
    ) -> diag::Result<Vec<Vec<u8>>> {
        let mut variables = self.decode_makeflags_variable()?;
        if refers_to_overrides {
            variables.extend(self.overrides_assignments()?);
        }
        let mut opts = (*self.invocation.options).clone();
        if opts.no_builtin_variables && !opts.no_builtin_rules {
            opts.no_builtin_rules = true;
        }
        if opts.no_builtin_rules {
            self.drop_default_suffixes();
        }
        if opts.no_builtin_variables && builtin_variables_defined {
            let builtin: Vec<&[u8]> = crate::rules::builtin::VARIABLES
                .iter()
                .map(|v| v.0)
                .collect();
            for name in builtin {
                if self
                    .globals
                    .get(name)
                    .is_some_and(|v| v.origin == Origin::Default)
                {
                    self.globals.remove(name);
                }
            }
        }
        self.invocation.options = Rc::new(opts);
        self.publish_makeflags();
        Ok(variables)
    }
}

/// The text of an options error that stops make (`*** text.  Stop.`), as a
/// [`diag::Fatal`] says it; `None` for one that is only said. (A bad
/// `--shuffle` mode in MAKEFLAGS does not stop GNU 4.4.1: it is left as it
/// was.)
fn fatal_text(message: &str) -> Option<&str> {
    let text = message.strip_prefix("*** ")?.strip_suffix(".  Stop.")?;
    (!text.starts_with("invalid shuffle mode")).then_some(text)
}
