//! `--trace` (`--debug=print,why`): the line saying why a target's recipe
//! runs, `FILE:N: update target 'T' due to: REASON`, and whether every
//! command is shown. As GNU 4.4.1: like all debug output, neither is shown
//! while the makefiles are remade unless `--debug=m` asks; the line comes
//! once the recipe is expanded, before anything runs, `-q`'s answer
//! included, but not for a recipe `-t` replaces by a touch nor for one
//! written without a command.

use super::seams::{FileTimes, Jobs};
use super::{Planner, Resolved};
use crate::diag;
use crate::rules::{FileId, Recipe};

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// Whether a recipe about to be expanded for `id` gets its "update
    /// target" line.
    pub(super) fn explains(&self, resolved: &Resolved, touched: bool) -> bool {
        let opts = &self.ev.invocation.options;
        (opts.trace || opts.debug.why)
            && self.debug_now()
            && !touched
            && resolved
                .recipe
                .as_ref()
                .is_some_and(|r| writes_a_command(r))
    }

    /// `--trace` and `--debug=print` echo every command, `@` or not.
    pub(super) fn shows_every_command(&self) -> bool {
        let opts = &self.ev.invocation.options;
        (opts.trace || opts.debug.print) && self.debug_now()
    }

    /// Debug output is shown: not while makefiles are remade, which only
    /// `--debug=m` shows.
    fn debug_now(&self) -> bool {
        !self.makefiles_phase || self.ev.invocation.options.debug.makefile
    }

    /// The files the "update target" line names: those `$?` names, or,
    /// when it names none, every prerequisite (order-only and
    /// `.EXTRA_PREREQS` too, as listed, each once) that does not exist or
    /// is phony: GNU 4.4.1 says `due to: c` for a `.EXTRA_PREREQS` file
    /// `c` whose recipe made no file, where `$?` is empty.
    pub(super) fn reasons(&mut self, resolved: &Resolved, newer: &[FileId]) -> Vec<FileId> {
        let named = super::automatic::newer_named(resolved, newer);
        if !named.is_empty() {
            return named;
        }
        let mut missing = Vec::new();
        for dep in &resolved.deps {
            let f = dep.file();
            let absent = self.ev.db.file(f).phony || self.mtime_of(f).is_none();
            if absent && !missing.contains(&f) {
                missing.push(f);
            }
        }
        missing
    }

    /// Prints why `id`'s recipe runs: where the recipe is (`<builtin>` for
    /// the built-in rules), then .PHONY, a missing file, or the newer
    /// prerequisites (`$?`), which may be none (`-B`, a `::` rule without
    /// prerequisites).
    pub(super) fn explain(&self, id: FileId, resolved: &Resolved, newer: &[FileId], missing: bool) {
        let file = self.ev.db.file(id);
        let loc = match &resolved.recipe {
            Some(r) if r.loc.line > 0 => r.loc.to_string(),
            _ => "<builtin>".to_string(),
        };
        let target = diag::show(file.name);
        let why = if file.phony {
            "target is .PHONY".to_string()
        } else if missing {
            "target does not exist".to_string()
        } else if newer.is_empty() {
            "unknown reasons".to_string()
        } else {
            let names: Vec<String> = newer
                .iter()
                .map(|&f| diag::show(self.ev.db.file(f).name).to_string())
                .collect();
            names.join(" ")
        };
        crate::diag::message_line(format_args!(
            "{loc}: update target '{target}' due to: {why}"
        ));
    }
}

/// Whether some line of `recipe` holds more than blanks and the prefixes
/// `@`, `-` and `+`: GNU treats a recipe without one as no recipe at all,
/// while one whose lines merely expand to nothing is still explained.
fn writes_a_command(recipe: &Recipe) -> bool {
    recipe.lines.iter().any(|line| {
        line.text
            .iter()
            .any(|b| !matches!(b, b' ' | b'\t' | b'@' | b'-' | b'+'))
    })
}
