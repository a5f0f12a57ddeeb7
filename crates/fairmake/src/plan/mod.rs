//! The planner: for each goal, walk its prerequisites, resolve each file's
//! rule, decide whether it is out of date, and hand its recipe to the
//! executor. This file holds the planner's state (a `Node` per file, its
//! `Resolved` rule) and the loop over the goals; each concern has its own
//! file:
//!
//! - `walk`: the depth-first, resumable walk and the order prerequisites
//!   are made in (`.WAIT`, `.NOTPARALLEL`);
//! - `peers`: a grouped target's peers' prerequisites, in GNU's order;
//! - `decide`: the out-of-date decision;
//! - `resolve`, `implicit`, `rule_index`, `second_expansion`: which rule
//!   makes a file, implicit chains and intermediate files included;
//! - `vpath`: directory and library search;
//! - `automatic`: automatic variables and a recipe's scope;
//! - `jobs`: starting jobs (and `-n`, `-t`, `-q`), recording their ends;
//! - `times`, `mtime`: file times as the walk knows them;
//! - `seams`: the planner's edges, jobs and file times, with fakes in
//!   `tests`;
//! - `shuffle`, `waits`: `--shuffle`, and what the trace links jobs by;
//! - `why`: `--trace`'s "update target" lines.

mod automatic;
mod decide;
mod dont_care;
pub mod implicit;
mod jobs;
pub mod mtime;
mod peers;
mod resolve;
mod rule_index;
pub mod seams;
mod second_expansion;
pub mod shuffle;
mod times;
mod vpath;
pub use resolve::expand_own_extra_prereqs;
pub use vpath::settle_search_paths;
mod waits;
mod walk;
mod why;

#[cfg(test)]
mod tests;

use std::rc::Rc;

use crate::diag::{self, Result};
use crate::eval::{Evaluator, ScopeEntry};
use crate::exec::Runner;
use crate::rules::{Dep, FileId, Recipe};
use crate::trace::debug;
pub use dont_care::DontCare;
use jobs::PeerCheck;
use mtime::{KnownMtime, Mtime};
use seams::{Disk, FileTimes, Jobs};
use vpath::vpath_configured;

/// Where a file is in the walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not looked at yet.
    New,
    /// On the current walk's stack (a second visit is a cycle).
    Visiting,
    /// Prerequisites or its own recipe are still running.
    Pending,
    /// Its job is running.
    Running,
    /// Up to date or remade.
    Done,
    /// Could not be made.
    Failed,
}

/// A file's rule after resolution: explicit, implicit or `.DEFAULT`. A
/// walk holds one per file, so what most files lack is kept apart
/// (`ResolvedMore`).
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub deps: Vec<Dep>,
    /// The recipe to run. A double-colon target has one per rule, each
    /// resolved on its own when its turn comes.
    pub recipe: Option<Rc<Recipe>>,
    /// `$*`: every file a pattern rule makes has one.
    stem: Box<[u8]>,
    more: Option<Box<ResolvedMore>>,
}

/// The parts of a resolved rule that few files have.
#[derive(Clone, Debug, Default)]
struct ResolvedMore {
    /// A double-colon rule's own prerequisites: its recipe's automatic
    /// variables name only these.
    own_deps: Vec<Dep>,
    /// Prerequisites built but not in `$^` and friends: other targets' of
    /// the same pattern recipe, or those a grouped target's own list gave
    /// before it took a peer's (those of `.EXTRA_PREREQS` are marked as
    /// such in `deps`).
    hidden: Vec<FileId>,
    /// Of `hidden`, those that are prerequisites of other targets of the
    /// same pattern recipe (not `.EXTRA_PREREQS`).
    peer_deps: Vec<FileId>,
    /// Files the same recipe run makes (multi-target pattern rules).
    siblings: Vec<FileId>,
    /// The order prerequisites are made in (`--shuffle`); empty: as written.
    order: Vec<usize>,
    /// The recipe is `.DEFAULT`'s: `$<` names the target itself.
    default_recipe: bool,
    /// The rest of a grouped peer's list its target took as its own (see
    /// `peers`): what the automatic variables name, as listed.
    adopted: Option<Vec<Dep>>,
    /// The peer whose list `adopted` is the rest of: GNU shares those
    /// listings, so one dropped from that list is gone from this too.
    adopted_from: Option<FileId>,
}

impl ResolvedMore {
    fn is_empty(&self) -> bool {
        self.own_deps.is_empty()
            && self.hidden.is_empty()
            && self.peer_deps.is_empty()
            && self.siblings.is_empty()
            && self.order.is_empty()
            && !self.default_recipe
            && self.adopted.is_none()
    }
}

/// What a file without any of `ResolvedMore` has.
static NO_MORE: ResolvedMore = ResolvedMore {
    own_deps: Vec::new(),
    hidden: Vec::new(),
    peer_deps: Vec::new(),
    siblings: Vec::new(),
    order: Vec::new(),
    default_recipe: false,
    adopted: None,
    adopted_from: None,
};

