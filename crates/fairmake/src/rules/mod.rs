//! The rule database: files (targets and prerequisites) interned by name,
//! their explicit and double-colon rules, pattern rules, pattern-specific
//! variables, vpath directives and the special-target flags.

pub mod builtin;
mod names;

use std::rc::Rc;

use thin_vec::ThinVec;

use crate::diag::Loc;
use crate::eval::vars::SharedVarSet;
use crate::name_table::name_hash;
use crate::pattern::PercentPattern;

/// A file: its index in [`Database::files`]. Kept in 32 bits, so that a
/// prerequisite takes 8 bytes, not 16: a large build holds hundreds of
/// thousands of them, twice (as written and as resolved).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(u32);

impl FileId {
    /// The file at `index`. Four billion files would take hundreds of
    /// gigabytes before this could fail.
    pub fn from_index(index: usize) -> FileId {
        FileId(u32::try_from(index).expect("fewer than 2^32 files"))
    }

    /// Its index in [`Database::files`] (and in the planner's nodes).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One line of a recipe, unexpanded.
#[derive(Clone, Debug)]
pub struct RecipeLine {
    pub text: Vec<u8>,
    /// Where messages say it is: as GNU numbers recipe lines, the recipe's
    /// first line plus this line's index in it (not its own line once a
    /// line before it was continued).
    pub loc: Loc,
}

/// A recipe: its lines and where it was written.
#[derive(Clone, Debug)]
pub struct Recipe {
    pub lines: Vec<RecipeLine>,
    /// Its first line (the rule line for `target: ; recipe`).
    pub loc: Loc,
    /// The rule line it belongs to.
    pub rule_loc: Loc,
}

/// A prerequisite as written in a rule: 8 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dep {
    file: FileId,
    pub order_only: bool,
    /// A `.WAIT` came before this prerequisite in its list.
    pub wait_before: bool,
    /// It comes from `.EXTRA_PREREQS`: built, but not named by the
    /// automatic variables (this listing only: the same file may be
    /// named in the rule too).
    pub extra: bool,
    /// It comes from a pattern sibling's list (see
    /// `plan::resolve::add_sibling_prereqs`): walked only when the file is
    /// made, after its own list.
    pub sibling: bool,
}

impl Dep {
    pub fn new(file: FileId, order_only: bool, wait_before: bool) -> Dep {
        Dep {
            file,
            order_only,
            wait_before,
            extra: false,
            sibling: false,
        }
    }

    pub fn file(&self) -> FileId {
        self.file
    }

    pub fn set_file(&mut self, file: FileId) {
        self.file = file;
    }
}

/// A rule line's prerequisite list left for `.SECONDEXPANSION`.
#[derive(Clone, Debug)]
pub struct Deferred {
    /// The list after the first expansion (order-only names after a `|`).
    pub text: Vec<u8>,
    /// Where its names go in the rule's `deps`: before `deps[at]`.
    pub at: usize,
    /// The stem of the static pattern rule that wrote it, for `$$*`.
    pub stem: Option<Vec<u8>>,
}

/// The prerequisites of one rule, with the lists that wait for a second
/// expansion kept apart in makefile order. What few rules have (second
/// expansions, a static pattern stem, grouped targets) is boxed apart, so
/// that the common rule, one per file, stays small.
#[derive(Clone, Debug, Default)]
pub struct Rule {
    /// Prerequisites known after reading. A `ThinVec` keeps its length and
    /// capacity with the elements, so a file without any (most leaves of a
    /// graph) spends 8 bytes on them instead of 24.
    pub deps: ThinVec<Dep>,
    pub recipe: Option<Rc<Recipe>>,
    more: Option<Box<RuleMore>>,
}

/// The rarer parts of a [`Rule`].
#[derive(Clone, Debug, Default)]
struct RuleMore {
    deferred: Vec<Deferred>,
    stem: Option<Vec<u8>>,
    group: Option<Rc<Vec<FileId>>>,
}

impl Rule {
    /// A rule with no prerequisites yet, written by a static pattern rule
    /// (`stem`) or a grouped one (`group`).
    pub fn new(stem: Option<Vec<u8>>, group: Option<Rc<Vec<FileId>>>) -> Rule {
        let mut rule = Rule::default();
        rule.set_stem(stem);
        rule.set_group(group);
        rule
    }

