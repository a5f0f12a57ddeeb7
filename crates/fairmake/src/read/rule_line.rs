//! Rule lines: `targets : prerequisites | order-only ; recipe`, with double
//! colons, grouped targets, static patterns, pattern rules, target-specific
//! variables and special targets; and `vpath`.

use std::borrow::Cow;
use std::rc::Rc;

use thin_vec::ThinVec;

use super::{assign, lines, Modifiers, RuleContext};
use crate::assignment;
use crate::diag::{self, Loc, Result};
use crate::eval::vars::{Export, Origin};
use crate::eval::Evaluator;
use crate::pattern::PercentPattern;
use crate::rules::{Deferred, Dep, FileId, PatternRule, Recipe, Rule, Vpath};
use crate::words::{self, trim};

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
    let loc = ev.loc.clone().expect("reading sets a location");
    let Some(colon) = find_colon(head) else {
        let expanded = ev.expand_text(head)?;
        if trim(&expanded).is_empty() {
            return Ok(if recipe.is_some() {
                Parsed::NotARule
            } else {
                Parsed::Nothing
            });
        }
        // A variable may expand to a whole rule: parse the expansion, escaping
        // nothing further.
        if let Some(c) = find_colon(&expanded) {
            let (targets, rest) = (expanded[..c].to_vec(), expanded[c..].to_vec());
            return rule(ev, &targets, &rest, recipe, loc, true);
        }
        return Ok(Parsed::NotARule);
    };
    rule(ev, &head[..colon], &head[colon..], recipe, loc, false)
}

