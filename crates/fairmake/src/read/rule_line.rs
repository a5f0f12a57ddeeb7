//! Rule lines: `targets : prerequisites | order-only ; recipe`, with double
//! colons, grouped targets, static patterns, pattern rules, target-specific
//! variables and special targets. Parts of them have files of their own:
//! `separators` (where the `:`, `;` and `|` are), `names` (the file
//! names), `target_vars`, `special_targets`, and `attach` (the recipe
//! that follows the line).

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::rc::Rc;

use thin_vec::ThinVec;

use super::names::{for_each_name, unescape_colons};
use super::separators::{find_colon, find_colon_in_expansion, split_recipe, words_outside_refs};
use super::special_targets::special_target;
use super::target_vars::target_variable;
use super::{lines, RuleContext};
use crate::diag::{self, Loc, Result};
use crate::eval::vars::Origin;
use crate::eval::Evaluator;
use crate::pattern::PercentPattern;
use crate::rules::{Deferred, FileId, PatternRule, Rule};
use crate::words::{self, trim};

// Used by the planner and the session through this module.
pub use super::names::{
    intern_deps, intern_extra_deps, intern_static_deps, normalize_name, strip_dot_slash,
};
pub use super::separators::split_order_only;

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

/// The result of parsing a line that is not an assignment or directive.
pub enum Parsed {
    /// The line expanded to nothing (e.g. `$(info ...)` alone).
    Nothing,
    Rule(RuleContext),
    /// No colon: the caller reports a missing separator.
    NotARule,
}

/// Parses and records a rule line. `raw` is the logical line as written;
/// `joined`, when given, is that line as the reader already has it, joined
/// and without its comment: it is the rule's text unless a `;` splits off a
/// recipe (which keeps its continuation lines as written).
pub fn parse(ev: &mut Evaluator, raw: &[u8], joined: Option<&[u8]>) -> Result<Parsed> {
    let raw = super::trim_start(raw);
    let (head_raw, recipe) = split_recipe(raw);
    let collapsed;
    let stripped;
    let head: &[u8] = match (joined, &recipe) {
        (Some(joined), None) => joined,
        _ => {
            collapsed = lines::collapse_continuations(head_raw);
            stripped = lines::strip_comment(&collapsed);
            &stripped
        }
    };
    let loc = super::current_loc(ev);
    let Some(colon) = find_colon(head) else {
        if recipe.is_some() && trim(head).is_empty() {
            return Err(ev.fatal("missing rule before recipe"));
        }
        let expanded = ev.expand_text(head)?;
        // Without a `;` as written, one the expansion gives starts the
        // recipe (`$(x)` with x `a: ; cmd`).
        let (expanded, recipe) = match recipe {
            Some(recipe) => (expanded, Some(recipe)),
            None => match expanded_recipe(&expanded) {
                Some((before, after)) => (before.to_vec(), Some(recipe_after_semicolon(after))),
                None => (expanded, None),
            },
        };
        if trim(&expanded).is_empty() {
            return Ok(Parsed::Nothing);
        }
        // A variable may expand to a whole rule: parse the expansion, escaping
        // nothing further.
        if let Some(c) = find_colon_in_expansion(&expanded) {
            let (targets, rest) = (expanded[..c].to_vec(), expanded[c..].to_vec());
            return rule(ev, &targets, &rest, recipe, loc, true);
        }
        return Ok(Parsed::NotARule);
    };
    rule(ev, &head[..colon], &head[colon..], recipe, loc, false)
}

/// A `;` in the expansion of a rule line's text up to its colon: GNU
/// takes it for the start of a recipe, the text before it for the whole
/// rule line (which then has no colon, unless it expanded to one). The
/// text before it and after it.
fn expanded_recipe(expanded: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(b';', expanded)?;
    Some((&expanded[..at], &expanded[at + 1..]))
}

/// The recipe line that follows a rule's `;`.
fn recipe_after_semicolon(tail: &[u8]) -> Vec<u8> {
    super::strip_recipe_prefixes(super::trim_start(tail), b'\t')
}