    fn more_mut(&mut self) -> &mut RuleMore {
        self.more.get_or_insert_with(Default::default)
    }

    /// Lists still to be expanded a second time, ordered by `at`.
    pub fn deferred(&self) -> &[Deferred] {
        self.more.as_ref().map_or(&[], |m| &m.deferred)
    }

    pub fn deferred_mut(&mut self) -> &mut Vec<Deferred> {
        &mut self.more_mut().deferred
    }

    /// For pattern-static rules: the stem of this target.
    pub fn stem(&self) -> Option<&[u8]> {
        self.more.as_ref()?.stem.as_deref()
    }

    /// Sets the stem; `None` leaves the one there is.
    pub fn set_stem(&mut self, stem: Option<Vec<u8>>) {
        if stem.is_some() {
            self.more_mut().stem = stem;
        }
    }

    /// The other targets of a grouped (`&:`) rule.
    pub fn group(&self) -> Option<&Rc<Vec<FileId>>> {
        self.more.as_ref()?.group.as_ref()
    }

    /// Sets the group; `None` leaves the one there is.
    pub fn set_group(&mut self, group: Option<Rc<Vec<FileId>>>) {
        if group.is_some() {
            self.more_mut().group = group;
        }
    }
}

/// A file make knows about.
#[derive(Debug, Default)]
pub struct File {
    /// In the database's name arena.
    pub name: &'static [u8],
    /// The single-colon rule, merged over every rule line naming this target.
    pub rule: Rule,
    /// Double-colon rules, each run on its own. Boxed, as few files have
    /// any: 8 bytes in every file instead of a `Vec`'s 24.
    #[allow(clippy::box_collection)]
    double_colon: Option<Box<Vec<Rule>>>,
    /// Whether a rule names this file as a target.
    pub is_target: bool,
    /// Whether a rule names this file as a prerequisite ("ought to exist").
    pub is_prerequisite: bool,
    /// Named (without `%`) as a prerequisite of a pattern rule used for
    /// some file: not an intermediate file, though it does not "ought to
    /// exist".
    pub pattern_prerequisite: bool,
    /// Named (without `%`) as a prerequisite of a pattern rule an implicit
    /// search chose: in GNU 4.4.1's data base from then on, so a mentioned
    /// file for later compatibility searches (not one a second expansion
    /// made during a search whose rule was rejected).
    pub chosen_rule_prerequisite: bool,
    /// Named as a prerequisite of a static pattern rule only: it ought to
    /// exist, as a mentioned file, yet an implicit rule may make it as an
    /// intermediate file (GNU 4.4.1).
    pub static_prerequisite: bool,
    pub phony: bool,
    pub precious: bool,
    pub intermediate: bool,
    pub secondary: bool,
    pub notintermediate: bool,
    /// Entered by make itself before any makefile (a default suffix, a
    /// built-in suffix rule): `-p` says "Builtin rule" while no makefile
    /// gave it a recipe.
    pub builtin: bool,
    /// Known to make though no rule names it: a goal, a makefile, a file
    /// of `-W` or `-o`, a target of target-specific variables. For
    /// implicit rules it "ought to exist" as a file the makefile mentions
    /// does, as in GNU make, where such files are in the database too.
    pub entered: bool,
    /// A target only because an implicit rule made it (see `is_target`):
    /// it ought to exist for later searches, yet the makefile does not
    /// mention it.
    pub implicit_target: bool,
}

impl File {
    /// Whether a makefile or the command line names this file: as a target,
    /// a prerequisite of an explicit or static pattern rule, a special
    /// target's prerequisite, a goal. A pattern rule's prerequisite is not
    /// a mention.
    pub fn is_mentioned(&self) -> bool {
        self.is_target
            || self.is_prerequisite
            || self.static_prerequisite
            || self.entered
            || self.phony
            || self.precious
            || self.intermediate
            || self.secondary
            || self.notintermediate
    }

