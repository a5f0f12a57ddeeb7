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

/// Which files "ought to exist" (GNU 4.4): first only targets and the
/// explicit prerequisites of the target searched for; when that finds no
/// rule, for compatibility, any file the makefile mentions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ought {
    Strict,
    Compat,
}

/// What the search needs to know about files.
pub trait Knowledge {
    /// The file exists (possibly through vpath).
    fn exists(&mut self, name: &[u8]) -> bool;
    /// The file ought to exist: a target of some rule, or (`own` true) an
    /// explicit prerequisite of the target searched for, or (`Compat`) a
    /// file mentioned anywhere in the makefile.
    fn ought_to_exist(&self, name: &[u8], ought: Ought, own: bool) -> bool;
    /// The file is phony (never matched by implicit rules).
    fn is_phony(&self, name: &[u8]) -> bool;
    /// `.SECONDEXPANSION` of prerequisite text for `target` with `stem`;
    /// `None` when second expansion is off.
    fn second_expand(&mut self, text: &[u8], target: &[u8], stem: &[u8]) -> Option<Vec<u8>>;
    /// A name a second expansion produced from a word without `%`: it is
    /// mentioned in the makefile, so not an intermediate file.
    fn mention(&mut self, _name: &[u8]) {}
    /// The files a wildcard pattern names, sorted (empty if none).
    fn glob(&mut self, pattern: &[u8]) -> Vec<Vec<u8>>;
}

/// A candidate's prerequisites, expanded one rule word at a time as the
/// search reaches them. GNU stops at the first word whose names neither
/// exist nor ought to, so a later word's second expansion (and its
/// `$(info)`s) waits until what the earlier words lead to was searched;
/// each word is expanded once.
#[derive(Clone, Debug, Default)]
struct CandidateDeps {
    /// Per rule word so far: its names.
    words: Vec<WordNames>,
}

/// The normal and the order-only names a prerequisite word gives.
type WordNames = (Vec<Vec<u8>>, Vec<Vec<u8>>);

impl CandidateDeps {
    /// The names of rule word `i` (the prerequisites, then the order-only
    /// ones), expanding the words up to it that are not yet.
    fn word(
        &mut self,
        i: usize,
        rule: &PatternRule,
        c: &Candidate,
        target: &[u8],
        k: &mut dyn Knowledge,
    ) -> &WordNames {
        while self.words.len() <= i {
            let w = self.words.len();
            let (pattern, oo) = match rule.deps.get(w) {
                Some(p) => (p, false),
                None => (&rule.order_only[w - rule.deps.len()], true),
            };
            let (normal, order_only) = word_names(pattern, oo, c, target, k);
            self.words
                .push((globbed(normal, k), globbed(order_only, k)));
        }
        &self.words[i]
    }

    /// Every name so far: the normal ones, then the order-only ones.
    fn names(&self) -> WordNames {
        let normal = self
            .words
            .iter()
            .flat_map(|w| w.0.iter().cloned())
            .collect();
        let order_only = self
            .words
            .iter()
            .flat_map(|w| w.1.iter().cloned())
            .collect();
        (normal, order_only)
    }
}

/// How many words a rule's prerequisite lists have.
fn word_count(rule: &PatternRule) -> usize {
    rule.deps.len() + rule.order_only.len()
}

/// The normal and order-only names one prerequisite word of a pattern rule
/// gives for one candidate: second expansion (when on and the word has a
/// `$`; a `|` in its result starts order-only names), then the stem
/// substituted.
fn word_names(
    pattern: &[u8],
    oo: bool,
    c: &Candidate,
    target: &[u8],
    k: &mut dyn Knowledge,
) -> WordNames {
    let mut normal = Vec::new();
    let mut order_only = Vec::new();
    if memchr::memchr(b'$', pattern).is_some() {
        // Each name the expansion gives gets the stem in its first `%` (and
        // the directory in front), as a prerequisite pattern; a `%` in a
        // variable's name (`$(%_SRCS)`) gets the stem before the expansion
        // (its `$`s escaped).
        let percent = memchr::memchr(b'%', pattern);
        let pre = percent.filter(|&p| in_variable_name(pattern, p));
        let text = match pre {
            Some(p) => {
                let stem = crate::read::rule_line::escape_dollars(c.stem);
                [&pattern[..p], &stem, &pattern[p + 1..]].concat()
            }
            None => pattern.to_vec(),
        };
        let stem = [c.dir, c.stem].concat();
        let dir: &[u8] = if pre.is_some() { c.dir } else { b"" };
        if let Some(expanded) = k.second_expand(&text, target, &stem) {
            let (n, o) = crate::read::rule_line::split_order_only(&expanded);
            if percent.is_none() {
                for w in crate::words::words(n).chain(crate::words::words(o)) {
                    k.mention(w);
                }
            }
            let name = |w: &[u8]| {
                if memchr::memchr(b'%', w).is_some() {
                    prereq_name(w, c)
                } else {
                    [dir, w].concat()
                }
            };
            let names = crate::words::words(n).map(name);
            if oo {
                order_only.extend(names);
            } else {
                normal.extend(names);
            }
            order_only.extend(crate::words::words(o).map(name));
            return (normal, order_only);
        }
    }
    let name = prereq_name(pattern, c);
    if oo {
        order_only.push(name);
    } else {
        normal.push(name);
    }
    (normal, order_only)
}