impl Resolved {
    fn is_empty(&self) -> bool {
        self.deps.is_empty() && self.recipe.is_none() && self.stem.is_empty() && self.more.is_none()
    }

    fn more(&self) -> &ResolvedMore {
        self.more.as_deref().unwrap_or(&NO_MORE)
    }

    fn more_mut(&mut self) -> &mut ResolvedMore {
        self.more.get_or_insert_with(Default::default)
    }

    pub fn stem(&self) -> &[u8] {
        &self.stem
    }

    /// Whether the recipe is `.DEFAULT`'s.
    fn uses_default_recipe(&self) -> bool {
        self.more().default_recipe
    }

    fn hidden(&self) -> &[FileId] {
        &self.more().hidden
    }

    /// Whether the missing intermediate `f`, met in the walk, is left
    /// unmade when the target must be remade: GNU makes only those of the
    /// target's own list then, not those it has only as another target's
    /// that the same recipe makes (a grouped peer, a pattern sibling); a
    /// list taken from a peer (see `peers`) is its own from then on, what
    /// it had before no longer (GNU 4.4.1).
    fn not_made_for_it(&self, f: FileId) -> bool {
        match self.adopted() {
            Some(adopted) => !adopted.iter().any(|d| d.file() == f),
            None => self.hidden().contains(&f),
        }
    }

    fn adopted(&self) -> Option<&[Dep]> {
        self.more().adopted.as_deref()
    }

    fn siblings(&self) -> &[FileId] {
        &self.more().siblings
    }

    /// The index in `deps` of the `k`-th prerequisite to make.
    fn made_at(&self, k: usize) -> usize {
        let order = &self.more().order;
        if order.len() == self.deps.len() {
            order[k]
        } else {
            k
        }
    }

    /// Prerequisites were added or dropped: they are made as written.
    fn forget_order(&mut self) {
        if let Some(more) = &mut self.more {
            more.order.clear();
        }
    }

    /// Drops the prerequisite at `at` (a circular one), from the automatic
    /// variables of a double-colon rule's recipe too: its own prerequisites
    /// are the rule's, in which a file is found at its first place. The
    /// others keep the order `--shuffle` gave them.
    fn drop_dep(&mut self, at: usize) {
        let dep = self.deps.remove(at);
        if let Some(more) = &mut self.more {
            more.order.retain(|&i| i != at);
            for i in &mut more.order {
                if *i > at {
                    *i -= 1;
                }
            }
            if let Some(own) = more.own_deps.iter().position(|d| d.file() == dep.file()) {
                more.own_deps.remove(own);
            }
        }
    }
}

/// Per-file planning state.
#[derive(Clone, Debug)]
pub struct Node {
    pub status: Status,
    pub resolved: Option<Rc<Resolved>>,
    /// Scope inherited from the parent that first asked for this file.
    pub inherited: Option<Rc<Vec<ScopeEntry>>>,
    /// Its modification time once looked at, until it is remade or its
    /// vpath name changes.
    pub mtime: KnownMtime,
    /// The name after vpath search. Boxed twice, so that the node holds a
    /// thin pointer: few files are found through vpath.
    #[allow(clippy::box_collection)]
    path: Option<Box<Vec<u8>>>,
    /// Its recipe ran (or would have, with -n/-q) in this run.
    pub remade: bool,
    /// Found to need remaking, its missing intermediate prerequisites
    /// were made for it (even if they failed, when make went on): under
    /// -n, it is among the intermediate files said deleted, as in GNU.
    pub remaking: bool,
    /// How deep in the walk it was first met (for `--debug` indentation).
    pub depth: u32,
    /// The last pass over the goals that found it waiting for its
    /// prerequisites (see `Planner::pass`).
    pub seen_pass: u32,
    /// When its job finished, in the order of the run (0: not made).
    pub made_seq: u32,
    /// An intermediate file that was there before it was made: it stays
    /// (GNU manual, "Chains of Implicit Rules").
    pub existed: bool,
    pub intermediate: bool,
    /// Its recipe was only printed (-n, a line not recursive): it counts as
    /// updated though its file did not change.
    pub simulated: bool,
    /// A prerequisite of a terminal pattern rule: no implicit rule makes it.
    pub no_implicit: bool,
    /// The double-colon rule being worked on: each is resolved, brought up
    /// to date and run in turn, as if it were a target of its own.
    pub double_colon_rule: u32,
    /// How many other targets of its grouped rule have had their
    /// prerequisites added to its own (they are taken one at a time).
    pub peers_taken: u32,
    /// Where in the next peer's list the walk goes on (it stopped to make
    /// what it had added).
    pub peer_pos: u32,
    /// Under -q, it failed because it (or every prerequisite that failed)
    /// is out of date, not through an error: status 1, not 2. A
    /// double-colon file is if each of its rules that failed is.
    pub out_of_date: bool,
    /// Whether the first of its rules to fail failed as out of date: what
    /// -q -k's status goes by for a goal (GNU takes a double-colon goal's
    /// rules as goals of their own, and the first goal to fail says).
    pub first_rule_out_of_date: bool,
    /// Its first rule (of several double-colon ones) has a recipe, its own
    /// or an implicit rule's: GNU's note for a goal goes by that rule.
    pub first_rule_recipe: bool,
    /// With -k, one of its double-colon rules failed: the later ones still
    /// run, each on its own, and the file ends `Failed`.
    pub double_colon_failed: bool,
    /// Its first double-colon rule failed: with -k, a goal whose first
    /// rule did not (and ran nothing) still gets GNU's note.
    pub first_rule_failed: bool,
    /// `--debug`: first met as a missing intermediate file whose making
    /// waits: it is said to be considered once it is made (GNU 4.4.1).
    pub unannounced: bool,
    /// Met by a deferred walk as an existing intermediate or secondary
    /// file: looked at, not made, until what needs it is (see
    /// `Planner::only_checked`).
    pub checked_only: bool,
    /// A missing intermediate file whose prerequisites a deferred walk
    /// brought up to date: made afterwards, it makes its own missing
    /// intermediate ones in order, not last (GNU 4.4.1).
    pub prereqs_checked: bool,
    /// It was `checked_only`, with no recipe of its own, before it was
    /// made: an intermediate file then remade is deleted though it was
    /// there (GNU 4.4.1 and 4.3); one with its own recipe is kept.
    pub checked_first: bool,
    /// The target whose walk met it `checked_only` (through the deferred
    /// walk of one of that target's missing intermediate prerequisites).
    pub checked_for: Option<FileId>,
    /// Looked at again after its prerequisites' jobs (-j): from then on
    /// its pattern siblings count as its group's other targets (see
    /// `Planner::group_mtime`).
    pub considered_again: bool,
}