    /// Double-colon rules, each run on its own.
    pub fn double_colon(&self) -> &[Rule] {
        self.double_colon.as_deref().map_or(&[], |v| v)
    }

    /// The rule a suffix rule's target stands for: its first double-colon
    /// rule, if it has any (GNU 4.4.1 and 4.3 take that one's recipe and
    /// prerequisites), else its single-colon rule.
    pub fn suffix_rule(&self) -> &Rule {
        self.double_colon().first().unwrap_or(&self.rule)
    }

    pub fn double_colon_mut(&mut self) -> &mut Vec<Rule> {
        self.double_colon.get_or_insert_with(Default::default)
    }
}

/// A pattern rule (from a `%` rule, a suffix rule, or the built-in catalog).
#[derive(Clone, Debug)]
pub struct PatternRule {
    pub targets: Vec<PercentPattern>,
    /// Prerequisite patterns (may contain `%`), unexpanded if second expansion applies.
    pub deps: Vec<Vec<u8>>,
    pub order_only: Vec<Vec<u8>>,
    pub recipe: Option<Rc<Recipe>>,
    /// `::`: a terminal rule, whose prerequisites must exist.
    pub terminal: bool,
    pub builtin: bool,
}

impl PatternRule {
    /// Whether `later`, defined after this rule, replaces it (or, without a
    /// recipe, cancels it). As GNU 4.4.1 compares them: the prerequisites
    /// as written, order-only ones too, in order; and the targets the same,
    /// or this rule's one target among the later rule's: `%.o: %.c` is
    /// replaced by `%.o %.d&: | %.c` too (but `%.o %.d: %.c` is not by
    /// `%.o: %.c`).
    fn replaced_by(&self, later: &PatternRule) -> bool {
        let same_deps = self
            .deps
            .iter()
            .chain(&self.order_only)
            .eq(later.deps.iter().chain(&later.order_only));
        same_deps && (self.targets == later.targets || self.one_target_among(later))
    }

    /// This rule has one target (written once or more), which `later` has.
    fn one_target_among(&self, later: &PatternRule) -> bool {
        let Some(first) = self.targets.first() else {
            return false;
        };
        self.targets.iter().all(|t| t.text == first.text)
            && later.targets.iter().any(|t| t.text == first.text)
    }
}

/// A `vpath PATTERN DIRS` directive.
#[derive(Clone, Debug)]
pub struct Vpath {
    pub pattern: PercentPattern,
    pub dirs: Vec<Vec<u8>>,
}

/// Everything the makefiles said about rules.
#[derive(Debug, Default)]
pub struct Database {
    pub files: Vec<File>,
    names: names::NameArena,
    /// Target-specific variables, by file: few files have any.
    target_vars: rustc_hash::FxHashMap<FileId, SharedVarSet>,
    /// The files by name: ids only (in 32 bits, as in a [`Dep`]), hashed
    /// and compared through `files`.
    index: hashbrown::HashTable<FileId>,
    pub pattern_rules: Vec<PatternRule>,
    /// Pattern-specific variables, in definition order.
    pub pattern_vars: Vec<(PercentPattern, SharedVarSet)>,
    pub vpaths: Vec<Vpath>,
    /// The directories of `VPATH` and of `GPATH`, expanded once when the
    /// makefiles are read (later assignments change nothing, as in GNU).
    pub general_vpath: Vec<Vec<u8>>,
    pub gpath: Vec<Vec<u8>>,
    /// The first target eligible as default goal.
    pub first_target: Option<FileId>,
    pub second_expansion: bool,
    pub oneshell: bool,
    pub posix: bool,
    pub delete_on_error: bool,
    /// `.EXPORT_ALL_VARIABLES` is a target: every variable is exported once
    /// the makefiles are read (not to the `$(shell)`s of reading them, and
    /// whatever an `unexport` alone says).
    pub export_all_variables: bool,
    pub low_resolution_time: Vec<FileId>,
    /// `.NOTPARALLEL` with no prerequisites.
    pub not_parallel: bool,
    /// `.SILENT` with no prerequisites.
    pub silent_all: bool,
    /// `.IGNORE` with no prerequisites.
    pub ignore_all: bool,
    /// `.PRECIOUS`/`.SECONDARY` etc. with patterns.
    pub precious_patterns: Vec<PercentPattern>,
    /// `.NOTINTERMEDIATE` with no prerequisites: nothing is intermediate.
    pub notintermediate_all: bool,
    /// `.NOTINTERMEDIATE` with patterns.
    pub notintermediate_patterns: Vec<PercentPattern>,
    pub secondary_all: bool,
    /// The makefiles are read: a rule defined now (by an `$(eval)` in a
    /// recipe or a second expansion) is an error.
    pub rules_closed: bool,
    /// The files a grouped rule (`&:`) has named so far: naming one again
    /// in a grouped rule overrides its group membership, with a warning.
    pub group_members: rustc_hash::FxHashSet<FileId>,
}

