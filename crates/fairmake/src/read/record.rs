//! Recording a rule line into the database: its targets' rules, its
//! prerequisites, its pattern rule. GNU records a rule only when the line
//! after its recipe starts (a directive, an assignment, the next rule, the
//! end of the text), not when it reads the rule line: a conditional in
//! between, whose test may `$(eval)` rules of its own, comes first. So the
//! reader keeps what it read of the line (`Unrecorded`) in the rule's
//! context, and `record` enters it when the rule ends, just before the
//! recipe is attached; the `target file 'x' has both : and :: entries`
//! error is found then.

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::rc::Rc;

use thin_vec::ThinVec;

use super::names::{intern_deps, intern_static_deps, strip_dot_slash, unescape_colons};
use super::rule_line::escape_dollars;
use super::separators::{split_order_only, words_outside_refs};
use super::special_targets::special_target;
use super::RuleContext;
use crate::diag::{self, Loc};
use crate::eval::Evaluator;
use crate::pattern::PercentPattern;
use crate::rules::{Deferred, FileId, PatternRule, Rule};
use crate::words;

/// A rule line read but not recorded yet: its targets (expanded) and what
/// the line says of them.
pub struct Unrecorded {
    pub(super) targets: Vec<Vec<u8>>,
    /// Which targets look like patterns; the first decides whether this
    /// is a pattern rule.
    pub(super) patterns: Vec<bool>,
    pub(super) line: Line,
    /// Where messages of the recording are (the rule line; `None` for an
    /// `$(eval)` from no makefile line).
    pub(super) loc: Option<Loc>,
}

/// Enters the rule line `ctx` holds into the database (if it holds one not
/// recorded yet), filling in the targets its recipe goes to and the notes
/// to say; a `:`/`::` clash stops it, the error waiting in `ctx.pending`.
pub fn record(ev: &mut Evaluator, ctx: &mut RuleContext) {
    let Some(unrecorded) = ctx.unrecorded.take() else {
        return;
    };
    let Unrecorded {
        targets,
        patterns,
        line,
        loc,
    } = *unrecorded;
    let saved = std::mem::replace(&mut ev.loc, loc);
    if patterns[0] {
        pattern_rule(ev, ctx, &targets, &line);
    } else {
        explicit_rules(ev, ctx, &targets, &patterns, &line);
    }
    ev.loc = saved;
}

/// What a rule line's recipe will be attached to.
pub enum RecipeTarget {
    /// The single-colon rule of a file, and what the rule line added to it.
    Single(FileId, Added),
    /// Double-colon rule number `.1` of a file.
    Double(FileId, usize),
    /// A pattern rule by index.
    Pattern(usize),
}

/// What one rule line added to a target's single-colon rule: a run of
/// prerequisites, or a list left for the second expansion. A recipe brings
/// them to the front, as GNU lists the prerequisites of the rule with the
/// recipe first.
pub struct Added {
    pub deps: std::ops::Range<usize>,
    pub deferred: Option<usize>,
}

/// What one rule line says of all its targets, once they are read.
pub(super) struct Line {
    /// `::`: each target gets a rule of its own, or a pattern rule is
    /// terminal.
    pub double_colon: bool,
    /// `&:`: the targets are made together.
    pub grouped: bool,
    /// A static pattern rule's target pattern (`targets: pattern: prereqs`).
    pub static_pattern: Option<Vec<u8>>,
    /// The prerequisites, expanded (unless the line was).
    pub prereq_text: Vec<u8>,
    /// `.SECONDEXPANSION` was on when the prerequisites were expanded.
    pub second: bool,
    /// The prerequisites of a file's rule wait for the second expansion.
    pub deferred: bool,
    /// A grouped rule's targets, when it has more than one.
    pub group: Option<Rc<Vec<FileId>>>,
    pub loc: Loc,
}

/// A pattern rule (`%.o: %.c`), one rule for all its target patterns;
/// `::` makes it terminal.
fn pattern_rule(ev: &mut Evaluator, ctx: &mut RuleContext, targets: &[Vec<u8>], line: &Line) {
    let second = line.second;
    let (normal, order_only) = split_order_only(&line.prereq_text);
    // Text left for a second expansion is split into words around its
    // references: `$(sort %.c)` stays one word.
    // A leading `./` goes as it does from file names, before the stem
    // goes in: Kbuild's `$(obj)/%.s: $(src)/%.c` with `obj := .` gives
    // `kernel/bounds.c`, not `kernel/./bounds.c`.
    let split = |text: &[u8]| -> Vec<Vec<u8>> {
        if second && memchr::memchr(b'$', text).is_some() {
            words_outside_refs(text)
        } else {
            words::words(text)
                .map(|w| strip_dot_slash(w).to_vec())
                .collect()
        }
    };
    let deps = split(normal);
    let order_only = split(order_only);
    // A prerequisite without `%` is mentioned only once the rule is used
    // for a file (`Planner::mention_plain_prereqs`): named by a rule no
    // file is made by, it may still be an intermediate file (GNU 4.4.1).
    let index = ev.db.pattern_rules.len();
    ev.db.pattern_rules.push(PatternRule {
        targets: targets.iter().map(|t| PercentPattern::new(t)).collect(),
        deps,
        order_only,
        recipe: None,
        terminal: line.double_colon,
        builtin: false,
    });
    ctx.targets.push(RecipeTarget::Pattern(index));
}