/// `targets` (unexpanded, up to the colon) and `rest` (from the colon on).
fn rule(
    ev: &mut Evaluator,
    targets_raw: &[u8],
    rest: &[u8],
    recipe: Option<Vec<u8>>,
    loc: Loc,
    pre_expanded: bool,
) -> Result<Parsed> {
    let full_rest = rest;
    let mut rest = &rest[1..];
    let double_colon = rest.first() == Some(&b':');
    if double_colon {
        rest = &rest[1..];
    }
    let mut targets_raw = targets_raw;
    let grouped = targets_raw.last() == Some(&b'&');
    if grouped {
        targets_raw = &targets_raw[..targets_raw.len() - 1];
    }
    let targets_text = expand_unless(ev, targets_raw, pre_expanded)?;
    if let (Cow::Owned(expanded), None) = (&targets_text, &recipe) {
        if let Some((before, after)) = expanded_recipe(expanded) {
            // What followed the colon as written is part of the recipe.
            if trim(before).is_empty() {
                return Ok(Parsed::Nothing);
            }
            let Some(c) = find_colon_in_expansion(before) else {
                return Ok(Parsed::NotARule);
            };
            let mut recipe = after.to_vec();
            recipe.extend_from_slice(full_rest);
            let recipe = Some(recipe_after_semicolon(&recipe));
            let (targets, rest) = (before[..c].to_vec(), before[c..].to_vec());
            return rule(ev, &targets, &rest, recipe, loc, true);
        }
    }
    // (Only text that was expanded here can have gained a colon.)
    let anew = match &targets_text {
        Cow::Owned(expanded) => reread(expanded, full_rest),
        Cow::Borrowed(_) => None,
    };
    if let Some((line, targets_end)) = anew {
        return rule(
            ev,
            &line[..targets_end],
            &line[targets_end..],
            recipe,
            loc,
            false,
        );
    }
    let mut targets: Vec<Cow<[u8]>> = Vec::new();
    for_each_name(ev, &targets_text, |_, t| targets.push(t));
    if targets.is_empty() {
        // As in GNU make, a rule whose targets expand to nothing (Kbuild's
        // `$(multi-dtb-y): FORCE`) defines nothing and is not an error; the
        // recipe lines that follow belong to it and are dropped.
        return Ok(Parsed::Rule(RuleContext {
            targets: Vec::new(),
            lines: Vec::new(),
            has_recipe: recipe.is_some(),
            loc,
            grouped: false,
            notes: Vec::new(),
            regrouped: Vec::new(),
            pending: None,
        }));
    }

    // A target-specific variable: `targets: [modifiers] NAME op value`.
    if let Some(parsed) = target_variable(ev, &targets, rest, recipe.as_deref())? {
        return Ok(parsed);
    }
    if ev.db.rules_closed {
        // A recipe's `$(eval)` is placed at the recipe's start; text from
        // no makefile (a second expansion's `$(eval)`) names no line.
        let loc = (ev.recipe_start.as_ref())
            .or(ev.loc.as_ref())
            .filter(|l| !l.file.is_empty());
        return Err(diag::Fatal::new(
            loc,
            "prerequisites cannot be defined in recipes",
        ));
    }

    // A static pattern rule has a second colon, as written or in the
    // prerequisites' expansion (`x: $(v)` with v `%.o: %.c`), as GNU
    // finds it.
    let colon = match pre_expanded {
        true => find_colon_in_expansion(rest),
        false => find_colon(rest),
    };
    let (static_pattern, prereq_raw) = match colon {
        Some(c) => (Some(&rest[..c]), &rest[c + 1..]),
        None => (None, rest),
    };
    let second = ev.db.second_expansion;
    let prereq_text = expand_unless(ev, prereq_raw, pre_expanded)?;
    // Without a `;` as written, one the prerequisites' expansion gives
    // starts the recipe, which is the rest of that expansion (GNU 4.4.1:
    // `a: $(x)` with x `b; cmd`).
    let (prereq_text, recipe) = match (prereq_text, recipe) {
        (Cow::Owned(expanded), None) => match expanded_recipe(&expanded) {
            Some((before, after)) => (
                Cow::Owned(before.to_vec()),
                Some(recipe_after_semicolon(after)),
            ),
            None => (Cow::Owned(expanded), None),
        },
        (text, recipe) => (text, recipe),
    };
    let static_pattern = match static_pattern {
        Some(p) => Some(target_pattern(ev, p, pre_expanded)?),
        None => None,
    };
    let (static_pattern, prereq_text) = match (&static_pattern, &prereq_text) {
        (None, Cow::Owned(expanded)) => match find_colon_in_expansion(expanded) {
            Some(c) => (
                Some(target_pattern(ev, &expanded[..c], true)?),
                Cow::Owned(expanded[c + 1..].to_vec()),
            ),
            None => (static_pattern, prereq_text),
        },
        _ => (static_pattern, prereq_text),
    };
    let line = Line {
        double_colon,
        grouped,
        static_pattern,
        prereq_text: &prereq_text,
        second,
        // Whether the prerequisites wait for a second expansion is decided on
        // the text as written, before any stem goes in.
        deferred: second && memchr::memchr(b'$', &prereq_text).is_some(),
        group: None,
        loc,
    };
    Ok(rule_kind(ev, targets, line, recipe))
}