/// The bytes of `text` that are outside variable references, with their
/// positions: where a rule line's `:`, `;` and `#` can be.
fn top_level(text: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let mut depth = 0usize;
    let mut skip = 0;
    text.iter().enumerate().filter_map(move |(i, &b)| {
        if skip > 0 {
            skip -= 1;
            return None;
        }
        match b {
            b'$' => {
                // An unterminated reference is no reference: GNU still finds
                // the `;` after `$(firstword x;`.
                if matches!(text.get(i + 1), Some(b'(') | Some(b'{')) && closes(text, i + 1) {
                    depth += 1;
                    skip = 1;
                } else if text.get(i + 1) == Some(&b'$')
                    && matches!(text.get(i + 2), Some(b'(') | Some(b'{'))
                    && closes(text, i + 2)
                {
                    // `$$(...)` becomes a reference in a second expansion:
                    // its colons are not separators either.
                    depth += 1;
                    skip = 2;
                } else {
                    // `$$` and `$x` are never separators themselves.
                    skip = 1;
                }
                None
            }
            b')' | b'}' if depth > 0 => {
                depth -= 1;
                None
            }
            _ if depth > 0 => None,
            // `\:` is part of a name, not a separator.
            b':' if text[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1 => None,
            _ => Some((i, b)),
        }
    })
}

/// Whether the parenthesis or brace at `open` has its match in `text`.
fn closes(text: &[u8], open: usize) -> bool {
    let (o, c) = if text[open] == b'(' {
        (b'(', b')')
    } else {
        (b'{', b'}')
    };
    let mut depth = 0usize;
    for &b in &text[open..] {
        if b == o {
            depth += 1;
        } else if b == c {
            depth -= 1;
            if depth == 0 {
                return true;
            }
        }
    }
    false
}

/// Splits off the recipe after the first `;` that is outside references and
/// before any comment.
/// The text after the `;` is returned as written: a target-specific
/// variable's value takes it whole (`t: V = ; x` is `; x`).
fn split_recipe(raw: &[u8]) -> (&[u8], Option<Vec<u8>>) {
    match find_semicolon(raw) {
        Some(i) => (&raw[..i], Some(raw[i + 1..].to_vec())),
        None => (raw, None),
    }
}

/// The recipe line that follows a rule's `;`.
fn recipe_after_semicolon(tail: &[u8]) -> Vec<u8> {
    super::strip_recipe_prefixes(super::trim_start(tail), b'\t')
}

/// Where the recipe's `;` is: the first outside references, before any comment.
fn find_semicolon(raw: &[u8]) -> Option<usize> {
    // Most rule lines have no recipe on them.
    memchr::memchr(b';', raw)?;
    for (i, b) in top_level(raw) {
        match b {
            b'#' if i == 0 || raw[i - 1] != b'\\' => return None,
            b';' => return Some(i),
            _ => {}
        }
    }
    None
}

/// The first `:` outside variable references.
fn find_colon(text: &[u8]) -> Option<usize> {
    // Most prerequisite lists have no colon at all, and most target lists
    // no reference or backslash before the colon that ends them.
    let first = memchr::memchr(b':', text)?;
    if memchr::memchr2(b'$', b'\\', &text[..first]).is_none() {
        return Some(first);
    }
    top_level(text).find(|&(_, b)| b == b':').map(|(i, _)| i)
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
    // (Only text that was expanded here can have gained a colon.)
    if matches!(targets_text, Cow::Owned(_)) {
        if let Some(c) = find_colon(&targets_text) {
            // A reference expanded to a colon (`$(dir)foo: x` with `dir = a:`):
            // GNU reads the rule anew from the expanded text.
            let mut line = escape_dollars(&targets_text[..c]);
            let targets_end = line.len();
            line.extend_from_slice(&escape_dollars(&targets_text[c..]));
            line.extend_from_slice(full_rest);
            return rule(
                ev,
                &line[..targets_end],
                &line[targets_end..],
                recipe,
                loc,
                false,
            );
        }
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
        // Text from no makefile (a second expansion's `$(eval)`) names no line.
        let loc = ev.loc.as_ref().filter(|l| !l.file.is_empty());
        return Err(diag::Fatal::new(
            loc,
            "prerequisites cannot be defined in recipes",
        ));
    }

    // A static pattern rule has a second colon.
    let (static_pattern, prereq_raw) = match find_colon(rest) {
        Some(c) => (Some(&rest[..c]), &rest[c + 1..]),
        None => (None, rest),
    };
    let second = ev.db.second_expansion;
    let prereq_text = expand_unless(ev, prereq_raw, pre_expanded)?;
    let static_pattern = match static_pattern {
        Some(p) => {
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
            Some(p)
        }
        None => None,
    };

    // The first target decides what the rule is: a pattern rule when it is
    // a pattern (then all must be); otherwise a later pattern is a file
    // name, with a warning (GNU 4.4's deprecated syntax).
    let is_pattern = |t: &Cow<[u8]>| PercentPattern::new(t).percent.is_some();
    let patterns: Vec<bool> = targets.iter().map(is_pattern).collect();
    let first_is_pattern = patterns[0];
    if first_is_pattern && static_pattern.is_some() {
        let error = ev.fatal("mixed implicit and static pattern rules");
        return Ok(Parsed::Rule(failed_rule(error, loc, recipe, grouped)));
    }

    // The targets of a static pattern rule lose the backslashes that quote
    // a `%` (`the\%file` names `the%file`), as the pattern does.
    let targets: Vec<Cow<[u8]>> = if static_pattern.is_some() {
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
        return Ok(Parsed::Rule(failed_rule(error, loc, recipe, grouped)));
    }

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

    if any_pattern {
        let (normal, order_only) = split_order_only(&prereq_text);
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
            terminal: double_colon,
            builtin: false,
        });
        ctx.targets.push(RecipeTarget::Pattern(index));
        return Ok(Parsed::Rule(ctx));
    }

    let group = if grouped && targets.len() > 1 {
        let ids: Vec<FileId> = targets.iter().map(|t| ev.db.intern(t)).collect();
        Some(Rc::new(ids))
    } else {
        None
    };
    // Whether the prerequisites wait for a second expansion is decided on
    // the text as written, before any stem goes in.
    let deferred = second && memchr::memchr(b'$', &prereq_text).is_some();
    let mut seen: Vec<FileId> = Vec::with_capacity(targets.len());
    // Every target a grouped rule names, as often as it is named.
    let mut named: Vec<FileId> = Vec::new();
    for (target, &pattern) in targets.iter().zip(&patterns) {
        let note = |ctx: &mut RuleContext, text: String| {
            ctx.notes.push((ctx.targets.len(), text, false));
        };
        if grouped {
            named.push(ev.db.intern(target));
        }
        if pattern {
            note(
                &mut ctx,
                "*** mixed implicit and normal rules: deprecated syntax".into(),
            );
        }
        // Each time the target is named, even twice in the rule.
        let mismatch = static_pattern
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
        if !double_colon && seen.contains(&id) {
            // Said only if a recipe comes (it would be given twice).
            let text = format!(
                "target '{}' given more than once in the same rule",
                diag::show(target)
            );
            ctx.notes.push((ctx.targets.len(), text, true));
            continue;
        }
        seen.push(id);
        let (deps_text, stem) = match &static_pattern {
            Some(pattern) => {
                let pat = PercentPattern::new(pattern);
                let Some(stem) = pat.match_stem(target) else {
                    // GNU keeps the target, with the recipe and no prerequisites.
                    let file = ev.db.file_mut(id);
                    if colons_clash(file, double_colon) {
                        ctx.pending = Some(both_colons(ev, target));
                        return Ok(Parsed::Rule(ctx));
                    }
                    let first_rule = !file.is_target;
                    file.is_target = true;
                    if first_rule {
                        maybe_default_goal(ev, id, target);
                    }
                    ctx.targets.push(RecipeTarget::Single(
                        id,
                        Added {
                            deps: 0..0,
                            deferred: None,
                        },
                    ));
                    continue;
                };
                // A stem substituted into text left for the second expansion
                // is not expanded again: its `$`s are escaped.
                let escaped;
                let stem_text = if deferred {
                    escaped = escape_dollars(stem);
                    &escaped
                } else {
                    stem
                };
                (
                    Cow::Owned(substitute_each(&prereq_text, stem_text)),
                    Some(stem.to_vec()),
                )
            }
            None => (Cow::Borrowed(&*prereq_text), None),
        };
        if special_target(ev, id, target, &deps_text) {
            if **target == *b".WAIT" {
                // Only for the warning about its commands.
                let nothing = Added {
                    deps: 0..0,
                    deferred: None,
                };
                ctx.targets.push(RecipeTarget::Single(id, nothing));
            }
            continue;
        }
        let deps = if deferred {
            ThinVec::new()
        } else {
            intern_deps(ev, &deps_text)
        };
        let file = ev.db.file_mut(id);
        if colons_clash(file, double_colon) {
            ctx.pending = Some(both_colons(ev, target));
            return Ok(Parsed::Rule(ctx));
        }
        let first_rule = !file.is_target;
        file.is_target = true;
        let rule = if double_colon {
            let rules = file.double_colon_mut();
            rules.push(Rule::new(stem.clone(), group.clone()));
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
                text: unescape_colons(&deps_text),
                at,
                stem: stem.clone(),
                loc: loc.clone(),
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
            file.rule.set_group(group.clone());
            ctx.targets.push(RecipeTarget::Single(id, added));
        }
        if first_rule {
            maybe_default_goal(ev, id, target);
        }
    }
    // GNU joins a group from the last target named to the first: one
    // already in a group (an earlier rule's, or this one's when named
    // twice) has its membership overridden.
    for &id in named.iter().rev() {
        if !ev.db.group_members.insert(id) {
            ctx.regrouped.push(id);
        }
    }
    Ok(Parsed::Rule(ctx))
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

