//! Implicit-rule search: which pattern rule (possibly through a chain of
//! intermediate files) can make a target, as GNU make chooses it.

use std::rc::Rc;

use smallvec::SmallVec;

use crate::name_table::NameTable;
use crate::pattern::PercentPattern;

use super::rule_index::RuleIndex;
use crate::rules::{PatternRule, Recipe};
use crate::trace::debug::{self, search as say};

/// A pattern rule chosen for a target.
#[derive(Clone, Debug)]
pub struct Match {
    pub rule: usize,
    pub stem: Vec<u8>,
    /// Prerequisite names with the stem substituted (directory re-added).
    pub deps: Vec<Vec<u8>>,
    pub order_only: Vec<Vec<u8>>,
    pub recipe: Option<Rc<Recipe>>,
    /// Prerequisites that do not exist and must be made by further implicit
    /// rules (intermediate files), with their own matches.
    pub chain: Vec<(Vec<u8>, Match)>,
    /// The global `.EXTRA_PREREQS` the rule has, `%` in them replaced by
    /// the stem as in its own prerequisites (GNU adds them to every
    /// pattern rule).
    pub extras: Vec<Vec<u8>>,
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
    /// Whether the file ought to exist: `Strict` when it is a target of
    /// some rule, or (`own` true) an explicit prerequisite of the target
    /// searched for; `Compat` when it is only mentioned elsewhere in the
    /// makefile; `None` when neither.
    fn ought_to_exist(&self, name: &[u8], own: bool) -> Option<Ought>;
    /// Where directory search found a file that is not where its name
    /// says (`--debug=i` names it).
    fn found_by_vpath(&mut self, _name: &[u8]) -> Option<Vec<u8>> {
        None
    }
    /// Counts the moments files may have changed other than by make's
    /// reading (a job, `$(shell)`): equal counts, nothing changed between.
    fn changes(&self) -> u64 {
        0
    }
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
    /// `.SECONDEXPANSION` is on: prerequisite text may run functions.
    fn second_expansion(&self) -> bool;
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

