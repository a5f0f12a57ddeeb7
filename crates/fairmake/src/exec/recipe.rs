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
    /// SHELL and .SHELLFLAGS: settled as the command starts (see
    /// [`settle_shell`]), but for a `.ONESHELL` script, as it is read.
    pub shell: Vec<u8>,
    pub shell_flags: Vec<u8>,
    /// The whole recipe as one command (`.ONESHELL`): SHELL is not split.
    pub oneshell: bool,
    /// Its own `-` prefix ignores its errors (not -i or `.IGNORE`): under
    /// `.POSIX` its default flags lose `-e`.
    pub dash_prefix: bool,
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

    /// A command make runs itself that has no words: blanks and a backslash
    /// ending it, which quotes nothing (`$(firstword \)`). GNU (4.4.1, 4.3)
    /// neither shows nor runs it, as an empty command; under another shell
    /// or other flags the shell gets it.
    pub fn has_no_words(&self) -> bool {
        matches!(self.invocation(), shell::Invocation::Direct(argv) if argv.is_empty())
    }
}

/// A recipe expanded: its commands, and what `-t` does once it has run
/// the recursive ones.
#[derive(Debug, Default)]
pub struct PreparedRecipe {
    pub lines: Vec<PreparedLine>,
    /// How many times `-t` touches the target after running the recipe's
    /// recursive commands (and skipping, unseen, the others), if they all
    /// succeed: see [`TouchCount`].
    pub touches: u8,
}

/// Counts, as the lines are expanded, how often GNU make's `-t` touches
/// the target of a recipe it runs for its recursive lines (a recipe
/// without one is touched instead, see [`written_recursive`]):
///
/// - never when every line is recursive: written so (`+`, `$(MAKE)`), or
///   made so by a `+` its expansion starts a command with;
/// - once when one is not (a blank line counts: it is no recursive one);
/// - twice when, moreover, the last command the recipe expands to (a
///   line expanding to nothing at all is none) is not run: not recursive,
///   or blank once its prefixes are removed, or `:` alone (see
///   [`runs_nothing`]). GNU then notices the job's
///   end both as its last line is passed over and as the job ends, and
///   each time touches (and says so).
#[derive(Default)]
struct TouchCount {
    nonrecursive_line: bool,
    /// Whether the last command so far is one that is not run.
    last_skipped: Option<bool>,
}

impl TouchCount {
    fn command(&mut self, recursive: bool, blank: bool) {
        self.last_skipped = Some(!recursive || blank);
    }

    fn line(&mut self, recursive: bool) {
        self.nonrecursive_line |= !recursive;
    }

    fn touches(&self, recipe: &Recipe) -> u8 {
        if !self.nonrecursive_line {
            0
        } else if self.last_skipped == Some(true) && !only_prefixes(recipe) {
            2
        } else {
            1
        }
    }
}

/// A recipe of nothing but blanks and prefix characters is no recipe to
/// GNU: not run as a job, its end is noticed once.
fn only_prefixes(recipe: &Recipe) -> bool {
    recipe.lines.iter().all(|l| {
        l.text
            .iter()
            .all(|&b| matches!(b, b'@' | b'-' | b'+') || crate::words::is_space(b))
    })
}

/// Expands a recipe's lines in the current scope (automatic variables set).
pub fn prepare_lines(ev: &mut Evaluator, recipe: &Recipe) -> Result<PreparedRecipe> {
    let outer = ev.recipe_start.replace(recipe.loc.clone());
    let prepared = expand_commands(ev, recipe);
    ev.recipe_start = outer;
    prepared
}

/// SHELL and .SHELLFLAGS for one command, expanded in its target's scope
/// as GNU does as it starts the command (or passes over it under -t and
/// -q, or shows it under -n): after the whole recipe is expanded, once per
/// command, what they say located at the command's line (at none for a
/// built-in recipe), after what the commands before it printed.
pub fn settle_shell(ev: &mut Evaluator, line: &mut PreparedLine) -> Result<()> {
    let saved = ev.loc.replace(line.loc.clone());
    let settled = settle_shell_here(ev, line);
    ev.loc = saved;
    settled
}

fn settle_shell_here(ev: &mut Evaluator, line: &mut PreparedLine) -> Result<()> {
    let dash_prefix = line.dash_prefix;
    let (shell, shell_flags) = shell::shell_and_flags(ev)?;
    // Under .POSIX the default flags are `-ec`, and `-c` for lines whose
    // errors are ignored by their `-` prefix (not by -i or `.IGNORE`, which
    // ignore the shell's failure but keep `-e`, as GNU 4.4 does); flags
    // the makefile set are used as they are, and so is the empty value of
    // a .SHELLFLAGS it undefined (no flags, as without .POSIX).
    let posix_flags = ev.db.posix
        && ev.with_var(b".SHELLFLAGS", |v| {
            v.is_some_and(|v| v.origin == crate::eval::vars::Origin::Default)
        });
    line.shell = shell;
    line.shell_flags = match (posix_flags, dash_prefix) {
        (true, false) => b"-ec".to_vec(),
        (true, true) => b"-c".to_vec(),
        (false, _) => shell_flags,
    };
    Ok(())
}