impl Database {
    /// The id of `name`, creating an entry when it is new.
    pub fn intern(&mut self, name: &[u8]) -> FileId {
        let hash = name_hash(name);
        let files = &self.files;
        let entry = self.index.entry(
            hash,
            |&id| *files[id.index()].name == *name,
            |&id| name_hash(files[id.index()].name),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
            hashbrown::hash_table::Entry::Vacant(e) => {
                let id = FileId::from_index(self.files.len());
                e.insert(id);
                self.files.push(File {
                    name: self.names.alloc(name),
                    ..File::default()
                });
                id
            }
        }
    }

    /// `.NOTINTERMEDIATE` names `id`, by name or pattern, or names nothing.
    pub fn notintermediate(&self, id: FileId) -> bool {
        let f = self.file(id);
        f.notintermediate
            || self.notintermediate_all
            || self
                .notintermediate_patterns
                .iter()
                .any(|p| p.match_stem(f.name).is_some())
    }

    pub fn lookup(&self, name: &[u8]) -> Option<FileId> {
        let files = &self.files;
        self.index
            .find(name_hash(name), |&id| *files[id.index()].name == *name)
            .copied()
    }

    pub fn file(&self, id: FileId) -> &File {
        &self.files[id.index()]
    }

    pub fn file_mut(&mut self, id: FileId) -> &mut File {
        &mut self.files[id.index()]
    }

    /// The target-specific variable set of `id`, created on first use.
    pub fn vars_of(&mut self, id: FileId) -> SharedVarSet {
        self.target_vars.entry(id).or_default().clone()
    }

    /// The target-specific variables of `id`, if it has any.
    /// The files that have target-specific variables, in the order they
    /// were first named.
    pub fn files_with_target_vars(&self) -> Vec<FileId> {
        let mut ids: Vec<FileId> = self.target_vars.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    pub fn target_vars(&self, id: FileId) -> Option<&SharedVarSet> {
        if self.target_vars.is_empty() {
            return None;
        }
        self.target_vars.get(&id)
    }

    /// A new pattern-specific variable set for one definition for
    /// `pattern`: GNU applies the definitions of every pattern a target
    /// matches one by one, in the order they were made (`a%: X = 1` then
    /// `%b: X += 2` gives `ab` `1 2`), so each keeps its own set.
    pub fn pattern_vars_of(&mut self, pattern: &[u8]) -> SharedVarSet {
        let pattern = PercentPattern::new(pattern);
        let set: SharedVarSet = Default::default();
        self.pattern_vars.push((pattern, set.clone()));
        set
    }
}

impl Database {
    /// Once the makefiles are read: a pattern rule defined again with the
    /// same targets and prerequisites replaces the earlier definition and
    /// takes its place at the end; one without a recipe stays as a
    /// cancellation that suffix and built-in rules do not override.
    pub fn settle_pattern_rules(&mut self) {
        let rules = std::mem::take(&mut self.pattern_rules);
        let mut kept: Vec<PatternRule> = Vec::with_capacity(rules.len());
        for rule in rules {
            kept.retain(|k| !k.replaced_by(&rule));
            kept.push(rule);
        }
        self.pattern_rules = kept;
    }

    /// Whether a rule with the same targets and prerequisites is defined
    /// (or cancelled) already.
    fn pattern_rule_defined(&self, rule: &PatternRule) -> bool {
        self.pattern_rules.iter().any(|r| r.replaced_by(rule))
    }