/// The targets of explicit and static pattern rules, each in turn: the
/// warnings about it, then its rule.
fn explicit_rules(
    ev: &mut Evaluator,
    ctx: &mut RuleContext,
    targets: &[Vec<u8>],
    patterns: &[bool],
    line: &Line,
) {
    let mut seen: Vec<FileId> = Vec::with_capacity(targets.len());
    // Every target a grouped rule names, as often as it is named.
    let mut named: Vec<FileId> = Vec::new();
    for (target, &pattern) in targets.iter().zip(patterns) {
        let note = |ctx: &mut RuleContext, text: String| {
            ctx.notes.push((ctx.targets.len(), text, false));
        };
        if line.grouped {
            named.push(ev.db.intern(target));
        }
        if pattern {
            note(
                ctx,
                "*** mixed implicit and normal rules: deprecated syntax".into(),
            );
        }
        // Each time the target is named, even twice in the rule.
        let mismatch = line
            .static_pattern
            .as_ref()
            .is_some_and(|p| PercentPattern::new(p).match_stem(target).is_none());
        if mismatch {
            let text = format!(
                "target '{}' doesn't match the target pattern",
                diag::show(target)
            );
            note(ctx, text);
        }
        let id = ev.db.intern(target);
        if line.grouped && line.double_colon && seen.contains(&id) {
            // A grouped `::` rule is one rule for its group: a target
            // named twice in it gets it once, and GNU says nothing.
            continue;
        }
        if !line.double_colon && seen.contains(&id) {
            // Said only if a recipe comes (it would be given twice).
            let text = format!(
                "target '{}' given more than once in the same rule",
                diag::show(target)
            );
            ctx.notes.push((ctx.targets.len(), text, true));
            // Its prerequisites are added again, as GNU does.
            let before = ctx.targets.len();
            if explicit_rule(ev, ctx, id, target, line).is_break() {
                return;
            }
            merge_repeat(ctx, before, id);
            continue;
        }
        seen.push(id);
        if explicit_rule(ev, ctx, id, target, line).is_break() {
            return;
        }
    }
    // GNU joins a group from the last target named to the first: one
    // already in a group (an earlier rule's, or this one's when named
    // twice) has its membership overridden. Grouped `::` rules are each a
    // group of their own: a target may be in several, as in GNU.
    for &id in named.iter().rev().filter(|_| !line.double_colon) {
        if !ev.db.group_members.insert(id) {
            ctx.regrouped.push(id);
            // Grouped alone now (`a&:`): it has no peers any more.
            if line.group.is_none() {
                ev.db.file_mut(id).rule.set_group(Some(Rc::new(vec![id])));
            }
        }
    }
}

/// A target named again in its rule line added its prerequisites a second
/// time: one run with the first naming's (the recipe brings both to the
/// front), not a second target for the recipe.
fn merge_repeat(ctx: &mut RuleContext, before: usize, id: FileId) {
    if ctx.targets.len() <= before {
        return;
    }
    let Some(RecipeTarget::Single(_, again)) = ctx.targets.pop() else {
        return;
    };
    let first = ctx.targets.iter_mut().find_map(|t| match t {
        RecipeTarget::Single(t, added) if *t == id => Some(added),
        _ => None,
    });
    if let Some(first) = first {
        if first.deps.end == again.deps.start {
            first.deps.end = again.deps.end;
        }
    }
}

/// The rule one target gets from the line: its prerequisites (through the
/// static pattern's stem), or what a special target does. Breaks when the
/// rule cannot be recorded (the error is pending in `ctx`).
fn explicit_rule(
    ev: &mut Evaluator,
    ctx: &mut RuleContext,
    id: FileId,
    target: &[u8],
    line: &Line,
) -> ControlFlow<()> {
    let (deps_text, stem) = match &line.static_pattern {
        Some(pattern) => {
            let pat = PercentPattern::new(pattern);
            let Some(stem) = pat.match_stem(target) else {
                // GNU records the target as if named with no prerequisites
                // (a `::` rule of its own if the line says `::`; a
                // special target's meaning, as `.SUFFIXES:` clearing), and
                // its stem, `$*`, is its whole name.
                return explicit_rule_with(ev, ctx, id, target, b"", Some(target.to_vec()), line);
            };
            // A stem substituted into text left for the second expansion
            // is not expanded again: its `$`s are escaped.
            let escaped;
            let stem_text = if line.deferred {
                escaped = escape_dollars(stem);
                &escaped
            } else {
                stem
            };
            (
                Cow::Owned(substitute_each(&line.prereq_text, stem_text)),
                Some(stem.to_vec()),
            )
        }
        None => (Cow::Borrowed(&line.prereq_text[..]), None),
    };
    explicit_rule_with(ev, ctx, id, target, &deps_text, stem, line)
}

