//! Implicit-rule search: which pattern rule (possibly through a chain of
//! intermediate files) can make a target, as GNU make chooses it.

use std::rc::Rc;

use crate::pattern::PercentPattern;
use crate::rules::{PatternRule, Recipe};

/// A pattern rule chosen for a target.
#[derive(Clone, Debug)]
pub struct Match {
    pub rule: usize,
    pub stem: Vec<u8>,
    /// Prerequisite names with the stem substituted (directory re-added).
    pub deps: Vec<Vec<u8>>,
    pub order_only: Vec<Vec<u8>>,
    pub recipe: Option<Rc<Recipe>>,
    /// The target pattern that matched (for `$*` and grouped pattern targets).
    pub target_index: usize,
    /// Prerequisites that do not exist and must be made by further implicit
    /// rules (intermediate files), with their own matches.
    pub chain: Vec<(Vec<u8>, Match)>,
    /// The other targets the same recipe run makes (a pattern rule with
    /// several targets).
    pub siblings: Vec<Vec<u8>>,
}

/// What the search needs to know about files.
pub trait Knowledge {
    /// The file exists (possibly through vpath).
    fn exists(&mut self, name: &[u8]) -> bool;
    /// The file is mentioned as a target or explicit prerequisite.
    fn ought_to_exist(&self, name: &[u8]) -> bool;
    /// The file is phony (never matched by implicit rules).
    fn is_phony(&self, name: &[u8]) -> bool;
    /// `.SECONDEXPANSION` of prerequisite text for `target` with `stem`;
    /// `None` when second expansion is off.
    fn second_expand(&mut self, text: &[u8], target: &[u8], stem: &[u8]) -> Option<Vec<u8>>;
    /// The files a wildcard pattern names, sorted (empty if none).
    fn glob(&mut self, pattern: &[u8]) -> Vec<Vec<u8>>;
}

/// A rule's prerequisites for one candidate: second expansion (when on and
/// the text has a `$`), then the stem substituted into each word.
fn rule_deps(
    patterns: &[Vec<u8>],
    c: &Candidate,
    target: &[u8],
    k: &mut dyn Knowledge,
) -> Vec<Vec<u8>> {
    let mut names = Vec::new();
    for pattern in patterns {
        if memchr::memchr(b'$', pattern).is_some() {
            let stem = [c.dir.as_slice(), &c.stem].concat();
            if let Some(expanded) = k.second_expand(pattern, target, &stem) {
                names.extend(crate::words::words(&expanded).map(|w| prereq_name(w, c)));
                continue;
            }
        }
        names.push(prereq_name(pattern, c));
    }
    // Wildcards in prerequisite patterns match files, as in explicit rules.
    let mut deps = Vec::with_capacity(names.len());
    for name in names {
        let found = if crate::glob::has_magic(&name) {
            k.glob(&name)
        } else {
            Vec::new()
        };
        if found.is_empty() {
            deps.push(name);
        } else {
            deps.extend(found);
        }
    }
    deps
}

/// Splits `name` into (directory with trailing slash, file part).
fn split_dir(name: &[u8]) -> (&[u8], &[u8]) {
    match name.iter().rposition(|&b| b == b'/') {
        Some(p) => (&name[..=p], &name[p + 1..]),
        None => (b"", name),
    }
}

/// A candidate: rule index, target pattern index, stem, and whether the
/// directory was split off before matching.
struct Candidate {
    rule: usize,
    target_index: usize,
    stem: Vec<u8>,
    dir: Vec<u8>,
}

fn candidates(rules: &[PatternRule], name: &[u8], for_chain: bool) -> Vec<Candidate> {
    let (dir, file) = split_dir(name);
    let mut found = Vec::new();
    for (ri, rule) in rules.iter().enumerate() {
        if rule.recipe.is_none() && !rule.builtin && rule.deps.is_empty() {
            // A pattern rule with no recipe cancels; it never matches.
            continue;
        }
        if rule.recipe.is_none() {
            continue;
        }
        for (ti, pat) in rule.targets.iter().enumerate() {
            let match_anything = pat.text == b"%";
            if match_anything && for_chain && !rule.terminal {
                continue;
            }
            // A plain scan: patterns are short, and this runs for every
            // rule of every search (memchr's setup cost more than the scan).
            let has_slash = pat.text.contains(&b'/');
            let (subject, d) = if has_slash {
                (name, &b""[..])
            } else {
                (file, dir)
            };
            if let Some(stem) = pat.match_stem(subject) {
                found.push(Candidate {
                    rule: ri,
                    target_index: ti,
                    stem: stem.to_vec(),
                    dir: d.to_vec(),
                });
                break;
            }
        }
    }
    // Shorter stems are more specific and win; ties keep definition order.
    found.sort_by_key(|c| c.stem.len() + c.dir.len());
    found
}