/// Says the notes of `ctx` whose target numbers `pick` chooses.
fn say_notes(ctx: &RuleContext, pick: impl Fn(usize) -> bool) {
    let notes = ctx
        .notes
        .iter()
        .filter(|(i, _, with_recipe)| pick(*i) && (ctx.has_recipe || !with_recipe));
    for (_, text, _) in notes {
        diag::warn(Some(&ctx.loc), text);
    }
}

/// The file names of a target or prerequisite list: words split at blanks,
/// except a blank escaped by a backslash (`foo\ bar` names `foo bar`). The
/// backslashes before a blank pair up, as GNU reads them: `x\\ y` is `x\`
/// and `y`.
fn name_words(text: &[u8]) -> Vec<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    if memchr::memchr(b'\\', text).is_none() {
        return words::words(text).map(Cow::Borrowed).collect();
    }
    let mut names = Vec::new();
    let mut word: Option<Vec<u8>> = None;
    let mut backslashes = 0;
    for &b in text {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if words::is_space(b) {
            if backslashes % 2 == 1 {
                let w = word.get_or_insert_with(Vec::new);
                w.extend(std::iter::repeat_n(b'\\', backslashes / 2));
                w.push(b);
            } else {
                if backslashes > 0 {
                    let w = word.get_or_insert_with(Vec::new);
                    w.extend(std::iter::repeat_n(b'\\', backslashes / 2));
                }
                names.extend(word.take().map(Cow::Owned));
            }
        } else {
            let w = word.get_or_insert_with(Vec::new);
            w.extend(std::iter::repeat_n(b'\\', backslashes));
            w.push(b);
        }
        backslashes = 0;
    }
    if backslashes > 0 {
        word.get_or_insert_with(Vec::new)
            .extend(std::iter::repeat_n(b'\\', backslashes));
    }
    names.extend(word.map(Cow::Owned));
    names
}