/// The rule for one target of the line, with the prerequisites
/// `deps_text` (unexpanded if the line is left for the second expansion).
fn explicit_rule_with(
    ev: &mut Evaluator,
    ctx: &mut RuleContext,
    id: FileId,
    target: &[u8],
    deps_text: &[u8],
    stem: Option<Vec<u8>>,
    line: &Line,
) -> ControlFlow<()> {
    let before = ev.db.file(id).rule.deps.len();
    if special_target(ev, id, target, deps_text) {
        // A recipe still goes to the special target's file, as GNU keeps
        // it (a second one is said to override it), and puts the line's
        // prerequisites first, as for any target: `.SUFFIXES: .c` with a
        // recipe puts `.c` before the known suffixes.
        let after = ev.db.file(id).rule.deps.len();
        let added = Added {
            deps: before.min(after)..after,
            deferred: None,
        };
        ctx.targets.push(RecipeTarget::Single(id, added));
        return ControlFlow::Continue(());
    }
    record_rule(ev, ctx, id, target, deps_text, stem, line)
}

/// Makes `id` a target of this line: stops the line if it mixes `:` and
/// `::` for the file (the error waits in `ctx`).
fn claim_target(
    ev: &mut Evaluator,
    ctx: &mut RuleContext,
    id: FileId,
    target: &[u8],
    double_colon: bool,
) -> ControlFlow<()> {
    let file = ev.db.file_mut(id);
    if colons_clash(file, double_colon) {
        ctx.pending = Some(both_colons(ev, target));
        return ControlFlow::Break(());
    }
    file.is_target = true;
    ControlFlow::Continue(())
}

/// Adds the prerequisites `deps_text` to the target's rule (or to a new
/// `::` rule), or leaves them for the second expansion.
fn record_rule(
    ev: &mut Evaluator,
    ctx: &mut RuleContext,
    id: FileId,
    target: &[u8],
    deps_text: &[u8],
    stem: Option<Vec<u8>>,
    line: &Line,
) -> ControlFlow<()> {
    let (double_colon, deferred) = (line.double_colon, line.deferred);
    let deps = if deferred {
        ThinVec::new()
    } else if let Some(stem) = stem.as_deref().filter(|_| !deps_text.is_empty()) {
        // (The line's own text: whether a word had a `%` matters.)
        intern_static_deps(ev, &line.prereq_text, stem)
    } else if stem.is_some() {
        ThinVec::new()
    } else {
        intern_deps(ev, deps_text)
    };
    claim_target(ev, ctx, id, target, double_colon)?;
    let file = ev.db.file_mut(id);
    let rule = if double_colon {
        let rules = file.double_colon_mut();
        rules.push(Rule::new(stem.clone(), line.group.clone()));
        rules.last_mut().expect("just pushed")
    } else {
        &mut file.rule
    };
    let added = Added {
        deps: rule.deps.len()..rule.deps.len() + deps.len(),
        deferred: deferred.then_some(rule.deferred().len()),
    };
    if deferred {
        let at = rule.deps.len();
        rule.deferred_mut().push(Deferred {
            // `\:` is a colon here too: `$$(@\:%=%.o)` is a substitution.
            text: unescape_colons(deps_text),
            at,
            stem: stem.clone(),
        });
    }
    if rule.deps.is_empty() {
        // The first list for this target: kept as it is (no copy).
        rule.deps = deps;
    } else {
        rule.deps.extend(deps);
    }
    if double_colon {
        let n = file.double_colon().len() - 1;
        ctx.targets.push(RecipeTarget::Double(id, n));
    } else {
        // The last static pattern rule naming the target sets `$*`.
        file.rule.set_stem(stem);
        file.rule.set_group(line.group.clone());
        ctx.targets.push(RecipeTarget::Single(id, added));
    }
    ControlFlow::Continue(())
}

/// A target of a single-colon rule (with or without prerequisites and
/// recipe) cannot get a `::` one, nor the reverse.
fn colons_clash(file: &crate::rules::File, double_colon: bool) -> bool {
    if double_colon {
        file.is_target && file.double_colon().is_empty()
    } else {
        !file.double_colon().is_empty()
    }
}

fn both_colons(ev: &Evaluator, target: &[u8]) -> diag::Fatal {
    ev.fatal(format!(
        "target file '{}' has both : and :: entries",
        diag::show(target)
    ))
}

/// Substitutes the stem into each prerequisite pattern of a static rule.
fn substitute_each(text: &[u8], stem: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut first = true;
    for w in words::words(text) {
        if !first {
            out.push(b' ');
        }
        first = false;
        if w == b"|" {
            out.push(b'|');
            continue;
        }
        PercentPattern::new(w).substitute(stem, &mut out);
    }
    out
}