impl Node {
    /// The name after vpath search, if it found one.
    pub fn path(&self) -> Option<&[u8]> {
        self.path.as_deref().map(Vec::as_slice)
    }

    fn set_path(&mut self, path: Option<Vec<u8>>) {
        self.path = path.map(Box::new);
    }
}

/// The planner's nodes are found by file.
impl std::ops::Index<FileId> for Vec<Node> {
    type Output = Node;
    fn index(&self, id: FileId) -> &Node {
        &self[id.index()]
    }
}

impl std::ops::IndexMut<FileId> for Vec<Node> {
    fn index_mut(&mut self, id: FileId) -> &mut Node {
        &mut self[id.index()]
    }
}

impl Default for Node {
    fn default() -> Self {
        Node {
            status: Status::New,
            resolved: None,
            inherited: None,
            mtime: KnownMtime::UNKNOWN,
            path: None,
            remade: false,
            remaking: false,
            depth: 0,
            seen_pass: 0,
            existed: false,
            intermediate: false,
            simulated: false,
            no_implicit: false,
            made_seq: 0,
            double_colon_rule: 0,
            peers_taken: 0,
            peer_pos: 0,
            out_of_date: false,
            first_rule_out_of_date: false,
            first_rule_recipe: false,
            double_colon_failed: false,
            first_rule_failed: false,
            unannounced: false,
            checked_only: false,
            prereqs_checked: false,
            checked_first: false,
            checked_for: None,
            considered_again: false,
        }
    }
}

/// What one walk leaves for the next in the same run (the makefiles' for
/// the goals'): see [`Planner::into_settled`].
#[derive(Default)]
pub struct Settled {
    nodes: Vec<Node>,
    dont_care: DontCare,
    /// Circular prerequisites dropped (see `Planner::circular_dropped`).
    circular_dropped: rustc_hash::FxHashMap<(FileId, FileId), Vec<u32>>,
    /// The implicit rule that made each settled file: a pattern `.PRECIOUS`
    /// keeps an intermediate file made for a makefile too, when the
    /// intermediate files are deleted at the end of the run.
    made_by_pattern: rustc_hash::FxHashMap<FileId, usize>,
    /// The makefiles the walk remade (its goals), if it was that walk.
    makefiles: Vec<FileId>,
}