/// The recipe's commands, their shell not yet settled (but a `.ONESHELL`
/// script's).
fn expand_commands(ev: &mut Evaluator, recipe: &Recipe) -> Result<PreparedRecipe> {
    let target = ev
        .with_var(b"@", |v| v.map(|v| v.value.clone()))
        .unwrap_or_default();
    let silent_target = listed_in(ev, b".SILENT", &target);
    let ignore_target = listed_in(ev, b".IGNORE", &target);
    let quiet_ignored = ev.db.silent_all || ev.invocation.options.silent;
    let silent_all = quiet_ignored || silent_target;
    let ignore_all = ev.db.ignore_all || ev.invocation.options.ignore_errors || ignore_target;
    let mut out = Vec::new();
    let mut count = TouchCount::default();
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
        // (Which prefixes a later line loses depends on the shell.)
        let mut first = PreparedLine {
            command: Vec::new(),
            silent: false,
            ignore_errors: flags.ignore || ignore_all,
            quiet_ignored,
            recursive: false,
            loc: recipe.lines[0].loc.clone(),
            shell: Vec::new(),
            shell_flags: Vec::new(),
            oneshell: true,
            dash_prefix: flags.ignore,
        };
        // (Settled as it is read: it decides which prefixes its later
        // lines lose.)
        settle_shell(ev, &mut first)?;
        let shell = first.shell.clone();
        // Later lines lose the recipe prefix characters they start with and,
        // when the shell is a Bourne shell, their prefix characters too, as
        // in GNU: to another interpreter (`SHELL = perl`) they may be code.
        let body = strip_oneshell_prefixes(
            body,
            crate::read::recipe_prefix(ev),
            shell::is_bourne_compatible(&shell),
        );
        let recursive = flags.recursive || recursive;
        count.line(recursive);
        if !text.is_empty() {
            count.command(recursive, is_blank_command(&body));
        }
        let touches = count.touches(recipe);
        if is_blank_command(&body) {
            // As a line: GNU neither echoes nor runs an empty recipe
            // (`all: ;` is up to date).
            ev.loc = saved;
            return Ok(PreparedRecipe {
                lines: out,
                touches,
            });
        }
        out.push(PreparedLine {
            command: body,
            silent: flags.silent || silent_all,
            ignore_errors: flags.ignore || ignore_all,
            quiet_ignored,
            recursive,
            loc: recipe.lines[0].loc.clone(),
            shell: first.shell,
            shell_flags: first.shell_flags,
            oneshell: true,
            dash_prefix: flags.ignore,
        });
        ev.loc = saved;
        return Ok(PreparedRecipe {
            lines: out,
            touches,
        });
    }
    for line in &recipe.lines {
        ev.loc = Some(line.loc.clone());
        let recursive_text = mentions_make(&line.text);
        // Prefixes written before any reference apply to every command the
        // line expands to (`@$(CANNED)` silences all of them).
        let (unexpanded, outer) = strip_prefixes(&line.text);
        let expanded = ev.expand_text(unexpanded)?;
        // GNU marks the whole line recursive once one of its commands is:
        // the commands after it in the same line's expansion are too.
        let mut recursive_line = outer.recursive || recursive_text;
        // An expansion with newlines (a canned recipe) is several commands.
        for (i, piece) in split_commands(&expanded).into_iter().enumerate() {
            let (body, mut flags) = strip_prefixes(piece);
            flags.silent |= outer.silent;
            flags.ignore |= outer.ignore;
            recursive_line |= flags.recursive;
            // The written prefixes belong to the first command's text.
            let written_prefix = i == 0 && unexpanded.len() < line.text.len();
            if !piece.is_empty() || written_prefix {
                count.command(recursive_line, runs_nothing(body));
            }
            if is_blank_command(body) {
                // GNU neither echoes nor runs an empty command.
                continue;
            }
            out.push(PreparedLine {
                command: body.to_vec(),
                silent: flags.silent || silent_all,
                ignore_errors: flags.ignore || ignore_all,
                quiet_ignored,
                recursive: recursive_line,
                loc: line.loc.clone(),
                shell: Vec::new(),
                shell_flags: Vec::new(),
                oneshell: false,
                dash_prefix: flags.ignore,
            });
        }
        count.line(recursive_line);
    }
    ev.loc = saved;
    Ok(PreparedRecipe {
        lines: out,
        touches: count.touches(recipe),
    })
}

/// Each later recipe line of a `.ONESHELL` script without the recipe
/// prefix characters it starts with, then, for a `bourne` shell, without
/// the prefix characters (`@-+` and blanks) after them; a line continued
/// from the one before (after a backslash) is no new recipe line and keeps
/// them.
fn strip_oneshell_prefixes(body: &[u8], recipe_prefix: u8, bourne: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut continued = false;
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let was_continued = std::mem::replace(&mut continued, ends_with_backslash(line));
        if i > 0 && was_continued {
            out.push(b'\n');
            out.extend_from_slice(line);
        } else if i > 0 {
            out.push(b'\n');
            let line = &line[line.iter().take_while(|&&b| b == recipe_prefix).count()..];
            let n = match bourne {
                true => line
                    .iter()
                    .take_while(|&&b| matches!(b, b'@' | b'-' | b'+' | b' ' | b'\t'))
                    .count(),
                false => 0,
            };
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

/// A command GNU passes over without starting anything: a blank one, or
/// the no-op `:` alone (its -t touches its target once more after it, as
/// after a command not run; `: ` with a blank after it runs).
fn runs_nothing(body: &[u8]) -> bool {
    is_blank_command(body) || body == b":"
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
/// touching its target. Under `.ONESHELL` the recipe is one line: only the
/// first line's prefixes are its own.
pub fn written_recursive(recipe: &Recipe, oneshell: bool) -> bool {
    let prefixed = |l: &crate::rules::RecipeLine| strip_prefixes(&l.text).1.recursive;
    let mut lines = recipe.lines.iter();
    if oneshell {
        lines.clone().next().is_some_and(prefixed) || lines.any(|l| mentions_make(&l.text))
    } else {
        lines.any(|l| prefixed(l) || mentions_make(&l.text))
    }
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
