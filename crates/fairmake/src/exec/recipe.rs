//! A recipe made ready to run: each line expanded in the target's scope,
//! its prefixes (`@`, `-`, `+`) decoded, `.ONESHELL` and `.SILENT`/
//! `.IGNORE`/`.POSIX` applied, and whether a line is recursive (`+`, or
//! `$(MAKE)` in its text) worked out, as the executor needs it.

use super::shell;
use crate::diag::{self, Loc, Result};
use crate::eval::Evaluator;
use crate::rules::Recipe;

/// One command of a recipe, expanded, with its prefixes decoded.
#[derive(Clone, Debug)]
pub struct PreparedLine {
    pub command: Vec<u8>,
    pub silent: bool,
    pub ignore_errors: bool,
    /// Make runs silently (`-s`, or `.SILENT:` naming no target): an
    /// ignored error goes unsaid, as in GNU make. `@` or `.SILENT: t`
    /// alone still let `Error 1 (ignored)` through.
    pub quiet_ignored: bool,
    /// `+` or `$(MAKE)`: runs even under `-n`, `-t`, `-q`.
    pub recursive: bool,
    pub loc: Loc,
    pub shell: Vec<u8>,
    pub shell_flags: Vec<u8>,
    /// The whole recipe as one command (`.ONESHELL`): SHELL is not split.
    pub oneshell: bool,
}

impl PreparedLine {
    /// How the command is run (see [`shell::invocation`]).
    pub fn invocation(&self) -> shell::Invocation {
        let caller = if self.oneshell {
            shell::Caller::OneShell
        } else {
            shell::Caller::Recipe
        };
        shell::invocation(&self.command, &self.shell, &self.shell_flags, caller)
    }
}

/// Expands a recipe's lines in the current scope (automatic variables set).
pub fn prepare_lines(ev: &mut Evaluator, recipe: &Recipe) -> Result<Vec<PreparedLine>> {
    let outer = ev.recipe_start.replace(recipe.loc.clone());
    let prepared = expand_lines(ev, recipe);
    ev.recipe_start = outer;
    prepared
}

fn expand_lines(ev: &mut Evaluator, recipe: &Recipe) -> Result<Vec<PreparedLine>> {
    let (shell, shell_flags) = shell::shell_and_flags(ev)?;
    // Under .POSIX the default flags are `-ec`, and `-c` for lines whose
    // errors are ignored; flags the makefile set are used as they are.
    let posix_flags = ev.db.posix
        && ev.with_var(b".SHELLFLAGS", |v| {
            v.is_none_or(|v| v.origin == crate::eval::vars::Origin::Default)
        });
    let flags_for = |ignore: bool| -> Vec<u8> {
        match (posix_flags, ignore) {
            (true, false) => b"-ec".to_vec(),
            (true, true) => b"-c".to_vec(),
            (false, _) => shell_flags.clone(),
        }
    };
    let target = ev
        .with_var(b"@", |v| v.map(|v| v.value.clone()))
        .unwrap_or_default();
    let silent_target = listed_in(ev, b".SILENT", &target);
    let ignore_target = listed_in(ev, b".IGNORE", &target);
    let quiet_ignored = ev.db.silent_all || ev.invocation.options.silent;
    let silent_all = quiet_ignored || silent_target;
    let ignore_all = ev.db.ignore_all || ev.invocation.options.ignore_errors || ignore_target;
    let mut out = Vec::new();
    let saved = ev.loc.clone();
    if ev.db.oneshell && !recipe.lines.is_empty() {
        let mut text = Vec::new();
        let mut recursive = false;
        // One script: GNU locates its expansion's messages at its first line.
        ev.loc = Some(recipe.lines[0].loc.clone());
        for (i, line) in recipe.lines.iter().enumerate() {
            recursive |= mentions_make(&line.text);
            if i > 0 {
                text.push(b'\n');
            }
            let expanded = ev.expand_text(&line.text)?;
            text.extend_from_slice(&expanded);
        }
        let (body, flags) = strip_prefixes(&text);
        // Later lines' prefix characters are removed too, as GNU does, when
        // the shell is a Bourne shell: to another interpreter (`SHELL =
        // perl`) they may be code.
        let body = if shell::is_bourne_compatible(&shell) {
            strip_oneshell_prefixes(body)
        } else {
            body.to_vec()
        };
        if is_blank_command(&body) {
            // As a line: GNU neither echoes nor runs an empty recipe
            // (`all: ;` is up to date).
            ev.loc = saved;
            return Ok(out);
        }
        out.push(PreparedLine {
            command: body,
            silent: flags.silent || silent_all,
            ignore_errors: flags.ignore || ignore_all,
            quiet_ignored,
            recursive: flags.recursive || recursive,
            loc: recipe.lines[0].loc.clone(),
            shell: shell.clone(),
            shell_flags: flags_for(flags.ignore || ignore_all),
            oneshell: true,
        });
        ev.loc = saved;
        return Ok(out);
    }
    for line in &recipe.lines {
        ev.loc = Some(line.loc.clone());
        let recursive_text = mentions_make(&line.text);
        // Prefixes written before any reference apply to every command the
        // line expands to (`@$(CANNED)` silences all of them).
        let (unexpanded, outer) = strip_prefixes(&line.text);
        let expanded = ev.expand_text(unexpanded)?;
        // An expansion with newlines (a canned recipe) is several commands.
        for piece in split_commands(&expanded) {
            let (body, mut flags) = strip_prefixes(piece);
            flags.silent |= outer.silent;
            flags.ignore |= outer.ignore;
            flags.recursive |= outer.recursive;
            if is_blank_command(body) {
                // GNU neither echoes nor runs an empty command.
                continue;
            }
            out.push(PreparedLine {
                command: body.to_vec(),
                silent: flags.silent || silent_all,
                ignore_errors: flags.ignore || ignore_all,
                quiet_ignored,
                recursive: flags.recursive || recursive_text,
                loc: line.loc.clone(),
                shell: shell.clone(),
                shell_flags: flags_for(flags.ignore || ignore_all),
                oneshell: false,
            });
        }
    }
    ev.loc = saved;
    Ok(out)
}

