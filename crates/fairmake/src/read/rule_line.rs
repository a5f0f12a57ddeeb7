//! Rule lines: `targets : prerequisites | order-only ; recipe`, with double
//! colons, grouped targets, static patterns, pattern rules, target-specific
//! variables and special targets. Parts of them have files of their own:
//! `separators` (where the `:`, `;` and `|` are), `names` (the file
//! names), `target_vars`, `special_targets`, `record` (entering the rule
//! into the database, once its recipe is read) and `attach` (the recipe
//! that follows the line).

use std::borrow::Cow;
use std::rc::Rc;

use super::names::for_each_name;
use super::record::{Line, Unrecorded};
use super::separators::{find_colon, find_colon_in_expansion, split_recipe};
use super::special_targets::read_time_special_target;
use super::target_vars::target_variable;
use super::{lines, RuleContext};
use crate::diag::{self, Loc, Result};
use crate::eval::vars::Origin;
use crate::eval::Evaluator;
use crate::pattern::PercentPattern;
use crate::rules::FileId;
use crate::words::{self, trim};

// Used by the planner and the session through this module.
pub use super::names::{intern_deps, intern_extra_deps, normalize_name, strip_dot_slash};
pub use super::separators::split_order_only;

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
                Some((before, after)) => (
                    before.to_vec(),
                    Some(recipe_after_semicolon(after, super::recipe_prefix(ev))),
                ),
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

/// The recipe line that follows a rule's `;`: its continuation lines lose
/// the recipe prefix in force (`.RECIPEPREFIX`), as a tab recipe line's do;
/// a tab there is kept when the prefix is another character.
fn recipe_after_semicolon(tail: &[u8], prefix: u8) -> Vec<u8> {
    super::strip_recipe_prefixes(super::trim_start(tail), prefix)
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
            let recipe = Some(recipe_after_semicolon(&recipe, super::recipe_prefix(ev)));
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
    let targets_text = blank_for_last_backslash(targets_text);
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
            unrecorded: None,
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
                Some(recipe_after_semicolon(after, super::recipe_prefix(ev))),
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
    let prereq_text = without_trailing_space(prereq_text);
    let line = Line {
        double_colon,
        grouped,
        static_pattern,
        // Whether the prerequisites wait for a second expansion is decided on
        // the text as written, before any stem goes in.
        deferred: second && memchr::memchr(b'$', &prereq_text).is_some(),
        prereq_text: prereq_text.into_owned(),
        second,
        group: None,
        loc,
    };
    Ok(rule_kind(ev, targets, line, recipe))
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

    let prefix = super::recipe_prefix(ev);
    let mut ctx = rule_context(&line.loc, recipe, line.grouped, prefix);
    let targets: Vec<Vec<u8>> = targets.into_iter().map(Cow::into_owned).collect();
    if !any_pattern {
        if line.grouped && targets.len() > 1 {
            let ids: Vec<FileId> = targets.iter().map(|t| ev.db.intern(t)).collect();
            line.group = Some(Rc::new(ids));
        }
        read_time_effects(ev, &targets, &patterns);
    }
    // Recorded when the rule ends (see `record`).
    ctx.unrecorded = Some(Box::new(Unrecorded {
        targets,
        patterns,
        line,
        loc: ev.loc.clone(),
    }));
    Parsed::Rule(ctx)
}

/// What the targets of an explicit rule do as soon as the line is read,
/// before the rule is recorded (GNU 4.4.1 and 4.3): the first that may be
/// becomes the default goal, and `.POSIX`, `.SECONDEXPANSION` and
/// `.ONESHELL` take effect, so a conditional before the recipe's end sees
/// them (`$(.DEFAULT_GOAL)`, `$(.SHELLFLAGS)`, a rule it `$(eval)`s).
fn read_time_effects(ev: &mut Evaluator, targets: &[Vec<u8>], patterns: &[bool]) {
    for (target, &pattern) in targets.iter().zip(patterns) {
        read_time_special_target(ev, target);
        // A pattern after a plain target (the deprecated mixed form) is
        // never the default goal (`. %:` leaves it to the next rule; GNU
        // 4.4.1, 4.3).
        if pattern {
            continue;
        }
        // Any rule may set it, a target's first or not: one met again
        // after `.DEFAULT_GOAL :=`, or first in a MAKEFILES makefile (GNU
        // 4.4.1, 4.3).
        let id = ev.db.intern(target);
        maybe_default_goal(ev, id, target);
    }
}

/// Where the recipe lines that follow go, starting with the recipe on the
/// rule line, after its `;`.
fn rule_context(loc: &Loc, recipe: Option<Vec<u8>>, grouped: bool, prefix: u8) -> RuleContext {
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
        unrecorded: None,
    };
    if let Some(tail) = recipe {
        ctx.lines.push(crate::rules::RecipeLine {
            text: recipe_after_semicolon(&tail, prefix),
            loc: loc.clone(),
        });
    }
    ctx
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
        unrecorded: None,
    }
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

/// The first plain target becomes the default goal (`.DEFAULT_GOAL`).
fn maybe_default_goal(ev: &mut Evaluator, id: FileId, name: &[u8]) {
    if ev.reading.no_default_goal {
        return;
    }
    // Only a value with no bytes at all is unset: one of blanks (`:= $(E) `)
    // keeps the first target out and leaves no goal (GNU 4.4.1, 4.3).
    let empty = ev
        .global_value(b".DEFAULT_GOAL")
        .is_none_or(<[u8]>::is_empty);
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

/// Targets that end in backslashes just before the rule's colon: GNU
/// 4.4.1 and 4.3 read them as if a blank followed, so they pair up as
/// before any blank. Written, the run is even (an odd one escapes the
/// colon): `a\\:` names `a\`. Expanded, it may be odd (`$(objs): ...`
/// with objs `a\`): the last one escapes that blank, so the target is `a `
/// (and a lone `\` is ` `).
fn blank_for_last_backslash(text: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    if text.last() != Some(&b'\\') {
        return text;
    }
    let mut text = text.into_owned();
    text.push(b' ');
    Cow::Owned(text)
}

/// The expanded prerequisite list loses its trailing whitespace before it
/// is split into names (GNU 4.4.1 and 4.3), so a backslash that ends the
/// last name escapes nothing: `a: $(p) ;` with p `b\` needs `b\`, not
/// `b `. (A second expansion's text keeps its own.)
fn without_trailing_space(text: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    let kept = words::trim_end(&text).len();
    match text {
        Cow::Owned(mut expanded) => {
            expanded.truncate(kept);
            Cow::Owned(expanded)
        }
        Cow::Borrowed(written) => Cow::Borrowed(&written[..kept]),
    }
}