/// Substitutes the stem into a prerequisite pattern, re-adding the directory
/// when the target pattern had none.
fn prereq_name(pattern: &[u8], c: &Candidate) -> Vec<u8> {
    let pat = PercentPattern::new(pattern);
    let mut out = Vec::new();
    match pat.percent {
        Some(_) => {
            // The directory split off the target goes back in front.
            out.extend_from_slice(&c.dir);
            pat.substitute(&c.stem, &mut out);
        }
        None => out.extend_from_slice(&pat.text),
    }
    out
}

/// Searches for a rule to make `name`. `depth` bounds chains.
pub fn search(
    rules: &[PatternRule],
    name: &[u8],
    k: &mut dyn Knowledge,
    depth: usize,
    in_chain: &mut Vec<usize>,
) -> Option<Match> {
    if depth > 16 {
        return None;
    }
    let cands = candidates(rules, name, depth > 0);
    // Each candidate's prerequisites are computed once: a second expansion
    // (with its `$(info)`s) happens once per candidate, as in GNU.
    let mut computed: Vec<Option<Vec<Vec<u8>>>> = vec![None; cands.len()];
    // Pass 1: every prerequisite exists or ought to exist.
    for (i, c) in cands.iter().enumerate() {
        if in_chain.contains(&c.rule) {
            continue;
        }
        let rule = &rules[c.rule];
        let deps = computed[i].get_or_insert_with(|| rule_deps(&rule.deps, c, name, k));
        if deps.iter().all(|d| k.exists(d) || k.ought_to_exist(d)) {
            return Some(make_match(rules, c, deps.clone(), Vec::new()));
        }
    }
    // Pass 2: missing prerequisites may themselves be made by implicit rules.
    for (i, c) in cands.iter().enumerate() {
        if in_chain.contains(&c.rule) {
            continue;
        }
        let rule = &rules[c.rule];
        if rule.terminal {
            continue;
        }
        let Some(deps) = computed[i].take() else {
            continue;
        };
        let mut chain = Vec::new();
        let mut ok = true;
        in_chain.push(c.rule);
        for d in &deps {
            if k.exists(d) || k.ought_to_exist(d) {
                continue;
            }
            if k.is_phony(d) {
                ok = false;
                break;
            }
            match search(rules, d, k, depth + 1, in_chain) {
                Some(m) => chain.push((d.clone(), m)),
                None => {
                    ok = false;
                    break;
                }
            }
        }
        in_chain.pop();
        if ok {
            return Some(make_match(rules, c, deps, chain));
        }
    }
    None
}

fn make_match(
    rules: &[PatternRule],
    c: &Candidate,
    deps: Vec<Vec<u8>>,
    chain: Vec<(Vec<u8>, Match)>,
) -> Match {
    let rule = &rules[c.rule];
    let mut stem = c.dir.clone();
    stem.extend_from_slice(&c.stem);
    Match {
        rule: c.rule,
        stem,
        deps,
        order_only: rule.order_only.iter().map(|d| prereq_name(d, c)).collect(),
        recipe: rule.recipe.clone(),
        target_index: c.target_index,
        chain,
        siblings: siblings(rule, c),
    }
}

/// The names a multi-target pattern rule makes besides the matched one.
fn siblings(rule: &PatternRule, c: &Candidate) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (i, pat) in rule.targets.iter().enumerate() {
        if i == c.target_index {
            continue;
        }
        let mut name = Vec::new();
        if memchr::memchr(b'/', &pat.text).is_none() {
            name.extend_from_slice(&c.dir);
        }
        pat.substitute(&c.stem, &mut name);
        out.push(name);
    }
    out
}