    /// Every name of every word: the normal ones, then the order-only ones.
    fn all_names(
        &mut self,
        rule: &PatternRule,
        c: &Candidate,
        target: &[u8],
        k: &mut dyn Knowledge,
    ) -> WordNames {
        if let Some(last) = word_count(rule).checked_sub(1) {
            self.word(last, rule, c, target, k);
        }
        self.names()
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

/// Rule word `w`: of the prerequisites, then of the order-only ones.
fn word_pattern(rule: &PatternRule, w: usize) -> &[u8] {
    match rule.deps.get(w) {
        Some(p) => p,
        None => &rule.order_only[w - rule.deps.len()],
    }
}

/// A prerequisite pattern with a `%`: its names are "implicit
/// prerequisites" (`--debug=i`), the others "rule prerequisites".
fn has_percent(pattern: &[u8]) -> bool {
    memchr::memchr(b'%', pattern).is_some()
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
        // As GNU 4.4 does: the stem (without its directory) goes into the
        // first `%` of each blank-separated piece of the text before the
        // expansion (`$(%_SRCS)`, `$(addsuffix .c,% q)`), and every name
        // the expansion gives gets the directory in front. Without a `%`
        // in the text, a name with one (`$(subst X,%,aX.c)`) gets the stem
        // and directory as a prerequisite pattern.
        let percent = memchr::memchr(b'%', pattern);
        let text = match percent {
            Some(_) => stem_in_each_piece(pattern, c.stem),
            None => pattern.to_vec(),
        };
        let stem = [c.dir, c.stem].concat();
        let dir: &[u8] = if percent.is_some() { c.dir } else { b"" };
        if let Some(expanded) = k.second_expand(&text, target, &stem) {
            let (n, o) = crate::read::rule_line::split_order_only(&expanded);
            if percent.is_none() {
                for w in crate::words::words(n).chain(crate::words::words(o)) {
                    k.mention(w);
                }
            }
            let name = |w: &[u8]| {
                if percent.is_none() && memchr::memchr(b'%', w).is_some() {
                    prereq_name(w, c)
                } else {
                    // The name as written loses its `./` before the
                    // directory goes in front: `$$*.c` is `x.c` for `./x.o`,
                    // `$$(dir %)y.c` is `./y.c` (GNU 4.4.1).
                    [dir, crate::read::rule_line::strip_dot_slash(w)].concat()
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

/// `text` with `stem` (its `$`s escaped) in the first `%` of each piece
/// between blanks: `$(info a%b%c [%])` → `$(info abarb%c [bar])`.
fn stem_in_each_piece(text: &[u8], stem: &[u8]) -> Vec<u8> {
    let stem = crate::read::rule_line::escape_dollars(stem);
    let mut out = Vec::with_capacity(text.len() + stem.len());
    let mut replaced = false;
    for &b in text {
        if b == b' ' || b == b'\t' {
            replaced = false;
        } else if b == b'%' && !replaced {
            out.extend_from_slice(&stem);
            replaced = true;
            continue;
        }
        out.push(b);
    }
    out
}

/// Wildcards in prerequisite patterns match files, as in explicit rules.
fn globbed(names: Vec<Vec<u8>>, k: &mut dyn Knowledge) -> Vec<Vec<u8>> {
    if !names.iter().any(|n| crate::glob::has_magic(n)) {
        return names;
    }
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

/// The pattern rules a search uses, with their index.
#[derive(Clone, Copy)]
pub struct Rules<'r> {
    pub list: &'r [PatternRule],
    pub index: &'r RuleIndex,
    /// The names the global `.EXTRA_PREREQS` gives every pattern rule as
    /// prerequisites after its own (as `-p` shows them), the dummy
    /// `%.SUFFIX:` rules too: the search wants them to exist, ought to, or
    /// be made by a chain, as any name a rule writes without `%`.
    pub extras: &'r [Vec<u8>],
}

impl Rules<'_> {
    /// Whether a rule matching a name rules out the non-terminal
    /// match-anything rules for it: one with a recipe, or one with neither
    /// recipe nor prerequisites (a dummy `%.c:` rule, GNU manual,
    /// "Match-Anything Pattern Rules"). One with prerequisites but no
    /// recipe does not: it is dropped as if never matched (GNU 4.4.1).
    fn rules_out_anything(&self, rule: &PatternRule) -> bool {
        rule.recipe.is_some()
            || (rule.deps.is_empty() && rule.order_only.is_empty() && self.extras.is_empty())
    }
}

/// The candidates of one name: on the stack, as this runs for every link of
/// every chain and few names have more than a handful.
type Candidates<'n> = SmallVec<[Candidate<'n>; 16]>;

/// The candidates for `name`, in the order they are tried, into `found`
/// (the caller's, on its stack: returned by value, the list was copied on
/// every call); `may_match` is scratch space (kept by the caller: this runs
/// for every link of every chain).
fn candidates<'n>(
    rules: Rules,
    name: &'n [u8],
    for_chain: bool,
    may_match: &mut Vec<(usize, usize)>,
    found: &mut Candidates<'n>,
) {
    let (dir, file) = split_dir(name);
    rules.index.may_match(name, may_match);
    // A target pattern other than `%` matching (of any rule, a
    // match-anything one's `%.o` too), or a prerequisite of an implicit
    // rule being searched for, rules out non-terminal match-anything rules:
    // those with a `%` target, whichever of their targets matched (GNU
    // 4.4.1, 4.3). Rules without a recipe may count here: they are dropped
    // only after.
    let mut specific = false;
    let mut last_rule = None;
    for &(ri, ti) in may_match.iter() {
        let rule = &rules.list[ri];
        let pat = &rule.targets[ti];
        // A name without a directory is its own file part either way.
        let has_slash = !dir.is_empty() && pat.text.contains(&b'/');
        let (subject, d) = if has_slash {
            (name, &b""[..])
        } else {
            (file, dir)
        };
        let Some(stem) = pat.match_stem(subject) else {
            continue;
        };
        // A stem is never empty (`a%` does not match `a`); the directory
        // split off counts as part of it (`%.o` matches `sub/.o`).
        if stem.is_empty() && d.is_empty() {
            continue;
        }
        let anything = pat.text == b"%";
        // Every matching target pattern counts here: in `% a%:` the `a%`
        // matching `all` rules out the rule that its `%` matched first.
        specific |= !anything && rules.rules_out_anything(rule);
        // Only a rule's first matching target pattern is a candidate.
        if last_rule == Some(ri) {
            continue;
        }
        last_rule = Some(ri);
        if rules.index.match_anything[ri] && !rule.terminal && for_chain {
            continue;
        }
        found.push(Candidate {
            rule: ri,
            target_index: ti,
            stem,
            dir: d,
        });
    }
    if specific {
        found.retain(|c| rules.list[c.rule].terminal || !rules.index.match_anything[c.rule]);
    }
    let anything = |ri: usize| Candidate {
        rule: ri,
        target_index: 0,
        stem: file,
        dir,
    };
    found.extend(rules.index.anything_terminal.iter().map(|&ri| anything(ri)));
    if !(specific || for_chain) {
        found.extend(rules.index.anything_other.iter().map(|&ri| anything(ri)));
    }
    found.retain(|c| rules.list[c.rule].recipe.is_some());
    // Shorter stems are more specific and win; ties keep definition order.
    found.sort_by_key(|c| (c.stem.len() + c.dir.len(), c.rule));
}

/// Substitutes the stem into a prerequisite pattern, re-adding the directory
/// when the target pattern had none.
fn prereq_name(pattern: &[u8], c: &Candidate) -> Vec<u8> {
    let mut out = Vec::with_capacity(c.dir.len() + c.stem.len() + pattern.len());
    prereq_name_into(pattern, c, &mut out);
    out
}

/// [`prereq_name`] into `out`, which is cleared first.
fn prereq_name_into(pattern: &[u8], c: &Candidate, out: &mut Vec<u8>) {
    out.clear();
    // At most this long: one allocation for an empty scratch, none after.
    out.reserve(c.dir.len() + c.stem.len() + pattern.len());
    // Most prerequisite patterns have no backslash to unescape: substitute
    // in place, without building a pattern. (Patterns are a few bytes long:
    // one plain loop finds both, cheaper than two calls to memchr.)
    let mut percent = None;
    let mut backslash = false;
    for (i, &b) in pattern.iter().enumerate() {
        match b {
            b'\\' => backslash = true,
            b'%' if percent.is_none() => percent = Some(i),
            _ => {}
        }
    }
    if !backslash {
        match percent {
            Some(p) => {
                out.extend_from_slice(c.dir);
                out.extend_from_slice(&pattern[..p]);
                out.extend_from_slice(c.stem);
                out.extend_from_slice(&pattern[p + 1..]);
            }
            None => out.extend_from_slice(pattern),
        }
    } else {
        let pat = PercentPattern::new(pattern);
        match pat.percent {
            Some(_) => {
                // The directory split off the target goes back in front.
                out.extend_from_slice(c.dir);
                pat.substitute(c.stem, out);
            }
            None => out.extend_from_slice(&pat.text),
        }
    }
    drop_dot_slash(out);
}

/// A prerequisite name is a file name like any other: a target named
/// `./x` (as `MAKEFILES=./x` names it) has the implicit prerequisite
/// `x.c`, not `./x.c`, while its stem stays `./x` (GNU 4.4.1).
fn drop_dot_slash(name: &mut Vec<u8>) {
    let kept = crate::read::rule_line::strip_dot_slash(name).len();
    if kept < name.len() {
        name.drain(..name.len() - kept);
    }
}

/// Searches for a rule to make `name`: with the strict "ought to exist",
/// then, finding none, with the compatible one (GNU manual, "Implicit Rule
/// Search Algorithm", step 7). `scratch` is the space of earlier searches,
/// to use again.
pub fn search(
    rules: Rules,
    name: &[u8],
    k: &mut dyn Knowledge,
    scratch: &mut Scratch,
) -> Option<Match> {
    scratch.clear();
    let mut cands = Candidates::new();
    candidates(rules, name, false, &mut scratch.may_match, &mut cands);
    let pure = !k.second_expansion();
    let base = scratch.trace.unwrap_or(0);
    let mut s = Search {
        rules,
        k,
        ought: Ought::Strict,
        pure,
        compat_differs: false,
        scratch,
        base,
    };
    s.passes(name, &cands, 0)
}

/// What a search learns and works in, kept from one search to the next by
/// the caller: a no-op build with the built-in rules searches for every
/// source and header, each along a dozen chains of intermediate names, and
/// allocating this afresh each time made most of its `malloc` calls.
#[derive(Default)]
pub struct Scratch {
    /// The rules of the chain being followed (a rule is used once per
    /// chain).
    in_chain: Vec<usize>,
    /// Intermediate files no chain could make, with what each failure
    /// depended on. The same name is reached along many chains (`%: %.o`
    /// then `%.o: %.c`, and `%: %.c`, both reach `x.c`); searched again
    /// with the rules it found excluded still excluded, and no more depth
    /// if the depth limit played a part, it fails again.
    failed: Failed,
    /// The chain searches under way, innermost last.
    frames: Vec<Frame>,
    /// Scratch space for [`candidates`].
    may_match: Vec<(usize, usize)>,
    /// Buffers for prerequisite names, one per chain level under way.
    names: Vec<Vec<u8>>,
    /// `--debug=i`: how far in the search's "Looking for" line is (the
    /// search narrates itself), or `None` (it does not).
    pub trace: Option<usize>,
    /// Intermediate files no rule could make (in a strict search, whatever
    /// the chain that led to them excluded), for the whole run: a candidate
    /// needing one is rejected at once by later searches, which so
    /// may take a rule the compatible search finds (GNU 4.4.1, `--debug=i`
    /// or not). Each with [`Knowledge::changes`] when it was found so: GNU
    /// keeps this with its directory listings, so it forgets it once a
    /// recipe has run since (the listing is read again).
    impossible: rustc_hash::FxHashMap<Vec<u8>, u64>,
    /// Intermediate files a chain search found a rule for, with it, for
    /// the whole run: GNU 4.4.1 enters them as targets then, even when the
    /// candidate that looked for them fails at a later prerequisite (an
    /// `.EXTRA_PREREQS` that no rule makes), so from then on they ought
    /// to exist, and are made as the intermediate files they were found
    /// to be.
    entered: rustc_hash::FxHashMap<Vec<u8>, Match>,
    /// The other targets of the multi-target pattern rules chain searches
    /// found for intermediate files, for the whole run: GNU 4.4.1 enters
    /// them as targets at once, even when the candidate that looked for
    /// the intermediate file fails, so from then on they ought to exist
    /// (with no rule of their own: they are searched for when needed).
    made_too: rustc_hash::FxHashSet<Vec<u8>>,
    /// The names added to [`Scratch::made_too`] since the caller last took
    /// them ([`Scratch::take_made_too`]): made by a pattern rule's recipe
    /// as far as the caller is concerned, so neither `.DEFAULT` nor "No
    /// rule" applies to them.
    new_made_too: Vec<Vec<u8>>,
    /// The missing names a pattern's `%` gave in the last search that its
    /// strict pass found only the compatible one would take ("does not
    /// qualify as ought to exist"). GNU 4.4.1 makes such a file that the
    /// makefile does not name (a goal, a static pattern rule's
    /// prerequisite) an intermediate one from then on: the caller takes
    /// them with [`Scratch::take_not_qualified`].
    not_qualified: Vec<Vec<u8>>,
}

impl Scratch {
    /// Forgets the last search, keeping the space.
    fn clear(&mut self) {
        self.in_chain.clear();
        self.failed.clear();
        self.frames.clear();
        self.not_qualified.clear();
    }

    /// [`Scratch::new_made_too`], taken.
    pub fn take_made_too(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.new_made_too)
    }

    /// [`Scratch::not_qualified`] of the last search, taken.
    pub fn take_not_qualified(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.not_qualified)
    }
}

/// [`Scratch::failed`]: how each name failed (most fail once: kept inline).
type Failed = NameTable<SmallVec<[Failure; 1]>>;

/// One search: the rules, what is known of files, and what this search
/// has learnt so far.
struct Search<'r, 'k, 's> {
    rules: Rules<'r>,
    k: &'k mut dyn Knowledge,
    ought: Ought,
    /// No second expansion: what the search learns of files does not
    /// change while it runs, so failures may be remembered (a second
    /// expansion's `$(info)`s must run each time), and prerequisite
    /// patterns are names as written.
    pure: bool,
    /// During the strict pass of a name: one of its prerequisites was not
    /// to exist strictly but would be compatibly, so the compatible pass
    /// may find more.
    compat_differs: bool,
    /// Where the search works, and what it has learnt so far.
    scratch: &'s mut Scratch,
    /// `--debug=i`: the indentation of the name's own lines (its
    /// candidates' are one further in).
    base: usize,
}