/// What one rule line says of all its targets, once they are read.
struct Line<'a> {
    /// `::`: each target gets a rule of its own, or a pattern rule is
    /// terminal.
    double_colon: bool,
    /// `&:`: the targets are made together.
    grouped: bool,
    /// A static pattern rule's target pattern (`targets: pattern: prereqs`).
    static_pattern: Option<Vec<u8>>,
    /// The prerequisites, expanded (unless the line was).
    prereq_text: &'a [u8],
    /// `.SECONDEXPANSION` was on when the prerequisites were expanded.
    second: bool,
    /// The prerequisites of a file's rule wait for the second expansion.
    deferred: bool,
    /// A grouped rule's targets, when it has more than one.
    group: Option<Rc<Vec<FileId>>>,
    loc: Loc,
}

/// The rule line read anew when a reference in its targets expanded to a
/// colon (`$(dir)foo: x` with `dir = a:`), as GNU reads it: the new line
/// and where its targets end.
fn reread(targets_text: &[u8], full_rest: &[u8]) -> Option<(Vec<u8>, usize)> {
    let c = find_colon_in_expansion(targets_text)?;
    let mut line = escape_dollars(&targets_text[..c]);
    let targets_end = line.len();
    line.extend_from_slice(&escape_dollars(&targets_text[c..]));
    line.extend_from_slice(full_rest);
    Some((line, targets_end))
}

/// The target pattern of a static pattern rule: one word, with a `%`.
fn target_pattern(ev: &mut Evaluator, p: &[u8], pre_expanded: bool) -> Result<Vec<u8>> {
    let p = if pre_expanded {
        p.to_vec()
    } else {
        ev.expand_text(p)?
    };
    // The targets lose a leading `./`, so the pattern does too
    // (Kbuild: `$(obj)/.checked-%` with `obj := .`).
    let p = trim(&p);
    if p.is_empty() {
        return Err(ev.fatal("missing target pattern"));
    }
    if words::words(p).nth(1).is_some() {
        return Err(ev.fatal("multiple target patterns"));
    }
    let p = normalize_name(p);
    if PercentPattern::new(&p).percent.is_none() {
        return Err(ev.fatal("target pattern contains no '%'"));
    }
    Ok(p)
}

/// A pattern rule, or the explicit (and static pattern) rules of files.
fn rule_kind(
    ev: &mut Evaluator,
    targets: Vec<Cow<[u8]>>,
    mut line: Line,
    recipe: Option<Vec<u8>>,
) -> Parsed {
    // The first target decides what the rule is: a pattern rule when it is
    // a pattern (then all must be); otherwise a later pattern is a file
    // name, with a warning (GNU 4.4's deprecated syntax).
    let is_pattern = |t: &Cow<[u8]>| PercentPattern::new(t).percent.is_some();
    let patterns: Vec<bool> = targets.iter().map(is_pattern).collect();
    let first_is_pattern = patterns[0];
    if first_is_pattern && line.static_pattern.is_some() {
        let error = ev.fatal("mixed implicit and static pattern rules");
        return Parsed::Rule(failed_rule(error, line.loc, recipe, line.grouped));
    }

    // The targets of a static pattern rule lose the backslashes that quote
    // a `%` (`the\%file` names `the%file`), as the pattern does.
    let targets: Vec<Cow<[u8]>> = if line.static_pattern.is_some() {
        targets
            .into_iter()
            .map(|t| {
                let p = PercentPattern::new(&t);
                if p.percent.is_none() {
                    Cow::Owned(p.text)
                } else {
                    t
                }
            })
            .collect()
    } else {
        targets
    };
    let any_pattern = first_is_pattern;
    if any_pattern && !patterns.iter().all(|&p| p) {
        let error = ev.fatal("mixed implicit and normal rules");
        return Parsed::Rule(failed_rule(error, line.loc, recipe, line.grouped));
    }

    let ctx = rule_context(&line.loc, recipe, line.grouped);
    if any_pattern {
        return pattern_rule(ev, ctx, &targets, &line);
    }
    if line.grouped && targets.len() > 1 {
        let ids: Vec<FileId> = targets.iter().map(|t| ev.db.intern(t)).collect();
        line.group = Some(Rc::new(ids));
    }
    explicit_rules(ev, ctx, &targets, &patterns, &line)
}

/// Where the recipe lines that follow go, starting with the recipe on the
/// rule line, after its `;`.
fn rule_context(loc: &Loc, recipe: Option<Vec<u8>>, grouped: bool) -> RuleContext {
    let has_recipe = recipe.is_some();
    let mut ctx = RuleContext {
        targets: Vec::new(),
        lines: Vec::new(),
        has_recipe,
        loc: loc.clone(),
        grouped,
        notes: Vec::new(),
        regrouped: Vec::new(),
        pending: None,
    };
    if let Some(tail) = recipe {
        ctx.lines.push(crate::rules::RecipeLine {
            text: recipe_after_semicolon(&tail),
            loc: loc.clone(),
        });
    }
    ctx
}