/// The prefix characters (`@-+` and blanks) that start each later recipe
/// line of a `.ONESHELL` script, removed; a line continued from the one
/// before (after a backslash) is no new recipe line and keeps them.
fn strip_oneshell_prefixes(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut continued = false;
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let was_continued = std::mem::replace(&mut continued, ends_with_backslash(line));
        if i > 0 && was_continued {
            out.push(b'\n');
            out.extend_from_slice(line);
        } else if i > 0 {
            out.push(b'\n');
            let n = line
                .iter()
                .take_while(|&&b| matches!(b, b'@' | b'-' | b'+' | b' ' | b'\t'))
                .count();
            out.extend_from_slice(&line[n..]);
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Whether `line` ends with an odd number of backslashes (continued).
fn ends_with_backslash(line: &[u8]) -> bool {
    line.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// Where a failed command came from, as GNU names it: `Makefile:3`, or
/// `<builtin>` for a built-in rule.
pub(super) fn recipe_place(loc: &Loc) -> String {
    if loc.line == 0 {
        diag::show(&loc.file).to_string()
    } else {
        loc.to_string()
    }
}

/// A command with nothing but blanks and backslash-newlines is no command.
fn is_blank_command(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\\' if body.get(i + 1) == Some(&b'\n') => i += 2,
            b if crate::words::is_space(b) => i += 1,
            _ => return false,
        }
    }
    true
}

/// Whether `target` is a prerequisite of the special target `special`.
fn listed_in(ev: &Evaluator, special: &[u8], target: &[u8]) -> bool {
    ev.db.lookup(special).is_some_and(|s| {
        ev.db
            .file(s)
            .rule
            .deps
            .iter()
            .any(|d| *ev.db.file(d.file()).name == *target)
    })
}

/// Whether a recipe, as written (before expansion), has a line with a `+`
/// prefix or naming `$(MAKE)`: what `-t` goes by to run it instead of
/// touching its target.
pub fn written_recursive(recipe: &Recipe) -> bool {
    recipe
        .lines
        .iter()
        .any(|l| strip_prefixes(&l.text).1.recursive || mentions_make(&l.text))
}

/// Whether unexpanded recipe text refers to `$(MAKE)` or `${MAKE}`.
fn mentions_make(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"$(MAKE)").is_some()
        || memchr::memmem::find(text, b"${MAKE}").is_some()
}

/// Splits an expanded recipe line at newlines not preceded by a backslash.
fn split_commands(text: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' && !crate::read::lines::ends_with_odd_backslashes(&text[start..i]) {
            pieces.push(&text[start..i]);
            start = i + 1;
        }
    }
    pieces.push(&text[start..]);
    pieces
}

#[derive(Default)]
struct PrefixFlags {
    silent: bool,
    ignore: bool,
    recursive: bool,
}

/// Removes leading blanks and `@`, `-`, `+` in any order.
fn strip_prefixes(line: &[u8]) -> (&[u8], PrefixFlags) {
    let mut flags = PrefixFlags::default();
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'@' => flags.silent = true,
            b'-' => flags.ignore = true,
            b'+' => flags.recursive = true,
            b' ' | b'\t' => {}
            _ => break,
        }
        i += 1;
    }
    (&line[i..], flags)
}