/// Whether the `%` at `p` is part of a variable's name: `$(` or `${` comes
/// before it with nothing that ends a name in between.
fn in_variable_name(text: &[u8], p: usize) -> bool {
    let mut i = p;
    while i > 0 {
        match text[i - 1] {
            b'(' | b'{' => return i >= 2 && text[i - 2] == b'$',
            b' ' | b'\t' | b',' | b':' | b')' | b'}' | b'$' | b'=' => return false,
            _ => i -= 1,
        }
    }
    false
}

/// Wildcards in prerequisite patterns match files, as in explicit rules.
fn globbed(names: Vec<Vec<u8>>, k: &mut dyn Knowledge) -> Vec<Vec<u8>> {
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

/// A candidate: rule index, target pattern index, stem, and the directory
/// split off before matching (empty if none). Stem and directory are parts
/// of the name searched for: a failed search allocates nothing per rule.
struct Candidate<'n> {
    rule: usize,
    target_index: usize,
    stem: &'n [u8],
    dir: &'n [u8],
}

fn candidates<'n>(rules: &[PatternRule], name: &'n [u8], for_chain: bool) -> Vec<Candidate<'n>> {
    let (dir, file) = split_dir(name);
    let mut found = Vec::new();
    // A rule that is not match-anything (`%`) matching, or a prerequisite
    // of an implicit rule being searched for, rules out non-terminal
    // match-anything rules. Rules without a recipe count here: they are
    // dropped only after.
    let mut specific = false;
    for (ri, rule) in rules.iter().enumerate() {
        for (ti, pat) in rule.targets.iter().enumerate() {
            // A plain scan: patterns are short, and this runs for every
            // rule of every search (memchr's setup cost more than the scan).
            // A name without a directory is its own file part either way.
            let has_slash = !dir.is_empty() && pat.text.contains(&b'/');
            let (subject, d) = if has_slash {
                (name, &b""[..])
            } else {
                (file, dir)
            };
            if let Some(stem) = pat.match_stem(subject) {
                specific |= pat.text != b"%";
                found.push((
                    pat.text == b"%",
                    Candidate {
                        rule: ri,
                        target_index: ti,
                        stem,
                        dir: d,
                    },
                ));
                break;
            }
        }
    }
    let mut found: Vec<Candidate<'n>> = found
        .into_iter()
        .filter(|(anything, c)| {
            let rule = &rules[c.rule];
            rule.recipe.is_some() && !(*anything && (specific || for_chain) && !rule.terminal)
        })
        .map(|(_, c)| c)
        .collect();
    // Shorter stems are more specific and win; ties keep definition order.
    found.sort_by_key(|c| c.stem.len() + c.dir.len());
    found
}

/// Substitutes the stem into a prerequisite pattern, re-adding the directory
/// when the target pattern had none.
fn prereq_name(pattern: &[u8], c: &Candidate) -> Vec<u8> {
    // Most prerequisite patterns have no backslash to unescape: substitute
    // in place, without building a pattern.
    if memchr::memchr(b'\\', pattern).is_none() {
        let mut out = Vec::with_capacity(c.dir.len() + c.stem.len() + pattern.len());
        match memchr::memchr(b'%', pattern) {
            Some(p) => {
                out.extend_from_slice(c.dir);
                out.extend_from_slice(&pattern[..p]);
                out.extend_from_slice(c.stem);
                out.extend_from_slice(&pattern[p + 1..]);
            }
            None => out.extend_from_slice(pattern),
        }
        return out;
    }
    let pat = PercentPattern::new(pattern);
    let mut out = Vec::new();
    match pat.percent {
        Some(_) => {
            // The directory split off the target goes back in front.
            out.extend_from_slice(c.dir);
            pat.substitute(c.stem, &mut out);
        }
        None => out.extend_from_slice(&pat.text),
    }
    out
}