/// A failed search for an intermediate file, as [`Scratch::failed`] keeps it.
struct Failure {
    /// The rules it skipped because the chain leading to it used them.
    relied_on: RuleList,
    depth: usize,
    depth_limited: bool,
}

/// A few rules (most searches rely on none or one).
type RuleList = SmallVec<[usize; 4]>;

/// Whether `rule` is in the chain being followed (so not to be used again);
/// if so, every search under way that the chain's earlier links led to
/// notes that it relied on that.
fn note_relied_on(frames: &mut [Frame], in_chain: &[usize], rule: usize) -> bool {
    let Some(at) = in_chain.iter().position(|&r| r == rule) else {
        return false;
    };
    for frame in frames.iter_mut().rev() {
        if frame.base <= at {
            break;
        }
        frame.relied_on.push(rule);
    }
    true
}

/// The depth limit cut the searches under way short.
fn note_depth_limited(frames: &mut [Frame]) {
    for frame in frames {
        frame.depth_limited = true;
    }
}

/// A chain search under way.
struct Frame {
    /// `in_chain.len()` when it started: the rules before that index are
    /// excluded by the chain that led to it, the others by its own.
    base: usize,
    /// Rules before `base` that it skipped as candidates.
    relied_on: RuleList,
    /// It met the depth limit.
    depth_limited: bool,
}