    /// GNU's built-in suffix rules, as the files `.c.o`, `.c`, ... with a
    /// recipe: a makefile's own recipe for one stays, one that gave it
    /// prerequisites only gets the built-in recipe. They are converted to
    /// pattern rules as the makefile's are (see `convert_suffix_rules`),
    /// and a goal `.c.o` runs the recipe, as GNU does.
    pub fn enter_builtin_suffix_rules(&mut self, loc: &Loc) {
        for &(name, recipe) in builtin::SUFFIX_RULES {
            let id = self.intern(name);
            let file = self.file_mut(id);
            if file.rule.recipe.is_none() && file.double_colon().is_empty() {
                file.rule.recipe = Some(builtin_recipe(recipe, loc));
                file.builtin = true;
            }
        }
    }

    /// Adds the built-in pattern rules after the makefile's own and the
    /// converted suffix rules, unless one with the same targets and
    /// prerequisites is there.
    pub fn add_builtin_rules(&mut self, loc: &Loc) {
        // The built-in table has no two rules with the same targets and
        // prerequisites (a test checks it), so it is not compared with itself.
        let own = self.pattern_rules.len();
        for &(target, terminal, deps, recipe) in builtin::PATTERN_RULES {
            let rule = PatternRule {
                targets: vec![PercentPattern::new(target)],
                deps: crate::words::words(deps).map(<[u8]>::to_vec).collect(),
                order_only: Vec::new(),
                recipe: Some(builtin_recipe(recipe, loc)),
                terminal,
                builtin: true,
            };
            if !self.pattern_rules[..own]
                .iter()
                .any(|r| r.replaced_by(&rule))
            {
                self.pattern_rules.push(rule);
            }
        }
    }

    /// Adds `rule` unless one with the same targets and prerequisites is
    /// defined (or cancelled) already.
    fn add_pattern_rule_once(&mut self, rule: PatternRule) {
        if !self.pattern_rule_defined(&rule) {
            self.pattern_rules.push(rule);
        }
    }

    /// The suffixes listed as prerequisites of `.SUFFIXES`.
    pub fn suffixes(&self) -> Vec<Vec<u8>> {
        match self.lookup(b".SUFFIXES") {
            Some(id) => self
                .file(id)
                .rule
                .deps
                .iter()
                .map(|d| self.file(d.file()).name.to_vec())
                .collect(),
            None => Vec::new(),
        }
    }

    /// The `.EXTRA_PREREQS` that `.SUFFIXES` gets as a target like any
    /// other, once the makefiles are read, so that they count as suffixes
    /// too (GNU 4.4.1): `own`, its target-specific value, if it has
    /// target-specific variables, else `global`; none if it is no target
    /// (the built-in list alone) or if it would be its own prerequisite.
    pub fn suffix_extras<'a>(&self, global: &'a [u8], own: Option<&'a [u8]>) -> &'a [u8] {
        let Some(file) = self.lookup(b".SUFFIXES").map(|id| self.file(id)) else {
            return b"";
        };
        let words = match own {
            Some(own) => own,
            None if file.is_target => global,
            None => return b"",
        };
        if crate::words::words(words).any(|w| w == b".SUFFIXES") {
            return b"";
        }
        words
    }

