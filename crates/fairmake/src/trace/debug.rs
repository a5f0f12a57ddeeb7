//! `--debug` (`-d`): the narration of a build in GNU make 4.4.1's words,
//! order and indentation. The planner and the executor decide *when* a
//! line is due (and only when its category is on: nothing here runs on
//! the normal path); this module owns *what* each line says and how it
//! is laid out, so the wording lives in one place.
//!
//! Indentation, as GNU 4.4.1 prints it: a file the walk considers at
//! depth `d` has its "Considering", "Finished prerequisites", "Must
//! remake" and "Successfully remade" lines at `d` blanks, and what is
//! found while looking at it ("File ... does not exist", the implicit
//! rule search, its prerequisites' own "Considering") one blank further.
//! The implicit rule search indents each link of a chain one more.

use std::fmt;

/// One debugging line on stdout, `indent` blanks in.
pub fn line(indent: usize, text: fmt::Arguments<'_>) {
    crate::diag::out_line(format_args!("{:indent$}{text}", ""));
}

/// A pattern rule as the search names it: `%.o: %.c`, `%:: %,v` (a
/// terminal rule), `%.x %.y: %.z | %.w`, `%.o:` (no prerequisites).
/// The global `.EXTRA_PREREQS` (`extras`) are the rule's prerequisites
/// too: they follow its own, before the order-only ones (`%.o: %.c m`,
/// `%:: m`), as GNU 4.4.1 names the rule.
pub fn rule_text_with(rule: &crate::rules::PatternRule, extras: &[Vec<u8>]) -> String {
    let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut text = rule
        .targets
        .iter()
        .map(|t| show(&t.text))
        .collect::<Vec<_>>()
        .join(" ");
    text.push_str(if rule.terminal { "::" } else { ":" });
    for d in rule.deps.iter().chain(extras) {
        text.push(' ');
        text.push_str(&show(d));
    }
    if !rule.order_only.is_empty() {
        text.push_str(" |");
        for d in &rule.order_only {
            text.push(' ');
            text.push_str(&show(d));
        }
    }
    text
}

/// `--debug=b`: what heads the `rm` line deleting intermediate files.
pub const REMOVING_INTERMEDIATES: &str = "Removing intermediate files...";

/// The words of the walk's lines about one file (`{}` is its name).
pub mod walk {
    pub const CONSIDERING: &str = "Considering target file '{}'.";
    pub const CONSIDERED_ALREADY: &str = "File '{}' was considered already.";
    pub const DOES_NOT_EXIST: &str = "File '{}' does not exist.";
    pub const FINISHED_PREREQUISITES: &str = "Finished prerequisites of target file '{}'.";
    pub const MUST_REMAKE: &str = "Must remake target '{}'.";
    pub const NO_NEED: &str = "No need to remake target '{}'.";
    pub const REMADE: &str = "Successfully remade target file '{}'.";
    pub const FAILED: &str = "Failed to remake target file '{}'.";
    pub const GIVING_UP: &str = "Giving up on target file '{}'.";
    pub const DOUBLE_COLON_ALONE: &str = "Target '{}' is double-colon and has no prerequisites.";
    pub const PRUNING: &str = "Pruning file '{}'.";
    pub const NEEDS_REMAKING_UNDER_Q: &str = "Target file '{}' needs to be remade under -q.";
    pub const LOOKING_FOR_IMPLICIT: &str = "Looking for an implicit rule for '{}'.";
    pub const NO_IMPLICIT: &str = "No implicit rule found for '{}'.";
    pub const DEFAULT_RECIPE: &str = "Using default recipe for '{}'.";
}

/// The words of the implicit rule search (`--debug=i`).
pub mod search {
    use super::line;