impl Search<'_, '_, '_> {
    /// `rule` is used by the chain being followed (so not again), noted by
    /// every search under way that this depends on.
    fn excluded(&mut self, rule: usize) -> bool {
        note_relied_on(&mut self.scratch.frames, &self.scratch.in_chain, rule)
    }

    /// `d` exists or ought to exist. `percent`: `d` is a pattern's (see
    /// [`Search::not_qualifying`]).
    fn there(&mut self, d: &[u8], own: bool, percent: bool) -> bool {
        if self.k.exists(d) {
            return true;
        }
        match self.ought_to_exist(d, own) {
            Some(Ought::Strict) => true,
            Some(Ought::Compat) if self.ought == Ought::Compat => true,
            Some(Ought::Compat) => {
                self.not_qualifying(d, percent);
                false
            }
            None => false,
        }
    }

    /// The strict search met `d`, which the compatible one would take: it
    /// may find more. A missing name a pattern's `%` gave is noted too
    /// (see [`Scratch::not_qualified`]).
    fn not_qualifying(&mut self, d: &[u8], percent: bool) {
        self.compat_differs = true;
        if percent && !self.scratch.not_qualified.iter().any(|n| n == d) {
            self.scratch.not_qualified.push(d.to_vec());
        }
    }

    /// Whether `d` ought to exist (see [`Knowledge::ought_to_exist`]): a
    /// file a chain search found a rule for does, as a target.
    fn ought_to_exist(&self, d: &[u8], own: bool) -> Option<Ought> {
        if self.scratch.entered.contains_key(d) || self.scratch.made_too.contains(d) {
            return Some(Ought::Strict);
        }
        self.k.ought_to_exist(d, own)
    }

    /// Searches for a rule to make the missing prerequisite `name` of an
    /// implicit rule (an intermediate file). `depth` bounds chains.
    fn chain(&mut self, name: &[u8], depth: usize) -> Option<Match> {
        if depth > 16 {
            note_depth_limited(&mut self.scratch.frames);
            return None;
        }
        if self.tracing() {
            self.say_avoiding();
        } else if self.known_to_fail(name, depth) {
            return None;
        }
        let mut cands = Candidates::new();
        candidates(
            self.rules,
            name,
            true,
            &mut self.scratch.may_match,
            &mut cands,
        );
        self.scratch.frames.push(Frame {
            base: self.scratch.in_chain.len(),
            relied_on: RuleList::new(),
            depth_limited: false,
        });
        let found = self.passes(name, &cands, depth);
        if let Some(m) = &found {
            self.enter_chain(m);
        }
        let frame = self.scratch.frames.pop().expect("pushed above");
        if found.is_none() && self.pure {
            let mut relied_on = frame.relied_on;
            relied_on.sort_unstable();
            relied_on.dedup();
            let failure = Failure {
                relied_on,
                depth,
                depth_limited: frame.depth_limited,
            };
            // A name the table has no room for is searched again next time.
            if let Some(failures) = self.scratch.failed.get_or_insert_with(name, SmallVec::new) {
                failures.push(failure);
            }
        }
        found
    }

    /// The intermediate files of `m`, found for a chain's link, and the
    /// other targets of its rule are targets from now on (see
    /// [`Scratch::entered`], [`Scratch::made_too`]). What failed before
    /// may not fail now.
    fn enter_chain(&mut self, m: &Match) {
        let mut more = false;
        for sibling in &m.siblings {
            if self.scratch.made_too.insert(sibling.clone()) {
                self.scratch.new_made_too.push(sibling.clone());
                more = true;
            }
        }
        for (name, link) in &m.chain {
            more |= self
                .scratch
                .entered
                .insert(name.clone(), link.clone())
                .is_none();
        }
        if more {
            self.scratch.failed.clear();
        }
    }

    /// A search for `name` failed before, with every rule it found
    /// excluded excluded now too, and (if the depth limit cut it short) no
    /// more depth left than now: it fails again. What that failure relied
    /// on, the searches under way now rely on.
    fn known_to_fail(&mut self, name: &[u8], depth: usize) -> bool {
        let Scratch {
            failed,
            in_chain,
            frames,
            ..
        } = &mut *self.scratch;
        let before = failed.get(name).map_or(&[][..], |f| &f[..]);
        let Some(failure) = before.iter().find(|f| {
            (!f.depth_limited || f.depth <= depth)
                && f.relied_on.iter().all(|r| in_chain.contains(r))
        }) else {
            return false;
        };
        for &rule in &failure.relied_on {
            note_relied_on(frames, in_chain, rule);
        }
        if failure.depth_limited {
            note_depth_limited(frames);
        }
        true
    }

    /// A candidate whose prerequisites are names as written, one per
    /// pattern (no second expansion, no wildcard in the patterns nor in the
    /// stem, as a goal `x*` gives): they are checked without being kept,
    /// which is what most candidates of a failing search need.
    fn plain(&self, c: &Candidate) -> bool {
        self.pure
            && self.rules.index.plain[c.rule]
            && !crate::glob::has_magic(c.stem)
            && !crate::glob::has_magic(c.dir)
    }

    /// The search for one name, the target's or an intermediate file's
    /// along a chain: the strict passes, then, finding nothing, the
    /// compatible ones, whose own chains are searched compatibly only. So
    /// a chain's link is found compatibly before a later rule of the link
    /// above it is tried (GNU 4.4.1). Whether some search finds a rule does
    /// not depend on the order (the compatible "ought to exist" allows
    /// more), so what failed before fails again either way.
    fn passes(&mut self, name: &[u8], cands: &[Candidate], depth: usize) -> Option<Match> {
        // Each candidate's prerequisites are computed once: a second
        // expansion (with its `$(info)`s) happens once per candidate, as
        // in GNU.
        let mut computed = Vec::new();
        // The compatible passes can only find more when some answer of this
        // name's own prerequisites differs, second expansion or not; GNU
        // (`-d`) searches compatibly only then.
        let outer = std::mem::replace(&mut self.compat_differs, false);
        let mut found = self.candidates(name, cands, &mut computed, depth);
        if found.is_none() && self.ought == Ought::Strict && self.compat_differs {
            if self.tracing() {
                say::searching_compatibility(self.base, &show(name));
                // GNU's compatible pass is a new search: a chain's link
                // says again which rules the chain above it uses.
                self.say_avoiding();
            }
            self.ought = Ought::Compat;
            found = self.candidates(name, cands, &mut computed, depth);
            self.ought = Ought::Strict;
        }
        self.compat_differs = outer;
        found
    }

    /// The two passes over the candidates: every prerequisite exists or
    /// ought to exist; then missing ones may be made by further implicit
    /// rules.
    fn candidates(
        &mut self,
        name: &[u8],
        cands: &[Candidate],
        computed: &mut Vec<Option<CandidateDeps>>,
        depth: usize,
    ) -> Option<Match> {
        let mut scratch = self.scratch.names.pop().unwrap_or_default();
        let found = self.candidates_with(name, cands, computed, depth, &mut scratch);
        self.scratch.names.push(scratch);
        found
    }

    /// [`Search::candidates`], with `scratch` to build prerequisite names in.
    fn candidates_with(
        &mut self,
        name: &[u8],
        cands: &[Candidate],
        computed: &mut Vec<Option<CandidateDeps>>,
        depth: usize,
        scratch: &mut Vec<u8>,
    ) -> Option<Match> {
        let own = depth == 0;
        let rules = self.rules;
        // `--debug=i`: the candidates a prerequisite known to be impossible
        // ruled out (not tried again), and whether any was tried.
        let mut rejected = Vec::new();
        let mut tried = false;
        for (i, c) in cands.iter().enumerate() {
            if self.excluded(c.rule) {
                continue;
            }
            let rule = &rules.list[c.rule];
            if self.tracing() {
                tried = true;
                self.say_trying(rule, c);
                if self.traced_first_pass(rule, c, own, scratch) {
                    let deps =
                        slot(computed, i, cands.len()).get_or_insert_with(CandidateDeps::default);
                    let (deps, order_only) = deps.all_names(rule, c, name, self.k);
                    return Some(self.found(c, deps, order_only, Vec::new()));
                }
                if self.rejected_as_impossible(rule, c, scratch) {
                    rejected.push(i);
                }
                continue;
            }
            let all_there = if self.plain(c) {
                rule.deps.iter().chain(&rule.order_only).all(|pattern| {
                    prereq_name_into(pattern, c, scratch);
                    let percent = has_percent(pattern);
                    !(percent && self.impossible(scratch)) && self.there(scratch, own, percent)
                })
            } else {
                self.general_deps_there(rule, c, name, slot(computed, i, cands.len()), own)
            };
            if all_there && self.extras_there(c, own, scratch) {
                let deps =
                    slot(computed, i, cands.len()).get_or_insert_with(CandidateDeps::default);
                let (deps, order_only) = deps.all_names(rule, c, name, self.k);
                return Some(self.found(c, deps, order_only, Vec::new()));
            }
        }
        if tried {
            say::trying_harder(self.base + 1);
        }
        for (i, c) in cands.iter().enumerate() {
            let rule = &rules.list[c.rule];
            if rule.terminal || rejected.contains(&i) || self.excluded(c.rule) {
                continue;
            }
            if self.tracing() {
                self.say_trying(rule, c);
            }
            self.scratch.in_chain.push(c.rule);
            let mut chain = if self.tracing() {
                self.traced_chain(rule, c, own, depth, scratch)
            } else if self.plain(c) {
                self.plain_chain(rule, c, own, depth, scratch)
            } else {
                self.general_chain(rule, c, name, slot(computed, i, cands.len()), own, depth)
            };
            if let Some(links) = &mut chain {
                if self.extras_chain(c, own, depth, links).is_none() {
                    chain = None;
                }
            }
            self.scratch.in_chain.pop();
            if let Some(chain) = chain {
                let deps =
                    slot(computed, i, cands.len()).get_or_insert_with(CandidateDeps::default);
                let (deps, order_only) = deps.all_names(rule, c, name, self.k);
                return Some(self.found(c, deps, order_only, chain));
            }
        }
        None
    }

    /// The match of candidate `c`: a prerequisite that is there only as
    /// an intermediate file an earlier chain search found (see
    /// [`Scratch::entered`]) is made as that search found.
    fn found(
        &mut self,
        c: &Candidate,
        deps: Vec<Vec<u8>>,
        order_only: Vec<Vec<u8>>,
        mut chain: Vec<(Vec<u8>, Match)>,
    ) -> Match {
        if !self.scratch.entered.is_empty() {
            for d in deps.iter().chain(&order_only) {
                let Some(link) = self.scratch.entered.get(d) else {
                    continue;
                };
                let link = link.clone();
                if chain.iter().all(|(n, _)| n != d)
                    && !self.k.exists(d)
                    && self.k.ought_to_exist(d, false) != Some(Ought::Strict)
                {
                    chain.push((d.clone(), link));
                }
            }
        }
        make_match(self.rules, c, deps, order_only, chain)
    }

    /// `--debug=i` is on: the search says what it tries.
    fn tracing(&self) -> bool {
        self.scratch.trace.is_some()
    }

    /// A rule as `--debug=i` names it: with the global `.EXTRA_PREREQS`.
    fn rule_text(&self, rule: &PatternRule) -> String {
        debug::rule_text_with(rule, self.rules.extras)
    }

    /// "Trying pattern rule ... with stem ...": the stem as matched, without
    /// the directory a pattern with no slash is matched past (`d` for
    /// `sub/d.o` and `%.o`, though `$*` is `sub/d`), GNU 4.4.1 and 4.3.
    fn say_trying(&self, rule: &PatternRule, c: &Candidate) {
        say::trying_rule(self.base + 1, &self.rule_text(rule), &show(c.stem));
    }

    /// A chain's search does not use the rules of the chain that led to
    /// it: each is named, in the order they were defined.
    fn say_avoiding(&self) {
        let mut rules = self.scratch.in_chain.clone();
        rules.sort_unstable();
        rules.dedup();
        for r in rules {
            let text = self.rule_text(&self.rules.list[r]);
            say::avoiding_recursion(self.base + 1, &text);
        }
    }

    /// The prerequisite names of a candidate, each with whether its
    /// pattern has a `%` (an "implicit" prerequisite, else a "rule" one),
    /// the global `.EXTRA_PREREQS` last.
    fn traced_names(
        &mut self,
        rule: &PatternRule,
        c: &Candidate,
        scratch: &mut Vec<u8>,
    ) -> Vec<(Vec<u8>, bool)> {
        let mut names: Vec<(Vec<u8>, bool)> = rule
            .deps
            .iter()
            .chain(&rule.order_only)
            .flat_map(|pattern| {
                prereq_name_into(pattern, c, scratch);
                let percent = has_percent(pattern);
                // Wildcards match files, as the untraced search has them
                // (`globbed`): GNU names each file it tries.
                globbed(vec![scratch.clone()], &mut *self.k)
                    .into_iter()
                    .map(move |d| (d, percent))
            })
            .collect();
        // The global `.EXTRA_PREREQS` come last, tried as the rule's own
        // prerequisites (named as written, or with the stem for `%`).
        names.extend(self.rules.extras.iter().map(|d| {
            extra_name_into(d, c, scratch);
            (scratch.clone(), has_percent(d))
        }));
        names
    }

    /// A prerequisite the run found impossible rules the candidate out
    /// at once (in the compatible search too: what no rule made strictly
    /// was only a name no makefile mentions), when it comes from a pattern
    /// with `%`: a prerequisite named as it is written is looked for again
    /// (GNU 4.4.1). One that has become a target since (the other target
    /// of a pattern rule applied) ought to exist instead.
    fn impossible(&self, name: &[u8]) -> bool {
        self.scratch.impossible.get(name) == Some(&self.k.changes())
            && self.ought_to_exist(name, false) != Some(Ought::Strict)
    }

    /// No rule makes `d`: later strict searches reject a candidate needing
    /// it at once. Not a name the makefile mentions (one only an
    /// `.EXTRA_PREREQS` names too): the compatible search may still find
    /// it, so it stays possible (GNU 4.4.1).
    fn mark_impossible(&mut self, d: &[u8]) {
        if self.ought == Ought::Strict && self.ought_to_exist(d, false).is_none() {
            let now = self.k.changes();
            self.scratch.impossible.insert(d.to_vec(), now);
        }
    }

    /// Whether a candidate was ruled out by an impossible prerequisite
    /// (before the first one that is not there).
    fn rejected_as_impossible(
        &mut self,
        rule: &PatternRule,
        c: &Candidate,
        scratch: &mut Vec<u8>,
    ) -> bool {
        for (d, percent) in self.traced_names(rule, c, scratch) {
            if percent && self.impossible(&d) {
                return true;
            }
            if !self.quietly_there(&d) {
                return false;
            }
        }
        false
    }

    /// [`Search::there`] without noting anything.
    fn quietly_there(&mut self, d: &[u8]) -> bool {
        let compat_differs = self.compat_differs;
        let there = self.there(d, false, false);
        self.compat_differs = compat_differs;
        there
    }

    /// The first pass over one candidate, narrated: whether each
    /// prerequisite exists or ought to.
    fn traced_first_pass(
        &mut self,
        rule: &PatternRule,
        c: &Candidate,
        own: bool,
        scratch: &mut Vec<u8>,
    ) -> bool {
        let at = self.base + 1;
        let text = self.rule_text(rule);
        for (d, percent) in self.traced_names(rule, c, scratch) {
            if percent && self.impossible(&d) {
                say::rejecting_impossible(at, &text, &show(&d), true);
                return false;
            }
            say::trying_prerequisite(at, &show(&d), percent);
            if !self.traced_there(&d, own, percent, &text) {
                say::not_found(at, &show(&d));
                return false;
            }
        }
        true
    }

    /// Whether `d` exists or ought to, saying which.
    fn traced_there(&mut self, d: &[u8], own: bool, percent: bool, rule: &str) -> bool {
        let at = self.base + 1;
        if self.k.exists(d) {
            match self.k.found_by_vpath(d) {
                Some(path) => say::found_by_vpath(at, &show(d), &show(&path)),
                None => say::found(at, &show(d)),
            }
            return true;
        }
        match self.ought_to_exist(d, own) {
            Some(Ought::Strict) => {
                say::ought_to_exist(at, &show(d));
                true
            }
            Some(Ought::Compat) if self.ought == Ought::Compat => {
                say::using_compatibility_rule(at, rule, &show(d));
                true
            }
            Some(Ought::Compat) => {
                say::does_not_qualify(at, &show(d), rule);
                self.not_qualifying(d, percent);
                false
            }
            None => false,
        }
    }

    /// The second pass over one candidate, narrated: a prerequisite that
    /// is not there is looked for as an intermediate file.
    fn traced_chain(
        &mut self,
        rule: &PatternRule,
        c: &Candidate,
        own: bool,
        depth: usize,
        scratch: &mut Vec<u8>,
    ) -> Option<Vec<(Vec<u8>, Match)>> {
        let at = self.base + 1;
        let text = self.rule_text(rule);
        let mut chain = Vec::new();
        for (d, percent) in self.traced_names(rule, c, scratch) {
            if percent && self.impossible(&d) {
                say::rejecting_impossible(at, &text, &show(&d), true);
                return None;
            }
            say::trying_prerequisite(at, &show(&d), percent);
            // Named twice (a pattern's and an extra prerequisite): the
            // chain makes it once.
            if chain.iter().any(|(n, _)| *n == d) {
                continue;
            }
            // GNU names a prerequisite written without `%`, or one the
            // compatible search would allow, an "explicit file".
            let mentioned = !self.k.exists(&d)
                && self.ought == Ought::Strict
                && self.ought_to_exist(&d, own) == Some(Ought::Compat);
            if self.traced_there(&d, own, percent, &text) {
                continue;
            }
            if self.k.is_phony(&d) {
                return None;
            }
            if mentioned || !percent {
                say::looking_for_explicit(at, &show(&d));
            } else {
                say::looking_for_intermediate(at, &show(&d));
            }
            self.base += 1;
            let found = self.chain(&d, depth + 1);
            self.base -= 1;
            match found {
                Some(m) => {
                    let found_rule = self.rule_text(&self.rules.list[m.rule]);
                    say::found_rule(at, &found_rule, &show(&d));
                    chain.push((d, m));
                }
                None => {
                    say::no_rule(at, &show(&d));
                    say::rejecting_impossible(at, &text, &show(&d), false);
                    self.mark_impossible(&d);
                    return None;
                }
            }
        }
        Some(chain)
    }

    /// Whether every prerequisite of a candidate whose words may expand to
    /// several names (or none) exists or ought to; the words are expanded
    /// as far as the first that does not, once.
    fn general_deps_there(
        &mut self,
        rule: &PatternRule,
        c: &Candidate,
        name: &[u8],
        computed: &mut Option<CandidateDeps>,
        own: bool,
    ) -> bool {
        let deps = computed.get_or_insert_with(CandidateDeps::default);
        for w in 0..word_count(rule) {
            let implicit = has_percent(word_pattern(rule, w));
            let (normal, order_only) = deps.word(w, rule, c, name, self.k);
            for d in normal.iter().chain(order_only) {
                if (implicit && self.impossible(d)) || !self.there(d, own, implicit) {
                    return false;
                }
            }
        }
        true
    }

    /// The intermediate files that make a plain candidate's missing
    /// prerequisites, or `None` when one cannot be made.
    fn plain_chain(
        &mut self,
        rule: &PatternRule,
        c: &Candidate,
        own: bool,
        depth: usize,
        scratch: &mut Vec<u8>,
    ) -> Option<Vec<(Vec<u8>, Match)>> {
        let mut chain = Vec::new();
        for pattern in rule.deps.iter().chain(&rule.order_only) {
            prereq_name_into(pattern, c, scratch);
            self.link(scratch, has_percent(pattern), own, depth, &mut chain)?;
        }
        Some(chain)
    }

    /// Adds to `chain` what makes the `.EXTRA_PREREQS` of a candidate that
    /// neither exist nor ought to; `None` when one cannot be made.
    fn extras_chain(
        &mut self,
        c: &Candidate,
        own: bool,
        depth: usize,
        chain: &mut Vec<(Vec<u8>, Match)>,
    ) -> Option<()> {
        let extras = self.rules.extras;
        let mut name = Vec::new();
        for d in extras {
            extra_name_into(d, c, &mut name);
            // Named twice, as a pattern's and as an extra prerequisite:
            // made once.
            if !chain.iter().any(|(n, _)| *n == name) {
                self.link(&name, has_percent(d), own, depth, chain)?;
            }
        }
        Some(())
    }

    /// Whether every global `.EXTRA_PREREQS` of candidate `c` exists or
    /// ought to.
    fn extras_there(&mut self, c: &Candidate, own: bool, scratch: &mut Vec<u8>) -> bool {
        let extras = self.rules.extras;
        extras.iter().all(|d| {
            extra_name_into(d, c, scratch);
            let percent = has_percent(d);
            !(percent && self.impossible(scratch)) && self.there(scratch, own, percent)
        })
    }

    /// Adds to `chain` what makes the prerequisite `d` (`implicit`: of a
    /// pattern with `%`) when it neither exists nor ought to; `None` when
    /// nothing can. One no rule could make is impossible from then on, as
    /// [`Search::traced_chain`] has it.
    fn link(
        &mut self,
        d: &[u8],
        implicit: bool,
        own: bool,
        depth: usize,
        chain: &mut Vec<(Vec<u8>, Match)>,
    ) -> Option<()> {
        if implicit && self.impossible(d) {
            return None;
        }
        if self.there(d, own, implicit) {
            return Some(());
        }
        if self.k.is_phony(d) {
            return None;
        }
        let Some(m) = self.chain(d, depth + 1) else {
            self.mark_impossible(d);
            return None;
        };
        chain.push((d.to_vec(), m));
        Some(())
    }

    /// [`Search::plain_chain`] for a candidate whose words were expanded in
    /// the first pass (one that was skipped then is skipped now too).
    fn general_chain(
        &mut self,
        rule: &PatternRule,
        c: &Candidate,
        name: &[u8],
        computed: &mut Option<CandidateDeps>,
        own: bool,
        depth: usize,
    ) -> Option<Vec<(Vec<u8>, Match)>> {
        let deps = computed.as_mut()?;
        let mut chain = Vec::new();
        for w in 0..word_count(rule) {
            let implicit = has_percent(word_pattern(rule, w));
            let (normal, order_only) = deps.word(w, rule, c, name, self.k);
            for d in normal.iter().chain(order_only) {
                self.link(d, implicit, own, depth, &mut chain)?;
            }
        }
        Some(chain)
    }
}