/// Calls `each` with every file name of a target or prerequisite list as
/// rules record them: blanks escaped with `\` kept in names, archive groups
/// `lib(a b)` split into members, globs expanded, a leading `./` dropped
/// and `\:` unescaped.
fn for_each_name<'t>(
    ev: &mut Evaluator,
    text: &'t [u8],
    mut each: impl FnMut(&mut Evaluator, Cow<'t, [u8]>),
) {
    if memchr::memchr2(b'(', b'\\', text).is_some() {
        let names = name_words(text);
        let groups = crate::archive::expand_groups(names.iter().map(|n| n.as_ref()));
        for name in glob_names(ev, groups) {
            each(ev, Cow::Owned(normalize_name(&name)));
        }
        return;
    }
    // No archive groups and no backslash (so no `\:` to unescape): each
    // word stands alone, and most are plain names that need no copy at all.
    let may_glob = memchr::memchr3(b'*', b'?', b'[', text).is_some();
    for word in words::words(text) {
        if may_glob && crate::glob::has_magic(word) {
            for name in glob_names(ev, vec![word.to_vec()]) {
                each(ev, Cow::Owned(normalize_name(&name)));
            }
        } else {
            each(ev, Cow::Borrowed(strip_dot_slash(word)));
        }
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

/// GNU drops a leading `./` from file names.
pub fn normalize_name(word: &[u8]) -> Vec<u8> {
    unescape_colons(strip_dot_slash(word))
}

/// `word` without its leading `./` (and the slashes after it), as GNU
/// names files and lists the goals in `MAKECMDGOALS`; `./` itself stays.
pub fn strip_dot_slash(word: &[u8]) -> &[u8] {
    let mut w = word;
    while w.len() > 2 && w.starts_with(b"./") {
        w = &w[2..];
        while w.first() == Some(&b'/') && w.len() > 1 {
            w = &w[1..];
        }
    }
    w
}

/// `\:` in a file name is a colon (`foo\:bar` names `foo:bar`); the
/// backslashes before it pair up, as GNU reads them.
fn unescape_colons(name: &[u8]) -> Vec<u8> {
    if memchr::memchr(b':', name).is_none() {
        return name.to_vec();
    }
    let mut out = Vec::with_capacity(name.len());
    let mut backslashes = 0;
    for &b in name {
        match b {
            b'\\' => backslashes += 1,
            b':' => {
                out.extend(std::iter::repeat_n(b'\\', backslashes / 2));
                out.push(b':');
                backslashes = 0;
            }
            _ => {
                out.extend(std::iter::repeat_n(b'\\', backslashes));
                backslashes = 0;
                out.push(b);
            }
        }
    }
    out.extend(std::iter::repeat_n(b'\\', backslashes));
    out
}

/// Splits a prerequisite list at its first `|` outside references (GNU
/// splits there even inside a word: `a|b`) into normal and order-only parts.
pub fn split_order_only(text: &[u8]) -> (&[u8], &[u8]) {
    if memchr::memchr(b'|', text).is_none() {
        return (text, b"");
    }
    match top_level(text).find(|&(_, b)| b == b'|') {
        Some((p, _)) => (&text[..p], &text[p + 1..]),
        None => (text, b""),
    }
}

/// The blank-separated words of `text`, a reference with blanks inside
/// counting as part of its word.
fn words_outside_refs(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'(' | b'{' if i > 0 && text[i - 1] == b'$' => depth += 1,
            b')' | b'}' if depth > 0 => depth -= 1,
            _ if depth == 0 && words::is_blank(b) => {
                if i > start {
                    out.push(text[start..i].to_vec());
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if text.len() > start {
        out.push(text[start..].to_vec());
    }
    out
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

/// Interns a prerequisite list (normal and order-only, with `.WAIT`), into
/// the kind of list the caller keeps (a rule's `ThinVec`, the planner's
/// `Vec`).
pub fn intern_deps<List: FromIterator<Dep>>(ev: &mut Evaluator, text: &[u8]) -> List {
    let (normal, order_only) = split_order_only(text);
    // Gathered on the stack (a `.d` file's line names about ten), then
    // collected into a list of exactly their number: one allocation per
    // rule line, never grown or shrunk.
    let mut deps: smallvec::SmallVec<[Dep; 16]> = smallvec::SmallVec::new();
    for (part, oo) in [(normal, false), (order_only, true)] {
        let mut wait = false;
        for_each_name(ev, part, |ev, name| {
            if *name == *b".WAIT" {
                wait = true;
                return;
            }
            let file = ev.db.intern(&name);
            ev.db.file_mut(file).is_prerequisite = true;
            deps.push(Dep::new(file, oo, wait));
            wait = false;
        });
    }
    deps.into_iter().collect()
}

/// File names in rules are globbed, as GNU does: `*.c` becomes the matching
/// files (sorted), or stays as written when nothing matches.
pub fn glob_names(ev: &mut Evaluator, names: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        if crate::archive::is_member(&name) {
            match crate::archive::glob_members(&name) {
                Some(found) => out.extend(found),
                None => out.push(name),
            }
            continue;
        }
        if !crate::glob::has_magic(&name) {
            out.push(name);
            continue;
        }
        let found = crate::glob::glob(&name, &mut ev.fs);
        if found.is_empty() {
            out.push(name);
        } else {
            out.extend(found);
        }
    }
    out
}

/// The first plain target becomes the default goal (`.DEFAULT_GOAL`).
fn maybe_default_goal(ev: &mut Evaluator, id: FileId, name: &[u8]) {
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

/// Handles special targets; returns true when the rule is fully consumed.
fn special_target(ev: &mut Evaluator, id: FileId, name: &[u8], deps_text: &[u8]) -> bool {
    if name.first() != Some(&b'.') {
        return false;
    }
    let deps: Vec<Vec<u8>> = words::words(deps_text).map(normalize_name).collect();
    let db = &mut ev.db;
    let mark = |db: &mut crate::rules::Database, f: fn(&mut crate::rules::File)| {
        for d in &deps {
            let dep = db.intern(d);
            f(db.file_mut(dep));
        }
    };
    match name {
        b".WAIT" => {
            if !deps.is_empty() {
                diag::warn(ev.loc.as_ref(), ".WAIT should not have prerequisites");
            }
        }
        b".PHONY" => mark(db, |f| f.phony = true),
        b".PRECIOUS" => {
            for d in &deps {
                if PercentPattern::new(d).percent.is_some() {
                    db.precious_patterns.push(PercentPattern::new(d));
                } else {
                    let dep = db.intern(d);
                    db.file_mut(dep).precious = true;
                }
            }
        }
        b".INTERMEDIATE" => {
            if deps.is_empty() {
                db.intermediate_all = true;
            }
            mark(db, |f| f.intermediate = true)
        }
        b".SECONDARY" => {
            if deps.is_empty() {
                db.secondary_all = true;
            }
            mark(db, |f| f.secondary = true)
        }
        b".NOTINTERMEDIATE" => {
            if deps.is_empty() {
                db.notintermediate_all = true;
            }
            for d in &deps {
                if PercentPattern::new(d).percent.is_some() {
                    db.notintermediate_patterns.push(PercentPattern::new(d));
                } else {
                    let dep = db.intern(d);
                    db.file_mut(dep).notintermediate = true;
                }
            }
        }
        b".SECONDEXPANSION" => db.second_expansion = true,
        b".ONESHELL" => db.oneshell = true,
        b".POSIX" => {
            db.posix = true;
            posix_defaults(ev);
        }
        b".DELETE_ON_ERROR" => db.delete_on_error = true,
        b".NOTPARALLEL" => {
            if deps.is_empty() {
                db.not_parallel = true;
            }
        }
        b".SILENT" => {
            if deps.is_empty() {
                db.silent_all = true;
            }
        }
        b".IGNORE" => {
            if deps.is_empty() {
                db.ignore_all = true;
            }
        }
        b".EXPORT_ALL_VARIABLES" => ev.child_env.export_all = true,
        b".SUFFIXES" => {
            // An empty list clears the known suffixes; otherwise they accumulate.
            if deps.is_empty() {
                db.file_mut(id).rule.deps.clear();
                db.file_mut(id).is_target = true;
                return true;
            }
        }
        b".LOW_RESOLUTION_TIME" => {
            for d in &deps {
                let dep = db.intern(d);
                db.low_resolution_time.push(dep);
            }
        }
        _ => return false,
    }
    // Special targets still get their prerequisites recorded for `-p` and for
    // `.SILENT`/`.IGNORE` with lists.
    let deps: Vec<Dep> = intern_deps(ev, deps_text);
    let file = ev.db.file_mut(id);
    file.is_target = true;
    file.rule.deps.extend(deps);
    true
}

/// `.POSIX`: the standard's defaults replace GNU's for the variables that
/// still have their default value.
fn posix_defaults(ev: &mut Evaluator) {
    if ev.invocation.options.no_builtin_variables {
        return;
    }
    for &(name, value) in crate::rules::builtin::POSIX_VARIABLES {
        if ev
            .globals
            .get(name)
            .is_none_or(|v| v.origin == Origin::Default)
        {
            let var = crate::eval::vars::Var::new(
                value.to_vec(),
                crate::eval::vars::Flavor::Recursive,
                Origin::Default,
            );
            ev.globals.insert(name, var);
        }
    }
}

/// `targets: [override|export|private]... NAME op value`.
fn target_variable(
    ev: &mut Evaluator,
    targets: &[Cow<[u8]>],
    rest: &[u8],
    recipe: Option<&[u8]>,
) -> Result<Option<Parsed>> {
    let mut body = super::trim_start(rest);
    let mut mods = Modifiers::default();
    loop {
        if let Some(a) = super::directive_word(body, b"override") {
            mods.override_ = true;
            body = a;
        } else if let Some(a) = super::directive_word(body, b"export") {
            mods.export = Some(Export::Yes);
            body = a;
        } else if let Some(a) = super::directive_word(body, b"private") {
            mods.private = true;
            body = a;
        } else if let Some(a) = super::directive_word(body, b"unexport") {
            mods.export = Some(Export::No);
            body = a;
        } else {
            break;
        }
    }
    let Some((start, op, end)) = assignment::find_operator(body) else {
        return Ok(None);
    };
    // The value runs to the end of the line, a `;` included.
    let mut value = super::trim_start(&body[end..]).to_vec();
    if let Some(r) = recipe {
        // Not a recipe after all: continuation lines join as in any value.
        value.push(b';');
        value.extend_from_slice(&super::lines::collapse_continuations(r));
    }
    for target in targets {
        let is_pattern = PercentPattern::new(target).percent.is_some();
        let set = if is_pattern {
            ev.db.pattern_vars_of(target)
        } else {
            let id = ev.db.intern(target);
            ev.db.vars_of(id)
        };
        // The name is expanded with the target's own variables in view.
        let scope = vec![crate::eval::ScopeEntry {
            set: set.clone(),
            inherited: false,
        }];
        let name = ev.with_scope(scope, |ev| ev.expand_text(trim(&body[..start])))?;
        let name = trim(&name).to_vec();
        if is_pattern && overridden_for_pattern(ev, target, &name, mods.override_) {
            continue;
        }
        assign(ev, Some(&set), &name, op, &value, mods, Origin::File)?;
        if is_pattern && op == assignment::AssignOp::Conditional {
            // Decided when a target looks it up (see `Var::conditional`).
            if let Some(v) = set.borrow_mut().get_mut(&name) {
                v.conditional = true;
            }
        }
    }
    Ok(Some(Parsed::Nothing))
}

/// Whether an earlier `override` definition of `name` for the same pattern
/// outranks a plain one, which is then ignored as GNU does.
fn overridden_for_pattern(ev: &Evaluator, pattern: &[u8], name: &[u8], is_override: bool) -> bool {
    let pattern = PercentPattern::new(pattern);
    !is_override
        && ev.db.pattern_vars.iter().any(|(p, set)| {
            *p == pattern
                && set
                    .borrow()
                    .get(name)
                    .is_some_and(|v| v.origin == Origin::Override)
        })
}

/// Gives the recipe collected after a rule line to its targets.
pub fn attach_recipe(ev: &mut Evaluator, ctx: &RuleContext, recipe: Option<Rc<Recipe>>) {
    let loc = &ctx.loc;
    let Some(recipe) = recipe else {
        say_notes(ctx, |_| true);
        return;
    };
    for (i, target) in ctx.targets.iter().enumerate() {
        say_notes(ctx, |n| n == i);
        match *target {
            RecipeTarget::Pattern(i) => ev.db.pattern_rules[i].recipe = Some(recipe.clone()),
            RecipeTarget::Double(id, n) => {
                ev.db.file_mut(id).double_colon_mut()[n].recipe = Some(recipe.clone())
            }
            RecipeTarget::Single(id, ref added) => {
                if *ev.db.file(id).name == *b".WAIT" {
                    diag::warn(Some(loc), ".WAIT should not have commands");
                    continue;
                }
                let file = ev.db.file_mut(id);
                if let Some(old) = &file.rule.recipe {
                    let name = diag::show(file.name).to_string();
                    let old_loc = old.loc.clone();
                    diag::warn(
                        Some(&recipe.loc),
                        format_args!("warning: overriding recipe for target '{name}'"),
                    );
                    diag::warn(
                        Some(&old_loc),
                        format_args!("warning: ignoring old recipe for target '{name}'"),
                    );
                }
                let file = ev.db.file_mut(id);
                file.rule.recipe = Some(recipe.clone());
                recipe_rule_first(&mut file.rule, added);
            }
        }
    }
    say_notes(ctx, |n| n >= ctx.targets.len());
    for &id in &ctx.regrouped {
        let name = diag::show(ev.db.file(id).name).to_string();
        diag::warn(
            Some(&recipe.loc),
            format_args!("warning: overriding group membership for target '{name}'"),
        );
    }
}

/// Moves what the rule line with the recipe added to the front of the
/// target's prerequisites (and of its second expansions).
fn recipe_rule_first(rule: &mut Rule, added: &Added) {
    if let Some(i) = added.deferred.filter(|&i| i < rule.deferred().len()) {
        let deferred = rule.deferred_mut();
        let mut d = deferred.remove(i);
        d.at = 0;
        deferred.insert(0, d);
        return;
    }
    let range = added.deps.clone();
    if range.is_empty() || range.end > rule.deps.len() {
        return;
    }
    rule.deps[..range.end].rotate_right(range.len());
    if rule.deferred().is_empty() {
        return;
    }
    for d in rule.deferred_mut() {
        if d.at <= range.start {
            d.at += range.len();
        }
    }
}

/// `vpath`, `vpath PATTERN`, `vpath PATTERN DIRS`.
pub fn vpath(ev: &mut Evaluator, args: &[u8]) -> Result<()> {
    let args = ev.expand_text(args)?;
    let mut it = words::words(&args);
    let Some(pattern) = it.next() else {
        ev.db.vpaths.clear();
        return Ok(());
    };
    let pattern = PercentPattern::new(pattern);
    let dirs: Vec<Vec<u8>> = it
        .flat_map(|w| w.split(|&b| b == b':'))
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut d = d.to_vec();
            while d.len() > 1 && d.last() == Some(&b'/') {
                d.pop();
            }
            d
        })
        .collect();
    if dirs.is_empty() {
        ev.db.vpaths.retain(|v| v.pattern != pattern);
    } else {
        ev.db.vpaths.push(Vpath { pattern, dirs });
    }
    Ok(())
}