    pub fn trying_rule(indent: usize, rule: &str, stem: &str) {
        line(
            indent,
            format_args!("Trying pattern rule '{rule}' with stem '{stem}'."),
        );
    }
    pub fn trying_prerequisite(indent: usize, name: &str, with_percent: bool) {
        let kind = if with_percent { "implicit" } else { "rule" };
        line(indent, format_args!("Trying {kind} prerequisite '{name}'."));
    }
    pub fn found(indent: usize, name: &str) {
        line(indent, format_args!("Found '{name}'."));
    }
    pub fn found_by_vpath(indent: usize, name: &str, path: &str) {
        line(
            indent,
            format_args!("Found prerequisite '{name}' as VPATH '{path}'."),
        );
    }
    pub fn not_found(indent: usize, name: &str) {
        line(indent, format_args!("Not found '{name}'."));
    }
    pub fn trying_harder(indent: usize) {
        line(indent, format_args!("Trying harder."));
    }
    pub fn looking_for_intermediate(indent: usize, name: &str) {
        line(
            indent,
            format_args!("Looking for a rule with intermediate file '{name}'."),
        );
    }
    pub fn avoiding_recursion(indent: usize, rule: &str) {
        line(
            indent,
            format_args!("Avoiding implicit rule recursion for rule '{rule}'."),
        );
    }
    pub fn rejecting_impossible(indent: usize, rule: &str, name: &str, implicit: bool) {
        let kind = if implicit { " implicit" } else { "" };
        line(
            indent,
            format_args!("Rejecting rule '{rule}' due to impossible{kind} prerequisite '{name}'."),
        );
    }
    pub fn ought_to_exist(indent: usize, name: &str) {
        line(indent, format_args!("'{name}' ought to exist."));
    }
    pub fn does_not_qualify(indent: usize, name: &str, rule: &str) {
        line(
            indent,
            format_args!(
                "Prerequisite '{name}' of rule '{rule}' does not qualify as ought to exist."
            ),
        );
    }
    pub fn using_compatibility_rule(indent: usize, rule: &str, name: &str) {
        line(
            indent,
            format_args!("Using compatibility rule '{rule}' due to '{name}'."),
        );
    }
    pub fn searching_compatibility(indent: usize, name: &str) {
        line(
            indent,
            format_args!("Searching for a compatibility rule for '{name}'."),
        );
    }
    pub fn looking_for_explicit(indent: usize, name: &str) {
        line(
            indent,
            format_args!("Looking for a rule with explicit file '{name}'."),
        );
    }
    pub fn found_rule(indent: usize, rule: &str, name: &str) {
        line(
            indent,
            format_args!("Found implicit rule '{rule}' for '{name}'."),
        );
    }
    pub fn no_rule(indent: usize, name: &str) {
        line(indent, format_args!("No implicit rule found for '{name}'."));
    }
}

/// `--debug=j`: a job's life. A job is put on the chain once, as its
/// first command starts; each command is a live child, reaped as it ends;
/// the job leaves the chain once, after its last command (or the one that
/// failed). `id` names the job (GNU prints its child's address).
pub mod jobs {
    use super::flush_line;

    pub fn putting(id: usize, name: &str, pid: u32) {
        flush_line(format_args!(
            "Putting child {id:#x} ({name}) PID {pid} on the chain."
        ));
    }
    pub fn live(id: usize, name: &str, pid: u32) {
        flush_line(format_args!("Live child {id:#x} ({name}) PID {pid} "));
    }
    pub fn reaping(id: usize, pid: u32, won: bool) {
        let how = if won { "winning" } else { "losing" };
        flush_line(format_args!("Reaping {how} child {id:#x} PID {pid} "));
    }
    pub fn removing(id: usize, pid: u32) {
        flush_line(format_args!("Removing child {id:#x} PID {pid} from chain."));
    }
}

/// A `--debug=j` line, flushed at once: a job's children write to the
/// same place.
fn flush_line(text: fmt::Arguments<'_>) {
    crate::diag::flushed_line(text.to_string().as_bytes());
}