/// A name as the debugging lines show it.
fn show(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Candidate `i`'s expanded prerequisites, of `n` candidates: room is made
/// on first use, as most candidates need none (see [`Search::plain`]).
fn slot(
    computed: &mut Vec<Option<CandidateDeps>>,
    i: usize,
    n: usize,
) -> &mut Option<CandidateDeps> {
    if computed.len() < n {
        computed.resize(n, None);
    }
    &mut computed[i]
}

fn make_match(
    rules: Rules,
    c: &Candidate,
    deps: Vec<Vec<u8>>,
    order_only: Vec<Vec<u8>>,
    chain: Vec<(Vec<u8>, Match)>,
) -> Match {
    let rule = &rules.list[c.rule];
    let mut stem = c.dir.to_vec();
    stem.extend_from_slice(c.stem);
    Match {
        rule: c.rule,
        stem,
        deps,
        order_only,
        recipe: rule.recipe.clone(),
        chain,
        extras: extra_names(rules.extras, c),
        siblings: siblings(rule, c),
    }
}

/// The global `.EXTRA_PREREQS` of candidate `c`, named as
/// [`extra_name_into`] does.
fn extra_names(extras: &[Vec<u8>], c: &Candidate) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for d in extras {
        out.push(Vec::new());
        extra_name_into(d, c, out.last_mut().expect("just pushed"));
    }
    out
}

/// One global `.EXTRA_PREREQS` name of candidate `c`, into `out`: GNU adds
/// them to each pattern rule's prerequisites, so a `%` in one stands for
/// the stem there as in the rule's own (GNU 4.4.1).
fn extra_name_into(name: &[u8], c: &Candidate, out: &mut Vec<u8>) {
    if has_percent(name) {
        prereq_name_into(name, c, out);
    } else {
        out.clear();
        out.extend_from_slice(name);
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