/// The goal walker and its executor. `J` starts the jobs and `T` answers
/// about file times (see `seams`).
pub struct Planner<'e, J = Runner, T = Disk> {
    pub ev: &'e mut Evaluator,
    pub nodes: Vec<Node>,
    pub runner: J,
    times: T,
    /// Some target failed.
    pub failed: bool,
    /// Under -k, a failure was said that does not count for the exit
    /// status (see `DontCare`): a required makefile that failed through
    /// it still failed to be remade.
    pub said_uncounted: bool,
    /// Stop starting new work (a failure without `-k`).
    pub stopping: bool,
    /// A prerequisite walk goes back over ones it walked already (after
    /// dropping a circular one): meeting them again is not news to -d.
    pub rewalking: bool,
    /// The target whose prerequisite walk is in a deferred walk now (see
    /// `Node::checked_for`).
    checking_for: Option<FileId>,
    /// How many jobs have finished (been recorded).
    jobs_finished: u64,
    /// How many of those ran no process (`c: ; @:`), finished as they
    /// started: each is a job's end make has not yet looked again after.
    finished_without_process: u64,
    /// Which pass over the goals this is: a file whose prerequisites are
    /// being made is looked at once a pass, as in GNU; met again in the
    /// same pass, it is still waiting, whatever finished meanwhile.
    pass: u32,
    /// `-q`: something is out of date.
    pub question_dirty: bool,
    /// Remaking makefiles: `-n`, `-q`, `-t` do not apply, and goals get no
    /// "Nothing to be done" notes.
    pub makefiles_phase: bool,
    /// Remaking makefiles: whether `-B` applies to them (the session says;
    /// not the `-B` the makefiles added).
    pub makefiles_always_make: bool,
    /// Depth of the walk right now.
    depth: usize,
    /// Jobs finished so far (orders intermediate deletion).
    made_count: u32,
    /// Files whose failure is no error (optional makefiles, and what is
    /// first tried for them).
    pub dont_care: DontCare,
    /// Makefiles that exist but could not be read: remade as if missing.
    pub unreadable: rustc_hash::FxHashSet<FileId>,
    /// Remaking makefiles under -j: for each goal (by place) that is a
    /// required missing makefile, the name its note goes by: an error met
    /// while it is looked at, or the failure of a job started for it, says
    /// the note (see `diag::set_current_makefile`).
    pub noted_goals: Vec<Option<Vec<u8>>>,
    /// Remaking makefiles under -n: the makefiles that are goals on the
    /// command line too, whose recipes -n still applies to (GNU manual,
    /// "How Makefiles Are Remade").
    pub dry_run_makefiles: Vec<FileId>,
    /// Likewise under -t: the makefiles that are goals too are touched.
    pub touch_makefiles: Vec<FileId>,
    /// Likewise under -q: an optional makefile that is a goal too, and what
    /// is made for it, is out of date instead of remade (see `jobs`).
    pub question_makefiles: Vec<FileId>,
    /// Files given to `-o`.
    pub old_files: Vec<FileId>,
    pub new_files: Vec<FileId>,
    /// The goals being made: never deleted as intermediate files when
    /// named on the command line.
    goals: Vec<FileId>,
    /// The makefiles an earlier walk of the run remade: never
    /// intermediate files, as the goals of that walk were not (see
    /// `resolve::remade_unnamed`).
    makefiles: Vec<FileId>,
    /// Whether `goals` is the default goal, not the command line's: an
    /// intermediate file is deleted even then, as `.INTERMEDIATE` "takes
    /// effect even if the file is mentioned explicitly" (GNU manual,
    /// "Chains of Implicit Rules"; GNU 4.4.1 and 4.3).
    pub goal_is_default: bool,
    /// Running multi-target pattern recipes: the modification times before
    /// the run of the target and its peers, to warn about peers not updated.
    peer_checks: rustc_hash::FxHashMap<FileId, PeerCheck>,
    /// The names the global `.EXTRA_PREREQS` gives every implicit rule.
    rules_extra_names: Option<std::rc::Rc<[Vec<u8>]>>,
    /// Under -t, the targets of running jobs (of recursive lines) to touch
    /// when they succeed, and how many times (see `exec::PreparedRecipe`).
    touches_after_job: rustc_hash::FxHashMap<FileId, u8>,
    /// The scope each running job's recipe was expanded in: its later
    /// commands' shells are expanded in it as they start.
    job_scopes: rustc_hash::FxHashMap<FileId, Vec<crate::eval::ScopeEntry>>,
    /// Single-colon prerequisites after the second expansion, by file.
    expanded: rustc_hash::FxHashMap<FileId, Vec<Dep>>,
    /// Circular prerequisites dropped, as (whose list, which file) and
    /// which of its listings there (1 for the first as written): a grouped
    /// target looks at its peers' lists as they are by then.
    circular_dropped: rustc_hash::FxHashMap<(FileId, FileId), Vec<u32>>,
    /// Those the makefiles' walk dropped from a file's whole list (as
    /// `circular_dropped`): GNU unlinked them from the file's prerequisites,
    /// so the goals' walk of a file it had not settled finds them gone.
    dropped_before: rustc_hash::FxHashMap<(FileId, FileId), Vec<u32>>,
    /// A grouped target's walk of a peer's list that stopped to make what
    /// it had added: the list as it stood then (see `Node::peer_pos`), and
    /// whether the peer had taken another's list as its own by then (see
    /// `peers`: the walk goes on through the list it was on).
    peer_stops: rustc_hash::FxHashMap<FileId, (Vec<Dep>, bool)>,
    /// `--shuffle`: the files reached from the goals through the rules'
    /// prerequisites, whose lists GNU shuffles before the walk (found on
    /// first need).
    shuffle_reached: Option<rustc_hash::FxHashSet<FileId>>,
    /// The pattern rule (its index) that makes a file, for the files an
    /// implicit rule makes: `.PRECIOUS` naming its target pattern keeps it.
    made_by_pattern: rustc_hash::FxHashMap<FileId, usize>,
    /// The other targets of each multi-target pattern rule applied so far:
    /// targets from then on, so they "ought to exist" for later implicit
    /// searches (GNU 4.4.1), though that does not make them mentioned.
    also_made: rustc_hash::FxHashSet<FileId>,
    /// Missing intermediate files whose prerequisites were still being
    /// made when they were last met, and in which pass: made as soon as
    /// those are, if needed.
    deferred_waiting: rustc_hash::FxHashMap<FileId, u32>,
    /// The pattern rules' targets by suffix, for the implicit search.
    rule_index: rule_index::RuleIndex,
    /// Implicit-rule searches' working space, kept from one to the next.
    search_scratch: implicit::Scratch,
    /// The targets `.NOTPARALLEL` lists: their prerequisites are made one at
    /// a time. Like `vpath_configured`, fixed once the makefiles are read.
    serial_targets: rustc_hash::FxHashSet<FileId>,
    /// Grouped peers whose walk was under way when a job started for
    /// their group (they are among the prerequisites of a target they
    /// would make): that job makes them too, so their walk, ended while
    /// it runs, waits for it rather than starting the recipe again.
    made_by_running_job: rustc_hash::FxHashSet<FileId>,
    /// Grouped peers a job made while their walk was under way, with how
    /// the job ended: a missing intermediate file whose prerequisites were
    /// being made is then made already, as GNU finds it.
    made_while_visiting: rustc_hash::FxHashMap<FileId, Status>,
    /// Some `vpath` directive or a non-empty `VPATH`: files may be found
    /// elsewhere than under their names.
    vpath_configured: bool,
    /// Remaking makefiles: the makefiles whose times are noted when the
    /// first recipe is about to run, to tell afterwards which ones a recipe
    /// changed. A run where no recipe runs asks no makefile's time for this.
    pub watched: Vec<FileId>,
    watched_times: Option<rustc_hash::FxHashMap<FileId, Option<Mtime>>>,
    /// The resolution of every file with no prerequisites, recipe or stem
    /// (most leaves of a graph), shared.
    empty_resolved: Rc<Resolved>,
}