    /// Turns the suffix rules (`.c.o:`, `.c:`) into pattern rules after the
    /// makefile's own, as GNU does once reading is done: in the order of
    /// `.SUFFIXES`, for each suffix its dummy rule `%.c:` (no prerequisites,
    /// no recipe: a name with a known suffix is "a specific type of data",
    /// which non-terminal match-anything rules do not make; GNU manual,
    /// "Match-Anything Pattern Rules"), its single-suffix rule `%: %.c`,
    /// then its double-suffix rules `%.o: %.c` in the list's order. So the
    /// suffix listed first wins when two rules could make a file.
    /// `extra_prereqs`: `.EXTRA_PREREQS` gives every target prerequisites;
    /// `suffix_extras`: those it gives `.SUFFIXES` (see
    /// [`Self::suffix_extras`]), suffixes after the listed ones.
    pub fn convert_suffix_rules(&mut self, extra_prereqs: bool, suffix_extras: &[u8]) {
        let mut suffixes = self.suffixes();
        suffixes.extend(crate::words::words(suffix_extras).map(<[u8]>::to_vec));
        if suffixes.is_empty() {
            return;
        }
        self.warn_suffix_rule_prerequisites(&suffixes, extra_prereqs);
        let mut name = Vec::new();
        for from in &suffixes {
            let dep = [&b"%"[..], from].concat();
            self.add_pattern_rule_once(PatternRule {
                targets: vec![PercentPattern::new(&dep)],
                deps: Vec::new(),
                order_only: Vec::new(),
                recipe: None,
                terminal: false,
                builtin: true,
            });
            for to in std::iter::once(&Vec::new()).chain(&suffixes) {
                name.clear();
                name.extend_from_slice(from);
                name.extend_from_slice(to);
                let single = to.is_empty();
                let Some(recipe) = self.suffix_rule_recipe(&name, single, extra_prereqs) else {
                    continue;
                };
                let target = [&b"%"[..], to].concat();
                self.add_pattern_rule_once(PatternRule {
                    targets: vec![PercentPattern::new(&target)],
                    deps: vec![dep.clone()],
                    order_only: Vec::new(),
                    builtin: recipe.loc.line == 0,
                    recipe: Some(recipe),
                    terminal: false,
                });
            }
        }
    }

    /// The recipe of the suffix rule `name`, if there is one: with
    /// prerequisites it is an ordinary rule under `.POSIX`; GNU 4.4 still
    /// makes a suffix rule of it otherwise, ignoring the prerequisites.
    /// `.EXTRA_PREREQS` gives a makefile's target prerequisites too, so
    /// under `.POSIX` none of the makefile's suffix rules is one then
    /// (GNU 4.4.1). A `single`-suffix rule (`.c:`) is one whatever its
    /// prerequisites, `.POSIX` or not (GNU 4.4.1).
    fn suffix_rule_recipe(
        &self,
        name: &[u8],
        single: bool,
        extra_prereqs: bool,
    ) -> Option<Rc<Recipe>> {
        let file = self.file(self.lookup(name)?);
        let rule = file.suffix_rule();
        let has_prereqs = !rule.deps.is_empty() || (extra_prereqs && file.is_target);
        if self.posix && has_prereqs && !single {
            return None;
        }
        rule.recipe.clone()
    }

    /// Warns about the prerequisites of double-suffix rules, as GNU does
    /// while converting them: once for each pair of entries of the suffix
    /// list that spells a rule's target, in the list's order, so a suffix
    /// listed twice warns twice. Said where the recipe starts; without one
    /// the rule takes the built-in recipe, if any, which has no location.
    fn warn_suffix_rule_prerequisites(&self, suffixes: &[Vec<u8>], extra_prereqs: bool) {
        if self.posix {
            // An ordinary rule there.
            return;
        }
        let mut name = Vec::new();
        for from in suffixes {
            for to in suffixes {
                name.clear();
                name.extend_from_slice(from);
                name.extend_from_slice(to);
                let Some(file) = self.lookup(&name).map(|id| self.file(id)) else {
                    continue;
                };
                let rule = file.suffix_rule();
                if !file.is_target || (rule.deps.is_empty() && !extra_prereqs) {
                    continue;
                }
                // A built-in recipe has no location.
                match &rule.recipe {
                    Some(r) if r.loc.line == 0 => crate::diag::warn(None, SUFFIX_PREREQS),
                    Some(r) => crate::diag::warn(Some(&r.loc), SUFFIX_PREREQS),
                    None => {}
                }
            }
        }
    }
}

const SUFFIX_PREREQS: &str = "warning: ignoring prerequisites on suffix rule definition";

/// A recipe of the built-in rules, said to be `<builtin>`.
fn builtin_recipe(lines: &[&[u8]], loc: &Loc) -> Rc<Recipe> {
    let lines = lines
        .iter()
        .map(|l| RecipeLine {
            text: l.to_vec(),
            loc: loc.clone(),
        })
        .collect();
    Rc::new(Recipe {
        lines,
        loc: loc.clone(),
        rule_loc: loc.clone(),
    })
}