/// Searches for a rule to make `name`: with the strict "ought to exist",
/// then, finding none, with the compatible one.
pub fn search(rules: &[PatternRule], name: &[u8], k: &mut dyn Knowledge) -> Option<Match> {
    let cands = candidates(rules, name, false);
    // Each candidate's prerequisites are computed once: a second expansion
    // (with its `$(info)`s) happens once per candidate, as in GNU.
    let mut computed: Vec<Option<CandidateDeps>> = vec![None; cands.len()];
    let mut in_chain = Vec::new();
    [Ought::Strict, Ought::Compat]
        .into_iter()
        .find_map(|ought| {
            search_candidates(
                rules,
                name,
                &cands,
                &mut computed,
                k,
                0,
                &mut in_chain,
                ought,
            )
        })
}

/// Searches for a rule to make the missing prerequisite `name` of an
/// implicit rule (an intermediate file). `depth` bounds chains.
fn search_chain(
    rules: &[PatternRule],
    name: &[u8],
    k: &mut dyn Knowledge,
    depth: usize,
    in_chain: &mut Vec<usize>,
    ought: Ought,
) -> Option<Match> {
    if depth > 16 {
        return None;
    }
    let cands = candidates(rules, name, true);
    let mut computed = vec![None; cands.len()];
    search_candidates(
        rules,
        name,
        &cands,
        &mut computed,
        k,
        depth,
        in_chain,
        ought,
    )
}

/// The two passes over the candidates: every prerequisite exists or ought
/// to exist; then missing ones may be made by further implicit rules.
#[allow(clippy::too_many_arguments)]
fn search_candidates(
    rules: &[PatternRule],
    name: &[u8],
    cands: &[Candidate],
    computed: &mut [Option<CandidateDeps>],
    k: &mut dyn Knowledge,
    depth: usize,
    in_chain: &mut Vec<usize>,
    ought: Ought,
) -> Option<Match> {
    let own = depth == 0;
    for (i, c) in cands.iter().enumerate() {
        if in_chain.contains(&c.rule) {
            continue;
        }
        let rule = &rules[c.rule];
        let deps = computed[i].get_or_insert_with(CandidateDeps::default);
        let mut all_there = true;
        'words: for w in 0..word_count(rule) {
            let (normal, order_only) = deps.word(w, rule, c, name, k).clone();
            for d in normal.iter().chain(&order_only) {
                if !(k.exists(d) || k.ought_to_exist(d, ought, own)) {
                    all_there = false;
                    break 'words;
                }
            }
        }
        if all_there {
            let (deps, order_only) = deps.names();
            return Some(make_match(rules, c, deps, order_only, Vec::new()));
        }
    }
    for (i, c) in cands.iter().enumerate() {
        let rule = &rules[c.rule];
        if in_chain.contains(&c.rule) || rule.terminal {
            continue;
        }
        let Some(deps) = computed[i].as_mut() else {
            continue;
        };
        let mut chain = Vec::new();
        let mut ok = true;
        in_chain.push(c.rule);
        'words: for w in 0..word_count(rule) {
            let (normal, order_only) = deps.word(w, rule, c, name, k).clone();
            for d in normal.iter().chain(&order_only) {
                if k.exists(d) || k.ought_to_exist(d, ought, own) {
                    continue;
                }
                if k.is_phony(d) {
                    ok = false;
                    break 'words;
                }
                match search_chain(rules, d, k, depth + 1, in_chain, ought) {
                    Some(m) => chain.push((d.clone(), m)),
                    None => {
                        ok = false;
                        break 'words;
                    }
                }
            }
        }
        in_chain.pop();
        if ok {
            let (deps, order_only) = deps.names();
            return Some(make_match(rules, c, deps, order_only, chain));
        }
    }
    None
}

fn make_match(
    rules: &[PatternRule],
    c: &Candidate,
    deps: Vec<Vec<u8>>,
    order_only: Vec<Vec<u8>>,
    chain: Vec<(Vec<u8>, Match)>,
) -> Match {
    let rule = &rules[c.rule];
    let mut stem = c.dir.to_vec();
    stem.extend_from_slice(c.stem);
    Match {
        rule: c.rule,
        stem,
        deps,
        order_only,
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
            name.extend_from_slice(c.dir);
        }
        pat.substitute(c.stem, &mut name);
        out.push(name);
    }
    out
}