impl<'e, J: Jobs> Planner<'e, J, Disk> {
    /// A planner for a build: times from the file system.
    pub fn new(ev: &'e mut Evaluator, runner: J) -> Planner<'e, J, Disk> {
        Planner::with_times(ev, runner, Disk)
    }
}

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// A planner whose file times come from `times`.
    pub fn with_times(ev: &'e mut Evaluator, runner: J, times: T) -> Planner<'e, J, T> {
        let old_files = ev.invocation.options.old_files.clone();
        let new_files = ev.invocation.options.new_files.clone();
        // From now on rules come only from the makefiles already read.
        ev.db.rules_closed = true;
        let vpath_configured = vpath_configured(ev);
        let mut p = Planner {
            ev,
            nodes: Vec::new(),
            runner,
            times,
            failed: false,
            said_uncounted: false,
            stopping: false,
            rewalking: false,
            jobs_finished: 0,
            finished_without_process: 0,
            question_dirty: false,
            makefiles_phase: false,
            makefiles_always_make: false,
            depth: 0,
            pass: 1,
            made_count: 0,
            dont_care: Default::default(),
            unreadable: Default::default(),
            noted_goals: Vec::new(),
            dry_run_makefiles: Vec::new(),
            touch_makefiles: Vec::new(),
            question_makefiles: Vec::new(),
            old_files: Vec::new(),
            new_files: Vec::new(),
            goals: Vec::new(),
            makefiles: Vec::new(),
            goal_is_default: false,
            peer_checks: Default::default(),
            rules_extra_names: None,
            touches_after_job: Default::default(),
            job_scopes: Default::default(),
            expanded: Default::default(),
            circular_dropped: Default::default(),
            dropped_before: Default::default(),
            peer_stops: Default::default(),
            shuffle_reached: None,
            made_by_pattern: Default::default(),
            also_made: Default::default(),
            deferred_waiting: Default::default(),
            rule_index: Default::default(),
            search_scratch: Default::default(),
            serial_targets: Default::default(),
            made_by_running_job: Default::default(),
            made_while_visiting: Default::default(),
            checking_for: None,
            vpath_configured,
            watched: Vec::new(),
            watched_times: None,
            empty_resolved: Rc::default(),
        };
        if let Some(listing) = p.ev.db.lookup(b".NOTPARALLEL") {
            let deps = &p.ev.db.file(listing).rule.deps;
            p.serial_targets = deps.iter().map(|d| d.file()).collect();
        }
        for f in old_files {
            let id = p.ev.db.intern(&f);
            p.ev.db.file_mut(id).entered = true;
            p.old_files.push(id);
        }
        for f in new_files {
            let id = p.ev.db.intern(&crate::read::rule_line::normalize_name(&f));
            p.ev.db.file_mut(id).entered = true;
            p.new_files.push(id);
        }
        p
    }

    /// A `--debug` line about `id` (`template`'s `{}` is its name), at
    /// its depth in the walk plus `extra` (see `trace::debug`).
    fn debug_line(&self, id: FileId, extra: usize, template: &str) {
        let depth = self.nodes.get(id.index()).map_or(0, |n| n.depth as usize);
        let name = diag::show(self.ev.db.file(id).name).to_string();
        let text = template.replace("{}", &name);
        debug::line(self.indent(depth) + extra, format_args!("{text}"));
    }

    /// "No need to remake target", naming where directory search found
    /// the file if it did.
    fn debug_no_need(&self, id: FileId) {
        match self.nodes.get(id.index()).and_then(Node::path) {
            Some(path) => {
                let path = diag::show(path).to_string();
                let text = format!("No need to remake target '{{}}'; using VPATH name '{path}'.");
                self.debug_line(id, 0, &text);
            }
            None => self.debug_line(id, 0, debug::walk::NO_NEED),
        }
    }

    /// How far a debugging line at `depth` is indented: a blank a level,
    /// and one more while the makefiles are remade (GNU 4.4.1; 4.3 put two
    /// blanks a level).
    fn indent(&self, depth: usize) -> usize {
        depth + usize::from(self.makefiles_phase)
    }

    /// The runner back (for the next phase), and what the next walk of the
    /// same run starts from: the files settled so far (up to date or
    /// remade), and those that failed quietly (not tried again: GNU says
    /// they have no rule). The others start afresh. The nodes are turned
    /// over in place: a tree with tens of thousands of files would
    /// otherwise hold two copies at once.
    pub fn into_settled(self) -> (J, Settled) {
        let makefiles = if self.makefiles_phase {
            self.goals.clone()
        } else {
            self.makefiles.clone()
        };
        let nodes: Vec<Node> = self
            .nodes
            .into_iter()
            .map(|n| match n.status {
                Status::Done | Status::Failed => Node {
                    depth: 0,
                    inherited: None,
                    ..n
                },
                _ => Node::default(),
            })
            .collect();
        let dont_care = self.dont_care.settled(|id| {
            nodes
                .get(id.index())
                .is_some_and(|n| n.status == Status::Failed)
        });
        let circular_dropped = self.circular_dropped;
        let mut made_by_pattern = self.made_by_pattern;
        made_by_pattern.retain(|id, _| {
            nodes
                .get(id.index())
                .is_some_and(|n| matches!(n.status, Status::Done | Status::Failed))
        });
        (
            self.runner,
            Settled {
                nodes,
                dont_care,
                circular_dropped,
                made_by_pattern,
                makefiles,
            },
        )
    }

    /// Starts from what an earlier walk of the same run settled.
    pub fn resume(&mut self, settled: Settled) {
        self.nodes = settled.nodes;
        // What is made now was made after those (the `rm` line's order).
        self.made_count = self.nodes.iter().map(|n| n.made_seq).max().unwrap_or(0);
        self.dont_care = settled.dont_care;
        self.dropped_before = settled.circular_dropped;
        self.made_by_pattern = settled.made_by_pattern;
        self.makefiles = settled.makefiles;
    }

    /// Gives the runner back after the last walk. The planning state (a
    /// node, resolved rule and expanded prerequisites per file) is left
    /// unfreed: the process exits next, and freeing it piece by piece cost
    /// 5 % of a 50 000-target walk's instructions. It holds only memory.
    pub fn finish(self) -> J {
        let Planner {
            runner,
            nodes,
            expanded,
            ..
        } = self;
        std::mem::forget(nodes);
        std::mem::forget(expanded);
        runner
    }

    /// Remaking makefiles in a make that has already restarted.
    fn restarted_makefiles_phase(&self) -> bool {
        self.makefiles_phase && std::env::var_os("MAKE_RESTARTS").is_some()
    }

    /// `-B` is in force (for makefiles, as the session decided).
    fn always_make(&self) -> bool {
        if self.makefiles_phase {
            self.makefiles_always_make
        } else {
            self.ev.invocation.options.always_make
        }
    }

    /// A failure without `-k`: make only waits for the jobs running.
    fn halting(&self) -> bool {
        self.stopping && !self.ev.invocation.options.keep_going
    }

    /// `-q` is in force.
    fn question(&self) -> bool {
        self.ev.invocation.options.question && !self.makefiles_phase
    }

    /// `--debug=b` lines are printed: not while remaking makefiles, which
    /// only `--debug=m` shows.
    fn basic(&self) -> bool {
        let debug = &self.ev.invocation.options.debug;
        debug.basic && (!self.makefiles_phase || debug.makefile)
    }

    /// `--debug=i` lines are printed (not while remaking makefiles either).
    fn implicit_debug(&self) -> bool {
        let debug = &self.ev.invocation.options.debug;
        debug.implicit && (!self.makefiles_phase || debug.makefile)
    }

    /// `--debug=v` lines are printed (not while remaking makefiles either).
    fn verbose(&self) -> bool {
        let debug = &self.ev.invocation.options.debug;
        debug.verbose && (!self.makefiles_phase || debug.makefile)
    }

    /// `-t` is in force.
    fn touch(&self) -> bool {
        self.ev.invocation.options.touch && !self.makefiles_phase
    }

    /// `-t` applies to `id`: any target, or while makefiles are remade,
    /// a makefile that is a goal on the command line too (GNU manual,
    /// "How Makefiles Are Remade": "the options -t and so on do apply to
    /// them").
    fn touches_target(&self, id: FileId) -> bool {
        self.touch() || (self.makefiles_phase && self.touch_makefiles.contains(&id))
    }

    /// Whether making `id` failed in this run.
    pub fn has_failed(&self, id: FileId) -> bool {
        self.nodes
            .get(id.index())
            .is_some_and(|n| n.status == Status::Failed)
    }

    /// Whether `id` was brought up to date in this run (its recipe, if
    /// any, succeeded), whether or not that left the file.
    pub fn is_done(&self, id: FileId) -> bool {
        self.nodes
            .get(id.index())
            .is_some_and(|n| n.status == Status::Done)
    }

    /// Whether `id` was remade in this run.
    pub fn was_remade(&self, id: FileId) -> bool {
        self.nodes.get(id.index()).is_some_and(|n| n.remade)
    }

    fn node(&mut self, id: FileId) -> &mut Node {
        if self.nodes.len() <= id.index() {
            self.nodes
                .resize_with(self.ev.db.files.len().max(id.index() + 1), Node::default);
        }
        &mut self.nodes[id]
    }

    fn status(&mut self, id: FileId) -> Status {
        self.node(id).status
    }

    /// Brings every goal up to date; returns the exit status.
    pub fn run_goals(&mut self, goals: &[FileId]) -> Result<i32> {
        // A goal found through vpath as another target is that target; a
        // makefile is not (an included `c`, with `o: sub/c` and VPATH
        // `sub`, is made as `c`, GNU 4.4.1 and 4.3).
        let goals: Vec<FileId> = match self.makefiles_phase {
            true => goals.to_vec(),
            false => goals.iter().map(|&g| self.vpath_target(g)).collect(),
        };
        for &g in &goals {
            self.node(g);
        }
        let goals = &goals[..];
        self.goals.extend_from_slice(goals);
        for &g in goals {
            self.ev.db.file_mut(g).entered = true;
        }
        let mut started = vec![0u64; goals.len()];
        let mut reported = vec![false; goals.len()];
        loop {
            let mut all_settled = true;
            let finished_before = self.jobs_finished;
            let without_process_before = self.finished_without_process;
            self.pass += 1;
            for (i, &goal) in goals.iter().enumerate() {
                if self.stopping && !self.ev.invocation.options.keep_going {
                    break;
                }
                if reported[i] && self.failed_quietly(goal) {
                    // Settled: GNU drops a goal from its list once it is,
                    // so one that failed quietly is not said again.
                    continue;
                }
                let before = self.runner.started();
                self.dont_care.start_goal(i);
                if !reported[i] && !self.noted_goals.is_empty() {
                    // The goal being made, for the errors met while it is
                    // looked at and the jobs started for it.
                    diag::set_current_makefile(self.noted_goals.get(i).and_then(|n| n.as_deref()));
                }
                // A goal met already in this pass, as another's
                // prerequisite, still waiting: pruned, as GNU does (its
                // grouped peers' lists are not looked at again).
                let st = if self.seen_this_pass(goal) {
                    Status::Pending
                } else {
                    let st = self.update(goal, None)?;
                    if st == Status::Failed {
                        self.later_rules_of_quiet_goal(goal)?
                    } else {
                        st
                    }
                };
                started[i] += self.runner.started() - before;
                match st {
                    Status::Done | Status::Failed => {
                        let noted = st == Status::Done || self.first_rule_quiet(goal);
                        if noted && !reported[i] && started[i] == 0 {
                            self.report_nothing_done(goal);
                        }
                        reported[i] = true;
                    }
                    _ => {
                        all_settled = false;
                        // `.NOTPARALLEL:` makes the goals one at a time.
                        if self.ev.db.not_parallel {
                            break;
                        }
                    }
                }
            }
            // A job that ran no process (its recipe `@:`) has finished
            // already: collect it and look again, or its parents would wait
            // for nothing (Kbuild's `vmlinux.o: vmlinux_o ; @:` stopped the
            // build before modpost and vmlinux, with status 0).
            if !all_settled && self.runner.has_outcomes() {
                self.wait_for_jobs()?;
                continue;
            }
            if all_settled || (self.stopping && self.runner.running() == 0) {
                break;
            }
            // A job that ran no process ended during the pass, collected as
            // it started: like any job's end, it is a reason to look at the
            // goals again before waiting, as GNU 4.4.1 does (what ended
            // while make waited for its slot can go on now).
            if self.finished_without_process != without_process_before && !self.stopping {
                continue;
            }
            if self.runner.running() == 0 {
                // The last jobs finished during the pass, after the goals
                // waiting for them were looked at: look again.
                if self.jobs_finished != finished_before {
                    continue;
                }
                // Nothing can progress (a cycle through pending files): stop rather than hang.
                break;
            }
            self.wait_for_jobs()?;
        }
        self.dont_care.end_run(goals.len());
        self.say_waiting_if_failed(goals);
        while self.runner.running() > 0 {
            self.wait_for_jobs()?;
        }
        // The goals still need the jobserver after the makefiles are
        // remade; the intermediate files made for those are deleted once
        // all of them are (by the session).
        if !self.makefiles_phase {
            self.runner.finish_jobserver();
            self.delete_intermediates();
        }
        // -q -k: the first goal that failed says whether the answer is
        // "out of date" or an error, as in GNU.
        if self.question() && self.ev.invocation.options.keep_going {
            if let Some(&g) = goals
                .iter()
                .find(|&&g| self.nodes[g].status == Status::Failed)
            {
                return Ok(if self.nodes[g].first_rule_out_of_date {
                    1
                } else {
                    2
                });
            }
        }
        // A goal can fail through a file that failed before the goals
        // were looked at (a grouped peer of an optional makefile whose
        // recipe failed): nothing is said then, but it is a failure.
        let goal_failed = || {
            !self.makefiles_phase
                && !self.question()
                && goals
                    .iter()
                    .any(|&g| self.nodes[g].status == Status::Failed)
        };
        if self.failed || goal_failed() {
            return Ok(2);
        }
        if self.question() && self.question_dirty {
            return Ok(1);
        }
        Ok(0)
    }

    /// The goals are settled with jobs still running (under `-q`, a goal
    /// found out of date while another goal's recursive command runs):
    /// if make will fail, GNU says it waits for them, as when a failure
    /// stops it (once: `stopping` means it was said or needed not be).
    /// With -k a goal settles only once its jobs have ended.
    fn say_waiting_if_failed(&mut self, goals: &[FileId]) {
        let keep_going = self.ev.invocation.options.keep_going;
        if self.makefiles_phase || self.stopping || keep_going || self.runner.running() == 0 {
            return;
        }
        let failed = self.failed
            || (self.question() && self.question_dirty)
            || goals
                .iter()
                .any(|&g| self.nodes[g].status == Status::Failed);
        if failed {
            diag::waiting_for_jobs();
            self.stopping = true;
        }
    }

    /// A double-colon goal that failed under -k at a later rule, its
    /// first having neither failed nor run anything: GNU judges the note
    /// for a goal by that first rule (`a::` then `a:: missing` says
    /// "Nothing to be done for 'a'" after the error).
    fn first_rule_quiet(&self, goal: FileId) -> bool {
        self.ev.invocation.options.keep_going
            && self.ev.db.file(goal).double_colon().len() > 1
            && !self.nodes[goal].first_rule_failed
    }

    /// GNU's note for a goal that needed no commands.
    fn report_nothing_done(&mut self, goal: FileId) {
        let opts = &self.ev.invocation.options;
        // `.SILENT:` naming no target silences make as `-s` does.
        let silent = opts.silent || self.ev.db.silent_all;
        if silent || opts.question || self.makefiles_phase {
            return;
        }
        let name = diag::show(self.ev.db.file(goal).name).to_string();
        // A goal another target's recipe made (a grouped peer) was never
        // resolved: its own rule says whether it has a recipe.
        // A double-colon file's first rule says, whichever ran last.
        let has_recipe = match &self.nodes[goal].resolved {
            Some(_) if !self.ev.db.file(goal).double_colon().is_empty() => {
                self.nodes[goal].first_rule_recipe
            }
            Some(r) => r.recipe.is_some(),
            None => self.ev.db.file(goal).rule.recipe.is_some(),
        };
        if has_recipe && !self.ev.db.file(goal).phony {
            crate::diag::message_line(format_args!(
                "{}: '{}' is up to date.",
                diag::prefix(),
                name
            ));
        } else {
            crate::diag::message_line(format_args!(
                "{}: Nothing to be done for '{}'.",
                diag::prefix(),
                name
            ));
        }
    }
}