/// A pattern rule (`%.o: %.c`), one rule for all its target patterns;
/// `::` makes it terminal.
fn pattern_rule(
    ev: &mut Evaluator,
    mut ctx: RuleContext,
    targets: &[Cow<[u8]>],
    line: &Line,
) -> Parsed {
    let second = line.second;
    let (normal, order_only) = split_order_only(line.prereq_text);
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
    // A prerequisite without `%` names one file: mentioned in the
    // makefile, it is never an intermediate file.
    for name in deps.iter().chain(&order_only) {
        let plain = PercentPattern::new(name).percent.is_none()
            && memchr::memchr(b'$', name).is_none()
            && name != b".WAIT";
        if plain {
            let file = ev.db.intern(&normalize_name(name));
            ev.db.file_mut(file).pattern_prerequisite = true;
        }
    }
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
    Parsed::Rule(ctx)
}

/// The targets of explicit and static pattern rules, each in turn: the
/// warnings about it, then its rule.
fn explicit_rules(
    ev: &mut Evaluator,
    mut ctx: RuleContext,
    targets: &[Cow<[u8]>],
    patterns: &[bool],
    line: &Line,
) -> Parsed {
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
                &mut ctx,
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
            note(&mut ctx, text);
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
            if explicit_rule(ev, &mut ctx, id, target, line).is_break() {
                return Parsed::Rule(ctx);
            }
            merge_repeat(&mut ctx, before, id);
            continue;
        }
        seen.push(id);
        if explicit_rule(ev, &mut ctx, id, target, line).is_break() {
            return Parsed::Rule(ctx);
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
    Parsed::Rule(ctx)
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
                Cow::Owned(substitute_each(line.prereq_text, stem_text)),
                Some(stem.to_vec()),
            )
        }
        None => (Cow::Borrowed(line.prereq_text), None),
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
    if special_target(ev, id, target, deps_text) {
        // A recipe still goes to the special target's file, as GNU keeps
        // it (a second one is said to override it).
        let nothing = Added {
            deps: 0..0,
            deferred: None,
        };
        ctx.targets.push(RecipeTarget::Single(id, nothing));
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
        intern_static_deps(ev, line.prereq_text, stem)
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
    // Any rule may set it, a target's first or not: one met again after
    // `.DEFAULT_GOAL :=`, or first in a MAKEFILES makefile (GNU 4.4.1, 4.3).
    maybe_default_goal(ev, id, target);
    ControlFlow::Continue(())
}

/// A rule line whose targets GNU refuses when it records them, once the
/// recipe is read (so an error in a conditional or a recipe line in
/// between comes first): the error waits in the rule's context.
fn failed_rule(
    error: diag::Fatal,
    loc: Loc,
    recipe: Option<Vec<u8>>,
    grouped: bool,
) -> RuleContext {
    RuleContext {
        targets: Vec::new(),
        lines: Vec::new(),
        has_recipe: recipe.is_some(),
        loc,
        grouped,
        notes: Vec::new(),
        regrouped: Vec::new(),
        pending: Some(error),
    }
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

/// `text` expanded, or as it is when `pre_expanded` or when it has no
/// reference (no copy then).
fn expand_unless<'t>(
    ev: &mut Evaluator,
    text: &'t [u8],
    pre_expanded: bool,
) -> Result<Cow<'t, [u8]>> {
    if pre_expanded || memchr::memchr(b'$', text).is_none() {
        return Ok(Cow::Borrowed(text));
    }
    ev.expand_text(text).map(Cow::Owned)
}

/// `text` with each `$` doubled, to survive one more expansion.
pub fn escape_dollars(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for &b in text {
        if b == b'$' {
            out.push(b'$');
        }
        out.push(b);
    }
    out
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

/// The first plain target becomes the default goal (`.DEFAULT_GOAL`).
fn maybe_default_goal(ev: &mut Evaluator, id: FileId, name: &[u8]) {
    if ev.reading.no_default_goal {
        return;
    }
    let empty = ev
        .global_value(b".DEFAULT_GOAL")
        .is_none_or(|v| trim(v).is_empty());
    // Set on the command line (`.DEFAULT_GOAL+=`, even empty), by
    // `override` or by the environment under -e, it is the makefile's no
    // more to set.
    let env_wins = ev.invocation.options.environment_overrides;
    let imposed = ev.globals.get(b".DEFAULT_GOAL").is_some_and(|v| {
        v.origin >= Origin::EnvironmentOverride || v.origin == Origin::Environment && env_wins
    });
    if !empty || imposed {
        return;
    }
    if name.first() == Some(&b'.') && memchr::memchr(b'/', name).is_none() {
        return;
    }
    ev.db.first_target = Some(id);
    ev.set_global(
        b".DEFAULT_GOAL",
        name,
        crate::eval::vars::Flavor::Simple,
        Origin::File,
    );
}
