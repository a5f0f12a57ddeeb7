//! The goal walk: for each goal, depth-first over prerequisites in GNU's
//! order, resolve each file's rule (explicit or implicit), decide whether it
//! is out of date, and hand its recipe to the executor. The walk is resumable:
//! a file whose prerequisites are still running is revisited on the next pass.

pub mod implicit;
pub mod mtime;
mod rule_index;
pub mod shuffle;
mod waits;

use std::rc::Rc;

use crate::diag::{self, Result};
use crate::eval::vars::{Flavor, Origin, Var, VarSet};
use crate::eval::{Evaluator, ScopeEntry};
use crate::exec::{JobRequest, Runner};
use crate::rules::{Deferred, Dep, FileId, Recipe, Rule};
use mtime::{KnownMtime, Mtime};

/// A child's environment: (name, value) pairs.
pub type Environment = Vec<(Vec<u8>, Vec<u8>)>;

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
    /// Prerequisites from `.EXTRA_PREREQS`: built, but not in `$^` and friends.
    hidden: Vec<FileId>,
    /// Of `hidden`, those that are prerequisites of other targets of the
    /// same pattern recipe (not `.EXTRA_PREREQS`).
    peer_deps: Vec<FileId>,
    /// Files the same recipe run makes (multi-target pattern rules).
    siblings: Vec<FileId>,
    /// The order prerequisites are made in (`--shuffle`); empty: as written.
    order: Vec<usize>,
}

impl ResolvedMore {
    fn is_empty(&self) -> bool {
        self.own_deps.is_empty()
            && self.hidden.is_empty()
            && self.peer_deps.is_empty()
            && self.siblings.is_empty()
            && self.order.is_empty()
    }
}

/// What a file without any of `ResolvedMore` has.
static NO_MORE: ResolvedMore = ResolvedMore {
    own_deps: Vec::new(),
    hidden: Vec::new(),
    peer_deps: Vec::new(),
    siblings: Vec::new(),
    order: Vec::new(),
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

    fn hidden(&self) -> &[FileId] {
        &self.more().hidden
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
}

/// What walking a target's prerequisites found.
#[derive(Default)]
struct Walk {
    /// Some are still being made.
    pending: bool,
    failed: bool,
    /// The first prerequisite that failed.
    first_failed: Option<FileId>,
    /// Missing intermediate files whose making waits until the target is
    /// known to need them.
    deferred: Vec<FileId>,
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
    /// How deep in the walk it was first met (for `--debug` indentation).
    pub depth: u32,
    /// It is being made as another target's `.EXTRA_PREREQS`.
    pub extra: bool,
    /// When its job finished, in the order of the run (0: not made).
    pub made_seq: u32,
    pub intermediate: bool,
    /// Its recipe was only printed (-n, a line not recursive): it counts as
    /// updated though its file did not change.
    pub simulated: bool,
    /// A prerequisite of a terminal pattern rule: no implicit rule makes it.
    pub no_implicit: bool,
    /// The double-colon rule being worked on: each is resolved, brought up
    /// to date and run in turn, as if it were a target of its own.
    pub double_colon_rule: u32,
    /// The other targets of its grouped rule have had their prerequisites
    /// added to its own.
    pub peers_added: bool,
    /// Under -q, it failed because it (or the first of its prerequisites
    /// to fail) is out of date, not through an error: status 1, not 2.
    pub out_of_date: bool,
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

impl Default for Node {
    fn default() -> Self {
        Node {
            status: Status::New,
            resolved: None,
            inherited: None,
            mtime: KnownMtime::UNKNOWN,
            path: None,
            remade: false,
            depth: 0,
            intermediate: false,
            simulated: false,
            no_implicit: false,
            extra: false,
            made_seq: 0,
            double_colon_rule: 0,
            peers_added: false,
            out_of_date: false,
        }
    }
}

/// The goal walker and its executor.
pub struct Planner<'e> {
    pub ev: &'e mut Evaluator,
    pub nodes: Vec<Node>,
    pub runner: Runner,
    /// Some target failed.
    pub failed: bool,
    /// Stop starting new work (a failure without `-k`).
    pub stopping: bool,
    /// `-q`: something is out of date.
    pub question_dirty: bool,
    /// Remaking makefiles: `-n`, `-q`, `-t` do not apply, and goals get no
    /// "Nothing to be done" notes.
    pub makefiles_phase: bool,
    /// Depth of the walk right now.
    depth: usize,
    /// Jobs finished so far (orders intermediate deletion).
    made_count: u32,
    /// Files whose absence is no error (optional includes).
    pub dont_care: rustc_hash::FxHashSet<FileId>,
    /// Makefiles that exist but could not be read: remade as if missing.
    pub unreadable: rustc_hash::FxHashSet<FileId>,
    /// Files given to `-o`.
    pub old_files: Vec<FileId>,
    pub new_files: Vec<FileId>,
    /// The goals being made: never deleted as intermediate files.
    goals: Vec<FileId>,
    /// Running multi-target pattern recipes: the modification times before
    /// the run of the target and its peers, to warn about peers not updated.
    peer_checks: rustc_hash::FxHashMap<FileId, PeerCheck>,
    /// Single-colon prerequisites after the second expansion, by file.
    expanded: rustc_hash::FxHashMap<FileId, Vec<Dep>>,
    /// The pattern rules' targets by suffix, for the implicit search.
    rule_index: rule_index::RuleIndex,
    /// Implicit-rule searches' working space, kept from one to the next.
    search_scratch: implicit::Scratch,
    /// The targets `.NOTPARALLEL` lists: their prerequisites are made one at
    /// a time. Like `vpath_configured`, fixed once the makefiles are read.
    serial_targets: rustc_hash::FxHashSet<FileId>,
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

/// A multi-target pattern recipe's target and peers before it ran.
struct PeerCheck {
    before: Option<Mtime>,
    peers: Vec<(FileId, Option<Mtime>)>,
    loc: crate::diag::Loc,
}

impl<'e> Planner<'e> {
    pub fn new(ev: &'e mut Evaluator, runner: Runner) -> Planner<'e> {
        let old_files = ev.options.old_files.clone();
        let new_files = ev.options.new_files.clone();
        // From now on rules come only from the makefiles already read.
        ev.db.rules_closed = true;
        let vpath_configured = vpath_configured(ev);
        let mut p = Planner {
            ev,
            nodes: Vec::new(),
            runner,
            failed: false,
            stopping: false,
            question_dirty: false,
            makefiles_phase: false,
            depth: 0,
            made_count: 0,
            dont_care: Default::default(),
            unreadable: Default::default(),
            old_files: Vec::new(),
            new_files: Vec::new(),
            goals: Vec::new(),
            peer_checks: Default::default(),
            expanded: Default::default(),
            rule_index: Default::default(),
            search_scratch: Default::default(),
            serial_targets: Default::default(),
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
            p.old_files.push(id);
        }
        for f in new_files {
            let id = p.ev.db.intern(&crate::read::rule_line::normalize_name(&f));
            p.new_files.push(id);
        }
        p
    }

    /// A `--debug=basic` line about `id`, indented by its depth as GNU does
    /// (`extra` is 1 for "File ..." lines, 0 for "Must remake ..." ones).
    fn debug_line(&self, id: FileId, extra: usize, template: &str) {
        let depth = self.nodes.get(id).map_or(0, |n| n.depth as usize);
        let name = diag::show(self.ev.db.file(id).name).to_string();
        let text = template.replace("{}", &name);
        println!("{:indent$}{text}", "", indent = depth * 2 + extra);
    }

    /// The runner back (for the next phase), and the files settled so far
    /// (up to date or remade), for a later walk in the same run; the others
    /// start afresh there, and so do those of optional makefiles whose
    /// missing rules were forgiven (one whose recipe ran is done with). The
    /// nodes are turned over in place: a tree with tens of thousands of
    /// files would otherwise hold two copies at once.
    pub fn into_settled(self) -> (Runner, Vec<Node>) {
        let dont_care = self.dont_care;
        let settled = self
            .nodes
            .into_iter()
            .enumerate()
            .map(|(id, n)| match n.status {
                Status::Done if !dont_care.contains(&id) || n.made_seq > 0 => Node {
                    depth: 0,
                    inherited: None,
                    ..n
                },
                _ => Node::default(),
            })
            .collect();
        (self.runner, settled)
    }

    /// Gives the runner back after the last walk. The planning state (a
    /// node, resolved rule and expanded prerequisites per file) is left
    /// unfreed: the process exits next, and freeing it piece by piece cost
    /// 5 % of a 50 000-target walk's instructions. It holds only memory.
    pub fn finish(self) -> Runner {
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

    /// `-B` is in force; after a restart it no longer applies to makefiles,
    /// or make would remake them and restart forever.
    fn always_make(&self) -> bool {
        self.ev.options.always_make
            && !(self.makefiles_phase && std::env::var_os("MAKE_RESTARTS").is_some())
    }

    /// A failure without `-k`: make only waits for the jobs running.
    fn halting(&self) -> bool {
        self.stopping && !self.ev.options.keep_going
    }

    /// `-q` is in force.
    fn question(&self) -> bool {
        self.ev.options.question && !self.makefiles_phase
    }

    /// `--debug=b` lines are printed: not while remaking makefiles, which
    /// only `--debug=m` shows.
    fn basic(&self) -> bool {
        let debug = &self.ev.options.debug;
        debug.basic && (!self.makefiles_phase || debug.makefile)
    }

    /// `--debug=v` lines are printed (not while remaking makefiles either).
    fn verbose(&self) -> bool {
        let debug = &self.ev.options.debug;
        debug.verbose && (!self.makefiles_phase || debug.makefile)
    }

    /// `-t` is in force.
    fn touch(&self) -> bool {
        self.ev.options.touch && !self.makefiles_phase
    }

    /// Whether `-W` names `id`, by its name or by the name vpath found
    /// for it (`-W dir/x` with `VPATH = dir`).
    fn is_new_file(&self, id: FileId) -> bool {
        if self.new_files.contains(&id) {
            return true;
        }
        let Some(path) = self.nodes.get(id).and_then(Node::path) else {
            return false;
        };
        let path = crate::read::rule_line::normalize_name(path);
        self.new_files
            .iter()
            .any(|&f| *self.ev.db.file(f).name == *path)
    }

    /// Whether making `id` failed in this run.
    pub fn has_failed(&self, id: FileId) -> bool {
        self.nodes
            .get(id)
            .is_some_and(|n| n.status == Status::Failed)
    }

    /// Whether `id` was remade in this run.
    pub fn was_remade(&self, id: FileId) -> bool {
        self.nodes.get(id).is_some_and(|n| n.remade)
    }

    fn node(&mut self, id: FileId) -> &mut Node {
        if self.nodes.len() <= id {
            self.nodes
                .resize_with(self.ev.db.files.len().max(id + 1), Node::default);
        }
        &mut self.nodes[id]
    }

    fn status(&mut self, id: FileId) -> Status {
        self.node(id).status
    }

    /// Brings every goal up to date; returns the exit status.
    pub fn run_goals(&mut self, goals: &[FileId]) -> Result<i32> {
        // A goal found through vpath as another target is that target.
        let goals: Vec<FileId> = goals.iter().map(|&g| self.vpath_target(g)).collect();
        let goals = &goals[..];
        self.goals.extend_from_slice(goals);
        let mut started = vec![0u64; goals.len()];
        let mut reported = vec![false; goals.len()];
        loop {
            let mut all_settled = true;
            for (i, &goal) in goals.iter().enumerate() {
                if self.stopping && !self.ev.options.keep_going {
                    break;
                }
                let before = self.runner.started;
                let st = self.update(goal, None)?;
                started[i] += self.runner.started - before;
                match st {
                    Status::Done | Status::Failed => {
                        if st == Status::Done && !reported[i] && started[i] == 0 {
                            self.report_nothing_done(goal);
                        }
                        reported[i] = true;
                    }
                    _ => all_settled = false,
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
            if self.runner.running() == 0 {
                // Nothing can progress (a cycle through pending files): stop rather than hang.
                break;
            }
            self.wait_for_jobs()?;
        }
        while self.runner.running() > 0 {
            self.wait_for_jobs()?;
        }
        // The goals still need the jobserver after the makefiles are remade.
        if !self.makefiles_phase {
            self.runner.finish_jobserver();
        }
        self.delete_intermediates();
        // -q -k: the first goal that failed says whether the answer is
        // "out of date" or an error, as in GNU.
        if self.question() && self.ev.options.keep_going {
            if let Some(&g) = goals
                .iter()
                .find(|&&g| self.nodes[g].status == Status::Failed)
            {
                return Ok(if self.nodes[g].out_of_date { 1 } else { 2 });
            }
        }
        if self.failed {
            return Ok(2);
        }
        if self.question() && self.question_dirty {
            return Ok(1);
        }
        Ok(0)
    }

    /// GNU's note for a goal that needed no commands.
    fn report_nothing_done(&mut self, goal: FileId) {
        let opts = &self.ev.options;
        if opts.silent || opts.question || self.makefiles_phase {
            return;
        }
        let name = diag::show(self.ev.db.file(goal).name).to_string();
        let has_recipe = self.nodes[goal]
            .resolved
            .as_ref()
            .is_some_and(|r| r.recipe.is_some());
        if has_recipe && !self.ev.db.file(goal).phony {
            println!("{}: '{}' is up to date.", diag::prefix(), name);
        } else {
            println!("{}: Nothing to be done for '{}'.", diag::prefix(), name);
        }
    }

    /// Waits for at least one job to finish and records the results.
    fn wait_for_jobs(&mut self) -> Result<()> {
        let done = self.runner.wait_any();
        for outcome in done {
            self.job_finished(outcome);
        }
        Ok(())
    }

    fn job_finished(&mut self, outcome: crate::exec::JobOutcome) {
        self.ev.fs.job_ended();
        let id = outcome.file;
        if self.basic() {
            let template = if outcome.ok {
                "Successfully remade target file '{}'."
            } else {
                "Failed to remake target file '{}'."
            };
            self.debug_line(id, 0, template);
        }
        // Grouped targets and pattern siblings were made by the same recipe.
        let companions = self.companions(id);
        if outcome.ok {
            self.made_count += 1;
            let seq = self.made_count;
            let node = self.node(id);
            node.remade = true;
            node.made_seq = seq;
            // Every double-colon rule is judged by the file's time before the
            // first of them ran.
            if self.rule_finished(id) == Status::Done {
                self.ev.fs.invalidate(self.ev.db.file(id).name);
                self.forget_mtime(id);
                self.find_made_library(id);
            }
        } else if self.dont_care.contains(&id) {
            // Only an optional makefile needed it: no error, no stop.
            self.node(id).status = Status::Failed;
        } else if let Some(how) = outcome.out_of_date {
            // -q: out of date is status 1, not an error. Reaching a command
            // is as if it had been decided before the job: the other goals
            // are still looked at; a sub-make's answer stops make.
            self.node(id).status = Status::Failed;
            self.nodes[id].out_of_date = true;
            self.question_dirty = true;
            if how == crate::exec::OutOfDate::SubMake && !self.ev.options.keep_going {
                if !self.stopping && self.runner.running() > 0 {
                    diag::error_line("Waiting for unfinished jobs....");
                }
                self.stopping = true;
            }
        } else {
            self.node(id).status = Status::Failed;
            self.failed = true;
            if !self.ev.options.keep_going {
                if !self.stopping && self.runner.running() > 0 {
                    diag::error_line("Waiting for unfinished jobs....");
                }
                self.stopping = true;
            }
        }
        let status = if outcome.ok {
            Status::Done
        } else {
            Status::Failed
        };
        for other in companions {
            self.ev.fs.invalidate(self.ev.db.file(other).name);
            self.forget_mtime(other);
            let node = self.node(other);
            node.status = status;
            node.remade = true;
        }
        if let Some(check) = self.peer_checks.remove(&id) {
            if outcome.ok {
                self.check_peers(id, check);
            }
        }
    }

    /// GNU 4.4 warns when a pattern recipe that updated its target left
    /// another target of the rule as it was.
    fn check_peers(&mut self, id: FileId, check: PeerCheck) {
        let after = self.mtime_of(id);
        if after.is_none() || after == check.before {
            return;
        }
        for (peer, before) in check.peers {
            if self.mtime_of(peer) == before {
                let name = diag::show(self.ev.db.file(peer).name).to_string();
                diag::warn(
                    Some(&check.loc),
                    format_args!("warning: pattern recipe did not update peer target '{name}'."),
                );
            }
        }
    }

    /// The other files one run of `id`'s recipe makes: members of a grouped
    /// (`&:`) rule and the other targets of a multi-target pattern rule.
    fn companions(&self, id: FileId) -> Vec<FileId> {
        let mut out: Vec<FileId> = Vec::new();
        let file = self.ev.db.file(id);
        let rule = self
            .nodes
            .get(id)
            .map_or(0, |n| n.double_colon_rule as usize);
        let groups = std::iter::once(file.rule.group())
            .chain(file.double_colon().get(rule).map(|r| r.group()));
        for group in groups.flatten() {
            for &g in group.iter() {
                if g != id && !out.contains(&g) {
                    out.push(g);
                }
            }
        }
        if let Some(resolved) = self.nodes.get(id).and_then(|n| n.resolved.as_ref()) {
            out.extend(resolved.siblings().iter().copied().filter(|&g| g != id));
        }
        out
    }

    /// Updates `id`, returning where it stands.
    fn update(&mut self, id: FileId, parent: Option<FileId>) -> Result<Status> {
        match self.status(id) {
            Status::Done | Status::Failed => {
                if self.verbose() {
                    println!(
                        "{:indent$}Pruning file '{}'.",
                        "",
                        diag::show(self.ev.db.file(id).name),
                        indent = self.depth * 2
                    );
                }
                return Ok(self.nodes[id].status);
            }
            Status::Running => return Ok(Status::Running),
            Status::Visiting => return Ok(Status::Visiting),
            Status::New | Status::Pending => {}
        }
        self.enter(id, parent)?;
        let resolved = self.nodes[id].resolved.clone().expect("resolved above");
        if resolved.recipe.is_none()
            && resolved.deps.is_empty()
            && !self.ev.db.file(id).is_target
            && !self.nodes[id].intermediate
        {
            // A plain file with no rule: it must exist.
            return self.leaf(id, parent);
        }
        let walk = self.walk_prereqs(id)?;
        if !walk.pending
            && !walk.failed
            && !self.nodes[id].peers_added
            && self.add_peer_prereqs(id)?
        {
            self.nodes[id].status = Status::Pending;
            return self.update(id, parent);
        }
        if let Some(settled) = self.unsettled(id, parent, &walk) {
            return Ok(settled);
        }
        if !walk.deferred.is_empty() && self.deferred_needed(id, &walk.deferred) {
            // Something needs remaking: now the intermediate files are made.
            let mut made = Walk::default();
            for &d in &walk.deferred {
                self.depth += 1;
                let st = self.update(d, Some(id));
                self.depth -= 1;
                match st? {
                    Status::Failed => made.failed = true,
                    Status::Done => {}
                    _ => made.pending = true,
                }
            }
            if let Some(settled) = self.unsettled(id, parent, &made) {
                return Ok(settled);
            }
        }
        if self.verbose() {
            self.debug_line(id, 1, "Finished prerequisites of target file '{}'.");
        }
        let resolved = self.nodes[id].resolved.clone().expect("resolved above");
        match self.decide(id, &resolved)? {
            // On to the next double-colon rule (none once make is stopping:
            // the recipe was not started, see `start`).
            Status::Pending if !self.halting() => self.update(id, parent),
            st => Ok(st),
        }
    }

    /// The first visit of `id` (its rule is resolved), or a revisit; it is
    /// `Visiting` afterwards.
    fn enter(&mut self, id: FileId, parent: Option<FileId>) -> Result<()> {
        let first_visit = self.nodes[id].status == Status::New;
        self.nodes[id].status = Status::Visiting;
        if first_visit {
            // A walk never nests four billion deep: its stack would give out first.
            self.nodes[id].depth = self.depth as u32;
            if self.verbose() {
                self.debug_line(id, 0, "Considering target file '{}'.");
            }
            if self.basic() && self.mtime_of(id).is_none() {
                self.debug_line(id, 1, "File '{}' does not exist.");
            }
            if let Some(p) = parent {
                let scope = self.scope_for(p);
                // Most files inherit nothing: no allocation for them.
                if !scope.is_empty() {
                    self.nodes[id].inherited = Some(Rc::new(scope));
                }
            }
        }
        // Resolved on the first visit, and again for each double-colon rule.
        if self.nodes[id].resolved.is_none() {
            if let Err(e) = self.resolve(id, parent) {
                self.nodes[id].status = Status::Failed;
                return Err(e);
            }
        }
        Ok(())
    }

    /// After a walk: `Some` status when `id` cannot be decided yet
    /// (prerequisites still running) or failed through a prerequisite.
    fn unsettled(&mut self, id: FileId, parent: Option<FileId>, walk: &Walk) -> Option<Status> {
        // Prerequisites still running come first: with -k a failed one must
        // not end the target while its siblings are still being made.
        if walk.pending {
            self.nodes[id].status = Status::Pending;
            return Some(Status::Pending);
        }
        if walk.failed {
            self.nodes[id].status = Status::Failed;
            self.nodes[id].out_of_date =
                walk.first_failed.is_some_and(|d| self.nodes[d].out_of_date);
            // A makefile that failed gets "Failed to remake makefile" instead.
            // (Not under -q, where out of date is the answer, not an error.)
            if self.ev.options.keep_going
                && parent.is_none()
                && !self.makefiles_phase
                && !self.question()
            {
                let name = diag::show(self.ev.db.file(id).name).to_string();
                diag::warn(
                    None,
                    format_args!("Target '{name}' not remade because of errors."),
                );
            }
            return Some(Status::Failed);
        }
        None
    }

    /// Updates the prerequisites of `id` (which is `Visiting`), in order;
    /// `.WAIT` holds back the rest until the earlier ones are done. A
    /// missing file that may stay missing (intermediate, secondary) only
    /// has its own prerequisites updated: whether it is made is decided once
    /// all of `id`'s prerequisites are.
    fn walk_prereqs(&mut self, id: FileId) -> Result<Walk> {
        let resolved = self.nodes[id].resolved.clone().expect("resolved above");
        let mut walk = Walk::default();
        let serial = self.ev.db.not_parallel || self.listed_not_parallel(id);
        for k in 0..resolved.deps.len() {
            let i = resolved.made_at(k);
            let dep = &resolved.deps[i];
            if dep.wait_before && walk.pending {
                break;
            }
            if self.stopping && !self.ev.options.keep_going {
                walk.pending = true;
                break;
            }
            if resolved.hidden().contains(&dep.file())
                && !resolved.more().peer_deps.contains(&dep.file())
                && self.nodes[dep.file()].status == Status::New
            {
                self.nodes[dep.file()].extra = true;
            }
            let deferred = self.deferrable(dep.file());
            self.depth += 1;
            let st = if deferred {
                self.update_deferred(dep.file(), id)
            } else {
                self.update(dep.file(), Some(id))
            };
            self.depth -= 1;
            match st? {
                Status::Visiting => {
                    let me = diag::show(self.ev.db.file(id).name).to_string();
                    let other = diag::show(self.ev.db.file(dep.file()).name).to_string();
                    diag::warn(
                        None,
                        format_args!("Circular {me} <- {other} dependency dropped."),
                    );
                    let mut r = (*resolved).clone();
                    r.deps.remove(i);
                    r.forget_order();
                    self.nodes[id].resolved = Some(Rc::new(r));
                    return self.walk_prereqs(id);
                }
                Status::Failed => {
                    walk.failed = true;
                    walk.first_failed.get_or_insert(dep.file());
                    // Without -k nothing more is tried for this target.
                    if !self.ev.options.keep_going {
                        break;
                    }
                }
                Status::Done => {}
                _ => walk.pending = true,
            }
            if deferred && !walk.deferred.contains(&dep.file()) {
                walk.deferred.push(dep.file());
            }
            if serial && walk.pending {
                break;
            }
        }
        Ok(walk)
    }

    /// A target of a grouped rule is made with the others: once its own
    /// prerequisites are done, theirs are made too (expanded a second time
    /// now), as prerequisites that stay out of the automatic variables.
    /// Returns whether any were added.
    fn add_peer_prereqs(&mut self, id: FileId) -> Result<bool> {
        self.nodes[id].peers_added = true;
        let Some(group) = self.ev.db.file(id).rule.group().cloned() else {
            return Ok(false);
        };
        let Some(resolved) = self.nodes[id].resolved.clone() else {
            return Ok(false);
        };
        let mut r = (*resolved).clone();
        for &peer in group.iter().filter(|&&p| p != id) {
            for dep in self.expanded_deps(peer)? {
                if dep.file() != id && !r.deps.iter().any(|d| d.file() == dep.file()) {
                    r.more_mut().hidden.push(dep.file());
                    r.deps.push(dep);
                }
            }
        }
        if r.deps.len() == resolved.deps.len() {
            return Ok(false);
        }
        r.forget_order();
        self.node(id).resolved = Some(Rc::new(r));
        Ok(true)
    }

    /// Another target of `id`'s grouped rule is missing or older than one
    /// of its prerequisites: the recipe that makes them all must run.
    fn peer_out_of_date(&mut self, id: FileId) -> Result<bool> {
        let Some(group) = self.ev.db.file(id).rule.group().cloned() else {
            return Ok(false);
        };
        for &peer in group.iter().filter(|&&p| p != id) {
            let Some(peer_mtime) = self.mtime_of(peer) else {
                return Ok(true);
            };
            for dep in self.expanded_deps(peer)? {
                if dep.order_only {
                    continue;
                }
                let newer = match self.mtime_of(dep.file()) {
                    Some(m) => m > peer_mtime,
                    None => self.nodes[dep.file()].remade,
                };
                if newer {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// One rule of `id` is done: a double-colon target moves on to its next
    /// rule (`Pending`); otherwise the file is `Done`.
    fn rule_finished(&mut self, id: FileId) -> Status {
        let rules = self.ev.db.file(id).double_colon().len();
        let node = self.node(id);
        if (node.double_colon_rule as usize) + 1 < rules {
            node.double_colon_rule += 1;
            node.resolved = None;
            node.status = Status::Pending;
        } else {
            node.status = Status::Done;
        }
        node.status
    }

    /// `.NOTPARALLEL: id`: the prerequisites of `id` are made one at a time.
    fn listed_not_parallel(&self, id: FileId) -> bool {
        self.serial_targets.contains(&id)
    }

    /// Brings the prerequisites of the missing intermediate `id` up to date
    /// without deciding about `id` itself; `Done` when they all are.
    fn update_deferred(&mut self, id: FileId, parent: FileId) -> Result<Status> {
        match self.status(id) {
            Status::Done | Status::Failed | Status::Running => return Ok(self.nodes[id].status),
            Status::Visiting => return Ok(Status::Visiting),
            Status::New | Status::Pending => {}
        }
        self.enter(id, Some(parent))?;
        let walk = self.walk_prereqs(id)?;
        if walk.failed && !walk.pending {
            self.nodes[id].status = Status::Failed;
            return Ok(Status::Failed);
        }
        self.nodes[id].status = Status::Pending;
        Ok(if walk.pending || walk.failed {
            Status::Pending
        } else {
            Status::Done
        })
    }

    /// A prerequisite that is not made unless something needs it: a missing
    /// intermediate or secondary file not yet decided about.
    fn deferrable(&mut self, id: FileId) -> bool {
        if self.always_make()
            || !matches!(self.status(id), Status::New | Status::Pending)
            || self.ev.db.file(id).phony
        {
            return false;
        }
        self.may_stay_missing(id) && self.mtime_of(id).is_none()
    }

    /// Whether `id`, its other prerequisites all up to date, must be
    /// remade, and so its missing intermediate prerequisites made: it is
    /// out of date anyway, or something those are made from is newer.
    fn deferred_needed(&mut self, id: FileId, deferred: &[FileId]) -> bool {
        if self.old_files.contains(&id) {
            return false;
        }
        let Some(mine) = self.mtime_of(id) else {
            return true;
        };
        if self.ev.db.file(id).phony {
            return true;
        }
        let member_target = crate::exec::archive::is_member(self.ev.db.file(id).name);
        let resolved = self.nodes[id].resolved.clone().expect("resolved above");
        let others_newer = resolved
            .deps
            .iter()
            .filter(|d| !d.order_only && !deferred.contains(&d.file()))
            .any(|d| self.dep_is_newer(d.file(), Some(mine), member_target));
        others_newer
            || deferred
                .iter()
                .any(|&d| self.chain_changed(d, mine, member_target, 0))
    }

    /// Intermediate and secondary files need not exist while what they are
    /// made from is older than what needs them.
    fn may_stay_missing(&self, id: FileId) -> bool {
        let file = self.ev.db.file(id);
        let db = &self.ev.db;
        // Naming the file in .INTERMEDIATE or .SECONDARY beats a general
        // or pattern .NOTINTERMEDIATE.
        if (file.intermediate || file.secondary) && !file.notintermediate {
            return true;
        }
        let notintermediate = file.notintermediate
            || db.notintermediate_all
            || db
                .notintermediate_patterns
                .iter()
                .any(|p| p.match_stem(file.name).is_some());
        !notintermediate && (self.nodes.get(id).is_some_and(|n| n.intermediate) || db.secondary_all)
    }

    /// The missing intermediate `dep` would be remade (and be newer than
    /// `limit`): something it is made from was remade or is newer.
    /// `coarse`: the target is an archive member (whole seconds).
    fn chain_changed(&mut self, dep: FileId, limit: Mtime, coarse: bool, depth: usize) -> bool {
        if depth > 32 {
            return true;
        }
        let Some(resolved) = self.nodes[dep].resolved.clone() else {
            return true;
        };
        resolved
            .deps
            .iter()
            .filter(|d| !d.order_only)
            .any(|d| match self.mtime_of(d.file()) {
                _ if self.nodes[d.file()].remade => true,
                Some(m) => mtime::newer(m, limit, coarse),
                None => {
                    !self.may_stay_missing(d.file())
                        || self.chain_changed(d.file(), limit, coarse, depth + 1)
                }
            })
    }

    /// A file with no rule: fine if it exists, an error otherwise.
    fn leaf(&mut self, id: FileId, parent: Option<FileId>) -> Result<Status> {
        let exists = self.exists(id);
        if exists || self.ev.db.file(id).phony || self.dont_care.contains(&id) {
            if exists && self.verbose() {
                self.debug_line(id, 1, "Finished prerequisites of target file '{}'.");
                self.debug_line(id, 0, "No need to remake target '{}'.");
            }
            self.nodes[id].status = Status::Done;
            if self.ev.db.file(id).phony {
                self.nodes[id].remade = true;
            }
            return Ok(Status::Done);
        }
        let name = diag::show(self.ev.db.file(id).name).to_string();
        let message = match parent {
            Some(p) => format!(
                "No rule to make target '{}', needed by '{}'",
                name,
                diag::show(self.ev.db.file(p).name)
            ),
            None => format!("No rule to make target '{name}'"),
        };
        self.nodes[id].status = Status::Failed;
        self.failed = true;
        if self.ev.options.keep_going {
            diag::error_line(format_args!("{message}."));
            Ok(Status::Failed)
        } else {
            self.stopping = true;
            if self.runner.running() > 0 {
                diag::error_line(format_args!("{message}."));
                Ok(Status::Failed)
            } else {
                Err(diag::Fatal::new(None, message))
            }
        }
    }

    /// All prerequisites are settled: decide whether to run the recipe.
    fn decide(&mut self, id: FileId, resolved: &Rc<Resolved>) -> Result<Status> {
        let my_mtime = if self.unreadable.contains(&id) {
            None
        } else {
            self.mtime_of(id)
        };
        let file = self.ev.db.file(id);
        let phony = file.phony;
        let member_target = crate::exec::archive::is_member(file.name);
        let mut out_of_date = phony || my_mtime.is_none() || self.always_make();
        let mut newer = Vec::new();
        let mut any_newer = false;
        // Without a recipe nobody reads `$?`: a bare walk collects nothing.
        let collect = resolved.recipe.is_some();
        for dep in &resolved.deps {
            if dep.order_only {
                continue;
            }
            let dep_newer = self.dep_is_newer(dep.file(), my_mtime, member_target);
            if my_mtime.is_some() && self.verbose() {
                let word = if dep_newer { "newer" } else { "older" };
                let dep_name = diag::show(self.ev.db.file(dep.file()).name).to_string();
                self.debug_line(
                    id,
                    1,
                    &format!("Prerequisite '{dep_name}' is {word} than target '{{}}'."),
                );
            }
            // With -B every prerequisite counts as newer, in `$?` too.
            if dep_newer || my_mtime.is_none() || phony || self.always_make() {
                any_newer = true;
                if collect {
                    newer.push(dep.file());
                }
            }
            if dep_newer {
                out_of_date = true;
            }
        }
        // A double-colon rule without prerequisites always runs.
        if !self.ev.db.file(id).double_colon().is_empty() && resolved.deps.is_empty() {
            out_of_date = true;
        }
        if !out_of_date && resolved.recipe.is_some() && self.peer_out_of_date(id)? {
            out_of_date = true;
        }
        if self.old_files.contains(&id) {
            out_of_date = false;
        }
        if !out_of_date || resolved.recipe.is_none() {
            if out_of_date && (my_mtime.is_none() || phony || any_newer) {
                // No recipe, but it counts as updated for its parents.
                self.nodes[id].remade = true;
                if self.basic() {
                    self.debug_line(id, 0, "Must remake target '{}'.");
                    self.debug_line(id, 0, "Successfully remade target file '{}'.");
                }
            } else if self.verbose() {
                self.debug_line(id, 0, "No need to remake target '{}'.");
            }
            return Ok(self.rule_finished(id));
        }
        self.start(id, resolved, newer)
    }

    /// Whether prerequisite `dep` makes a target with `my_mtime` out of date.
    /// An archive member's time has whole seconds only: a comparison with
    /// one (as target or prerequisite, `member_target`) ignores the rest.
    fn dep_is_newer(&mut self, dep: FileId, my_mtime: Option<Mtime>, member_target: bool) -> bool {
        let dep_mtime = self.mtime_of(dep);
        let coarse = member_target || crate::exec::archive::is_member(self.ev.db.file(dep).name);
        match (dep_mtime, my_mtime) {
            _ if self.old_files.contains(&dep) => false,
            _ if self.nodes[dep].remade && self.ev.db.file(dep).phony => true,
            // -W makes a file new, except for makefiles after a restart
            // (or make would restart forever).
            _ if self.is_new_file(dep) && !self.restarted_makefiles_phase() => true,
            // A member just put into an archive counts as new, whatever
            // date `ar` recorded (deterministic archives record 0).
            _ if self.nodes[dep].remade
                && crate::exec::archive::is_member(self.ev.db.file(dep).name) =>
            {
                true
            }
            (None, _) => self.nodes[dep].remade,
            // Under -n a prerequisite whose recipe would have run counts as
            // updated, though its file did not change.
            _ if self.nodes[dep].remade && self.nodes[dep].simulated => true,
            (Some(_), None) => true,
            (Some(d), Some(m)) => mtime::newer(d, m, coarse),
        }
    }

    /// The lines of `id`'s recipe, expanded in its scope.
    fn expand_recipe(
        &mut self,
        id: FileId,
        resolved: &Rc<Resolved>,
        newer: &[FileId],
    ) -> Result<Vec<crate::exec::PreparedLine>> {
        let Some(recipe) = &resolved.recipe else {
            return Ok(Vec::new());
        };
        // A double-colon rule's automatic variables name its own
        // prerequisites only.
        let scope = if self.ev.db.file(id).double_colon().is_empty() {
            self.recipe_scope(id, resolved, newer)
        } else {
            let own = Resolved {
                deps: resolved.more().own_deps.clone(),
                ..(**resolved).clone()
            };
            self.recipe_scope(id, &own, newer)
        };
        self.ev
            .with_scope(scope, |ev| crate::exec::prepare_lines(ev, recipe))
    }

    /// Expands the recipe and hands it to the executor.
    fn start(&mut self, id: FileId, resolved: &Rc<Resolved>, newer: Vec<FileId>) -> Result<Status> {
        self.note_watched_times();
        let my_mtime_missing = self.mtime_of(id).is_none();
        // A target found through vpath is remade under its own name, unless
        // its directory is in GPATH.
        if let Some(found) = self.nodes[id].path() {
            if !in_gpath(self.ev, found) {
                self.nodes[id].set_path(None);
                self.forget_mtime(id);
            }
        }
        // Under -O, what expanding the recipe prints is the job's output.
        let capture = self.runner.capture_for_recipe();
        let redirected = capture
            .as_ref()
            .and_then(crate::exec::output::Captured::redirect);
        let lines = self.expand_recipe(id, resolved, &newer);
        drop(redirected);
        let mut lines = lines?;
        // -t touches instead of running, unless a line is written recursive
        // (a `+` prefix or `$(MAKE)` before expansion).
        let written_recursive = resolved
            .recipe
            .as_ref()
            .is_some_and(|r| crate::exec::written_recursive(r));
        let touch = self.touch() && !written_recursive;
        // A phony target is no file: -t neither creates it nor says so, and
        // skipping its recipe is no command run; it still counts as remade.
        if touch && self.ev.db.file(id).phony {
            drop(capture);
            self.nodes[id].remade = true;
            return Ok(self.rule_finished(id));
        }
        // An empty recipe does nothing, but -t still touches its target.
        if lines.is_empty() && !touch {
            self.nodes[id].remade = true;
            return Ok(self.rule_finished(id));
        }
        // `-q`: the recipe is expanded (its `$(info)`s print); its recursive
        // lines run, as under -n, up to the first that is not recursive: a
        // command to run means out of date. The runner sees to the later
        // lines; one that is first is decided here, with no job.
        if self.question() && lines.first().is_none_or(|l| !l.recursive) {
            drop(capture);
            self.nodes[id].status = Status::Failed;
            self.nodes[id].out_of_date = true;
            self.question_dirty = true;
            return Ok(Status::Failed);
        }
        // `-t`: touch instead of running (see `touch` above).
        // With -n too the touch is only shown.
        if touch {
            let name = self.ev.db.file(id).name;
            drop(capture);
            let dry_run = self.ev.options.dry_run;
            if !self.ev.options.silent || dry_run {
                println!("touch {}", diag::show(name));
            }
            if !dry_run {
                crate::exec::touch(name);
            }
            self.runner.started += 1;
            self.ev.fs.invalidate(name);
            self.forget_mtime(id);
            self.nodes[id].status = Status::Done;
            self.nodes[id].remade = true;
            self.nodes[id].simulated = dry_run;
            return Ok(Status::Done);
        }
        // Under -n only recursive lines run: the others need no environment.
        let env = if self.ev.options.dry_run
            && !self.makefiles_phase
            && !lines.iter().any(|l| l.recursive)
        {
            Rc::default()
        } else {
            self.child_env(id, resolved, &newer)?
        };
        if self.basic() {
            self.debug_line(id, 0, "Must remake target '{}'.");
        }
        let debug = self.ev.options.debug;
        if self.ev.options.trace || debug.why {
            self.trace_reason(id, resolved, &newer, my_mtime_missing);
        }
        if self.ev.options.trace || debug.print {
            // --trace and --debug=print show every command, `@` or not.
            for line in &mut lines {
                line.silent = false;
            }
        }
        self.nodes[id].simulated =
            self.ev.options.dry_run && !self.makefiles_phase && !lines.iter().all(|l| l.recursive);
        let request = JobRequest {
            file: id,
            name: self.ev.db.file(id).name.to_vec(),
            lines,
            env,
            precious: self.is_precious(id),
            delete_on_error: self.ev.db.delete_on_error,
            quiet_failure: self.dont_care.contains(&id),
            capture,
            waited_for: self.waited_for(resolved),
        };
        // Wait for a job slot, letting finished jobs report meanwhile. A
        // failure reported while waiting (without -k) means make will stop:
        // it starts no new job, as GNU does, and the target stays unmade.
        loop {
            if self.halting() {
                self.nodes[id].status = Status::Pending;
                return Ok(Status::Pending);
            }
            if self.runner.has_free_slot() {
                break;
            }
            for outcome in self.runner.wait_for_slot() {
                self.job_finished(outcome);
            }
        }
        if !resolved.siblings().is_empty() {
            if let Some(recipe) = &resolved.recipe {
                let before = self.mtime_of(id);
                let peers = resolved
                    .siblings()
                    .iter()
                    .map(|&p| (p, self.mtime_of(p)))
                    .collect();
                let loc = recipe.loc.clone();
                self.peer_checks
                    .insert(id, PeerCheck { before, peers, loc });
            }
        }
        self.ev.fs.job_started();
        self.runner.start(request);
        self.nodes[id].status = Status::Running;
        self.nodes[id].remade = true;
        for other in self.companions(id) {
            let node = self.node(other);
            if matches!(node.status, Status::New | Status::Pending) {
                node.status = Status::Running;
                node.remade = true;
            }
        }
        if self.runner.is_serial() {
            while self.nodes[id].status == Status::Running {
                self.wait_for_jobs()?;
            }
        } else if self.runner.has_outcomes() {
            // A job that ran no process (every line under -n, or `:`) is
            // finished already: settled now, as GNU does, its parent can
            // follow at once, and -n prints in the order of -j1.
            self.wait_for_jobs()?;
        }
        Ok(self.nodes[id].status)
    }

    /// `--trace`: why a target's recipe runs, in GNU 4.4.1's words.
    fn trace_reason(&self, id: FileId, resolved: &Resolved, newer: &[FileId], missing: bool) {
        let file = self.ev.db.file(id);
        let loc = match &resolved.recipe {
            Some(r) if r.loc.line > 0 => r.loc.to_string(),
            _ => "<builtin>".to_string(),
        };
        let target = diag::show(file.name);
        let why = if file.phony {
            "target is .PHONY".to_string()
        } else if missing {
            "target does not exist".to_string()
        } else {
            let names: Vec<String> = newer
                .iter()
                .map(|&f| diag::show(self.ev.db.file(f).name).to_string())
                .collect();
            names.join(" ")
        };
        println!("{loc}: update target '{target}' due to: {why}");
    }

    fn is_precious(&self, id: FileId) -> bool {
        let file = self.ev.db.file(id);
        file.precious
            || file.phony
            || self
                .ev
                .db
                .precious_patterns
                .iter()
                .any(|p| p.match_stem(file.name).is_some())
    }

    /// The variables a recipe sees: automatic ones first, then the target's,
    /// the matching pattern-specific ones, then those inherited from parents.
    fn recipe_scope(
        &mut self,
        id: FileId,
        resolved: &Resolved,
        newer: &[FileId],
    ) -> Vec<ScopeEntry> {
        let autos = self.automatic_vars(id, resolved, newer);
        let mut scope = vec![ScopeEntry {
            set: Rc::new(std::cell::RefCell::new(autos)),
            inherited: false,
        }];
        scope.extend(self.scope_for(id));
        scope
    }

    /// The target-specific scope of `id` (without automatic variables).
    fn scope_for(&mut self, id: FileId) -> Vec<ScopeEntry> {
        let mut scope = Vec::new();
        // Most files have no variables of their own or inherited: asked
        // twice per file of a walk.
        if self.ev.db.target_vars(id).is_none()
            && self.ev.db.pattern_vars.is_empty()
            && self.nodes.get(id).is_none_or(|n| n.inherited.is_none())
        {
            return scope;
        }
        if let Some(set) = self.ev.db.target_vars(id).cloned() {
            scope.push(ScopeEntry {
                set,
                inherited: false,
            });
        }
        let db = &self.ev.db;
        let name = &db.file(id).name;
        let mut pattern_sets: Vec<(usize, ScopeEntry)> = db
            .pattern_vars
            .iter()
            // Later definitions first: they are looked at before earlier ones.
            .rev()
            .filter_map(|(p, set)| {
                p.match_stem(name).map(|stem| {
                    (
                        stem.len(),
                        ScopeEntry {
                            set: set.clone(),
                            inherited: false,
                        },
                    )
                })
            })
            .collect();
        // Shorter stems (more specific patterns) first; the sort is stable.
        pattern_sets.sort_by_key(|(len, _)| *len);
        scope.extend(pattern_sets.into_iter().map(|(_, e)| e));
        if let Some(inherited) = self.node(id).inherited.clone() {
            scope.extend(inherited.iter().map(|e| ScopeEntry {
                set: e.set.clone(),
                inherited: true,
            }));
        }
        scope
    }

    fn automatic_vars(&mut self, id: FileId, resolved: &Resolved, newer: &[FileId]) -> VarSet {
        let mut set = VarSet::new();
        // Prerequisites that are archive members appear by member name.
        let name_of = |p: &Planner<'_>, f: FileId| -> Vec<u8> {
            let name = p.path_or_name(f);
            match crate::exec::archive::split_member(name) {
                (_, member) if !member.is_empty() => member.to_vec(),
                _ => name.to_vec(),
            }
        };
        let target = self.path_or_name(id).to_vec();
        let normal: Vec<FileId> = resolved
            .deps
            .iter()
            .filter(|d| !d.order_only && !resolved.hidden().contains(&d.file()))
            .map(|d| d.file())
            .collect();
        let order_only: Vec<FileId> = resolved
            .deps
            .iter()
            .filter(|d| d.order_only && !resolved.hidden().contains(&d.file()))
            .map(|d| d.file())
            // Named as a normal prerequisite too, it is a normal one.
            .filter(|f| !normal.contains(f))
            .collect();
        let first = normal
            .first()
            .map(|&f| name_of(self, f))
            .unwrap_or_default();
        let join = |p: &Planner<'_>, ids: &[FileId], dedup: bool| -> Vec<u8> {
            let mut out = Vec::new();
            let mut seen = rustc_hash::FxHashSet::default();
            for &f in ids {
                if dedup && !seen.insert(f) {
                    continue;
                }
                if !out.is_empty() {
                    out.push(b' ');
                }
                out.extend_from_slice(&name_of(p, f));
            }
            out
        };
        let all = join(self, &normal, true);
        let plus = join(self, &normal, false);
        let oo = join(self, &order_only, true);
        let newer_list: Vec<FileId> = normal
            .iter()
            .copied()
            .filter(|f| newer.contains(f))
            .collect();
        let qm = join(self, &newer_list, true);
        let stem = resolved.stem().to_vec();
        let (target_name, member) = crate::exec::archive::split_member(&target);
        for (n, v) in [
            (&b"@"[..], target_name.to_vec()),
            (b"%", member.to_vec()),
            (b"<", first),
            (b"^", all),
            (b"+", plus),
            (b"|", oo),
            (b"?", qm),
            (b"*", stem),
        ] {
            insert_automatic(&mut set, n, v);
        }
        set
    }

    /// The environment of `id`'s recipe, expanded in its scope (automatic
    /// variables included: `export X = $(shell ... $@)` differs per target).
    /// When nothing exported can differ between targets (no target-specific
    /// variables, no exported recursive variable with a reference) it is the
    /// same for every job until a global variable changes, so it is computed
    /// once (a per-job cost that dominated big `-n` runs).
    fn child_env(
        &mut self,
        id: FileId,
        resolved: &Resolved,
        newer: &[FileId],
    ) -> Result<Rc<Environment>> {
        let own_scope = self.scope_for(id).is_empty();
        let key = (self.ev.globals.generation(), self.ev.export_all);
        if own_scope {
            if let Some((generation, export_all, env)) = &self.ev.env_cache {
                if (*generation, *export_all) == key {
                    return Ok(env.clone());
                }
            }
        }
        let same_for_all = own_scope && crate::exec::env::context_free(self.ev);
        let scope = self.recipe_scope(id, resolved, newer);
        let ev = &mut *self.ev;
        let env = Rc::new(ev.with_scope(scope, crate::exec::env::child_environment)?);
        if same_for_all {
            // Expanding may itself change globals (`$(shell)` sets
            // .SHELLSTATUS): key the cache by the state after it.
            ev.env_cache = Some((ev.globals.generation(), ev.export_all, env.clone()));
        }
        Ok(env)
    }

    /// The modification time of a file (vpath-resolved), cached per run.
    fn mtime_of(&mut self, id: FileId) -> Option<Mtime> {
        // Asked for every edge of the graph: remembered per file until the
        // file is remade or its vpath name changes.
        if let Some(known) = self.node(id).mtime.get() {
            return known;
        }
        let found = self.stat_mtime(id);
        self.nodes[id].mtime = KnownMtime::new(found);
        found
    }

    /// Whether `id` exists. A current listing of its directory tells
    /// without a `stat` (the 20 000 `.d` makefiles of a no-op build, which
    /// nothing compares with); otherwise its time is asked for, and kept.
    fn exists(&mut self, id: FileId) -> bool {
        let node = self.node(id);
        if !node.mtime.is_known() && node.path().is_none() && !self.ev.options.check_symlink_times {
            let name = &self.ev.db.file(id).name;
            if !crate::exec::archive::is_member(name) {
                if let Some(exists) = self.ev.fs.exists_fresh(name) {
                    return exists;
                }
            }
        }
        self.mtime_of(id).is_some()
    }

    /// Notes the times of the `watched` files, once, before the first
    /// recipe runs (the walk reuses them instead of asking again).
    fn note_watched_times(&mut self) {
        if self.watched_times.is_some() || self.watched.is_empty() {
            return;
        }
        let watched = std::mem::take(&mut self.watched);
        let times = watched.iter().map(|&id| (id, self.mtime_of(id))).collect();
        self.watched_times = Some(times);
        self.watched = watched;
    }

    /// Whether the watched file `id` was remade and its time is not what
    /// it was before the first recipe ran (it changed, or appeared). When no
    /// recipe ran, nothing was changed.
    pub fn changed_by_recipes(&mut self, id: FileId) -> bool {
        if !self.was_remade(id) {
            return false;
        }
        let Some(&before) = self.watched_times.as_ref().and_then(|t| t.get(&id)) else {
            return false;
        };
        let after = self.mtime_now(id);
        after.is_some() && after != before
    }

    /// The modification time of `id` as the file system says now.
    pub fn mtime_now(&mut self, id: FileId) -> Option<Mtime> {
        self.forget_mtime(id);
        self.mtime_of(id)
    }

    /// Forgets what `mtime_of` remembered about `id`.
    fn forget_mtime(&mut self, id: FileId) {
        self.node(id).mtime = KnownMtime::UNKNOWN;
    }

    /// The name `id` was found under by vpath, or else its own.
    fn path_or_name(&self, id: FileId) -> &[u8] {
        match self.nodes.get(id).and_then(Node::path) {
            Some(found) => found,
            None => self.ev.db.file(id).name,
        }
    }

    /// Asks the file system, not the run's stat cache: the node keeps the
    /// answer, and a second copy of 20 000 stats costs time and memory.
    fn stat_mtime(&mut self, id: FileId) -> Option<Mtime> {
        self.node(id);
        let path = match self.nodes[id].path() {
            Some(found) => found,
            None => self.ev.db.file(id).name,
        };
        let (archive, member) = crate::exec::archive::split_member(path);
        if !member.is_empty() {
            return crate::exec::archive::member_mtime(archive, member);
        }
        let found = mtime::fresh(&mut self.ev.fs, path);
        if self.ev.options.check_symlink_times {
            // A dangling symlink exists, with its own time.
            return mtime::newest_of_links(path).or(found);
        }
        found
    }

    /// Finds the rule for `id`: explicit, implicit, or `.DEFAULT`.
    fn resolve(&mut self, id: FileId, _parent: Option<FileId>) -> Result<()> {
        let file = self.ev.db.file(id);
        let mut resolved = Resolved::default();
        let mut more = ResolvedMore::default();
        let phony = file.phony;
        let mut stem = file.rule.stem().map(<[u8]>::to_vec).unwrap_or_default();
        let mut recipe = file.rule.recipe.clone();
        let rule_index = self
            .nodes
            .get(id)
            .map_or(0, |n| n.double_colon_rule as usize);
        let double = file.double_colon().get(rule_index).cloned();
        let mut deps = self.expanded_deps(id)?;
        if let Some(rule) = double {
            // Each double-colon rule is resolved on its own, when its turn comes.
            let d = self.second_expand_rule(id, &rule, true)?;
            deps.extend(d.iter().cloned());
            if let Some(s) = rule.stem() {
                stem = s.to_vec();
            }
            if rule.recipe.is_some() {
                resolved.recipe = rule.recipe;
                more.own_deps = d;
            }
        } else if recipe.is_none() && !phony {
            // A file found through vpath in a GPATH directory is that file
            // from now on, for the implicit search too.
            self.vpath_resolve(id);
            // A terminal rule's prerequisites are not made by implicit rules.
            let found = if self.node(id).no_implicit || self.ev.db.pattern_rules.is_empty() {
                None
            } else {
                let search_name: std::borrow::Cow<'static, [u8]> = match self.nodes[id].path() {
                    Some(found) if in_gpath(self.ev, found) => found.to_vec().into(),
                    _ => self.ev.db.file(id).name.into(),
                };
                self.implicit(id, &search_name, &deps)?
            };
            if let Some(m) = found {
                stem = m.stem.clone();
                recipe = m.recipe.clone();
                more.siblings = m.siblings.iter().map(|s| self.ev.db.intern(s)).collect();
                // A file an implicit rule makes counts as a target from now on
                // ("ought to exist" for later searches).
                self.ev.db.file_mut(id).is_target = true;
                for (inter_name, inter_match) in &m.chain {
                    self.adopt_intermediate(inter_name, inter_match);
                }
                let mut extra = self.match_deps(&m);
                let terminal = self.ev.db.pattern_rules[m.rule].terminal;
                for d in &extra {
                    self.adopt_made_peer(d.file());
                    if terminal {
                        self.node(d.file()).no_implicit = true;
                    }
                }
                // The implicit rule's prerequisites come first: `$<` is its first.
                extra.reserve_exact(deps.len());
                extra.extend(deps);
                deps = extra;
                // The recipe makes the other targets too: their own
                // prerequisites are made first (built, not in `$^`).
                for &sibling in &more.siblings {
                    for d in self.ev.db.file(sibling).rule.deps.clone() {
                        if !deps.iter().any(|e| e.file() == d.file()) {
                            more.hidden.push(d.file());
                            more.peer_deps.push(d.file());
                            deps.push(d);
                        }
                    }
                }
            } else if !self.ev.db.file(id).is_target {
                // `.DEFAULT` serves files no rule at all names as a target.
                if let Some(default) = self
                    .ev
                    .db
                    .lookup(b".DEFAULT")
                    .and_then(|d| self.ev.db.file(d).rule.recipe.clone())
                {
                    if self.mtime_of(id).is_none() {
                        recipe = Some(default);
                    }
                }
            }
        }
        if stem.is_empty() && recipe.is_some() {
            stem = explicit_stem(&self.ev.db, self.ev.db.file(id).name);
        }
        // (A double-colon rule's recipe is there already.)
        if recipe.is_some() {
            resolved.recipe = recipe;
        }
        // `.EXTRA_PREREQS` are built but stay out of the automatic variables.
        // The target's own value is not inherited by its prerequisites and
        // comes after its other prerequisites; the global value comes first;
        // neither applies to a file being made as someone's extra prerequisite,
        // nor to a makefile no rule names (only an implicit rule could remake it).
        let ruleless_makefile = self.makefiles_phase && !self.ev.db.file(id).is_target;
        if !self.nodes.get(id).is_some_and(|n| n.extra) && !ruleless_makefile {
            let (extra, own) = self.extra_prereqs(id)?;
            if !crate::words::trim(&extra).is_empty() {
                let mut hidden: Vec<Dep> = crate::read::rule_line::intern_deps(self.ev, &extra);
                hidden.retain(|d| d.file() != id);
                more.hidden.extend(hidden.iter().map(|d| d.file()));
                if own {
                    deps.extend(hidden);
                } else {
                    hidden.extend(deps);
                    deps = hidden;
                }
            }
        }
        // --shuffle changes the order prerequisites are made in, not their
        // order in `$^` and friends. Under .NOTPARALLEL the order is kept
        // (every prerequisite waits for the one before it).
        let serial = self.ev.db.not_parallel || self.listed_not_parallel(id);
        if shuffle::reorders(&self.ev.options.shuffle) && !serial {
            let mut order: Vec<usize> = (0..deps.len()).collect();
            let name = &self.ev.db.file(id).name;
            shuffle::apply(&self.ev.options.shuffle, name, &mut order, |&i| {
                deps[i].wait_before
            });
            more.order = order;
        }
        resolved.deps = deps;
        resolved.stem = stem.into();
        // Prerequisites found through vpath are known by their found names;
        // one found as another file the makefile names (a target, or a
        // prerequisite elsewhere) becomes that file, so no implicit rule is
        // looked for under the name written (binutils' `doc/bfd.texi`, found
        // as `$(srcdir)/doc/bfd.texi`, is not made by `doc/%.texi:`).
        for d in &mut resolved.deps {
            self.vpath_resolve(d.file());
            if let Some(found) = self
                .nodes
                .get(d.file())
                .and_then(Node::path)
                .map(<[u8]>::to_vec)
            {
                let named_is_target = self.ev.db.file(d.file()).is_target;
                let Some(other) = self.ev.db.lookup(&found).filter(|&t| t != d.file()) else {
                    continue;
                };
                let other_file = self.ev.db.file(other);
                if !named_is_target {
                    if other_file.is_target || other_file.is_prerequisite {
                        d.set_file(other);
                    }
                } else if other_file.is_target
                    && self.node(d.file()).status == Status::New
                    && self.node(other).status == Status::New
                {
                    self.merge_found_target(d.file(), other);
                    d.set_file(other);
                }
            }
        }
        self.vpath_resolve(id);
        resolved.more = (!more.is_empty()).then(|| Box::new(more));
        let resolved = if resolved.is_empty() {
            self.empty_resolved.clone()
        } else {
            Rc::new(resolved)
        };
        self.node(id).resolved = Some(resolved);
        // Resolution interns files (implicit prerequisites, intermediates,
        // second expansion): every id in the database has a node from here on.
        let files = self.ev.db.files.len();
        if self.nodes.len() < files {
            self.nodes.resize_with(files, Node::default);
        }
        Ok(())
    }

    /// A target found through vpath as another target of the makefile
    /// becomes that one: its prerequisites join the other's, and the other's
    /// recipe wins (GNU 4.4 says so when both have one).
    fn merge_found_target(&mut self, from: FileId, to: FileId) {
        let old = std::mem::take(&mut self.ev.db.file_mut(from).rule);
        if let (Some(recipe), Some(_)) = (&old.recipe, &self.ev.db.file(to).rule.recipe) {
            self.warn_recipe_ignored(from, to, &recipe.loc);
        }
        let rule = &mut self.ev.db.file_mut(to).rule;
        let offset = rule.deps.len();
        if !old.deferred().is_empty() {
            rule.deferred_mut()
                .extend(old.deferred().iter().cloned().map(|mut d| {
                    d.at += offset;
                    d
                }));
        }
        rule.deps.extend(old.deps);
        if rule.recipe.is_none() {
            rule.recipe = old.recipe;
        }
        self.expanded.remove(&to);
    }

    /// GNU 4.4's notice that `from`'s recipe (at `loc`) gives way to the
    /// one of `to`, the file `from` turned out to be.
    fn warn_recipe_ignored(&self, from: FileId, to: FileId, loc: &crate::diag::Loc) {
        let from = diag::show(self.ev.db.file(from).name).to_string();
        let to = diag::show(self.ev.db.file(to).name).to_string();
        diag::warn(
            Some(loc),
            format_args!("Recipe was specified for file '{from}' at {loc},"),
        );
        diag::warn(
            Some(loc),
            format_args!("but '{from}' is now considered the same file as '{to}'."),
        );
        diag::warn(
            Some(loc),
            format_args!("Recipe for '{from}' will be ignored in favor of the one for '{to}'."),
        );
    }

    /// A `-lNAME` just made is looked up as a library again: found as a
    /// target with a recipe of its own, it is that file from now on.
    fn find_made_library(&mut self, id: FileId) {
        let name = self.ev.db.file(id).name;
        let Some(lib) = name.strip_prefix(b"-l").filter(|l| !l.is_empty()) else {
            return;
        };
        if self.node(id).path().is_some() {
            return;
        }
        let Some(found) = library_search(self.ev, lib) else {
            return;
        };
        self.node(id).set_path(Some(found.clone()));
        let Some(to) = self.ev.db.lookup(&found) else {
            return;
        };
        if self.ev.db.file(to).rule.recipe.is_none() {
            return;
        }
        let recipe = self.nodes[id]
            .resolved
            .as_ref()
            .and_then(|r| r.recipe.as_ref().map(|r| r.loc.clone()));
        if let Some(loc) = recipe {
            self.warn_recipe_ignored(id, to, &loc);
        }
    }

    fn implicit(
        &mut self,
        id: FileId,
        name: &[u8],
        explicit: &[Dep],
    ) -> Result<Option<implicit::Match>> {
        if self.ev.db.pattern_rules.is_empty() {
            return Ok(None);
        }
        let scope = if self.ev.db.second_expansion {
            self.scope_for(id)
        } else {
            Vec::new()
        };
        let rules = std::mem::take(&mut self.ev.db.pattern_rules);
        if !self.rule_index.is_for(&rules) {
            self.rule_index = rule_index::RuleIndex::new(&rules);
        }
        let indexed = implicit::Rules {
            list: &rules,
            index: &self.rule_index,
        };
        let mut k = DbKnowledge {
            vpath_configured: self.vpath_configured,
            ev: self.ev,
            explicit_deps: explicit,
            target: name,
            scope,
            error: None,
        };
        // An archive member is first looked up as `(member)`, which the
        // built-in `(%): %` rule matches.
        let (_, member) = crate::exec::archive::split_member(name);
        let found = if member.is_empty() {
            implicit::search(indexed, name, &mut k, &mut self.search_scratch)
        } else {
            let bare = [&b"("[..], member, b")"].concat();
            implicit::search(indexed, &bare, &mut k, &mut self.search_scratch)
                .or_else(|| implicit::search(indexed, name, &mut k, &mut self.search_scratch))
        };
        let error = k.error.take();
        self.ev.db.pattern_rules = rules;
        match error {
            Some(e) => Err(e),
            None => Ok(found),
        }
    }

    /// `.EXTRA_PREREQS` for `id`, expanded in its own scope (not the one
    /// inherited from its parent), and whether the value is the target's own.
    fn extra_prereqs(&mut self, id: FileId) -> Result<(Vec<u8>, bool)> {
        let scope: Vec<ScopeEntry> = self
            .scope_for(id)
            .into_iter()
            .filter(|e| !e.inherited)
            .collect();
        let own = scope
            .iter()
            .any(|e| e.set.borrow().get(b".EXTRA_PREREQS").is_some());
        if !own && self.ev.globals.get(b".EXTRA_PREREQS").is_none() {
            return Ok((Vec::new(), false));
        }
        let value = self.ev.with_scope(scope, |ev| {
            let mut v = Vec::new();
            ev.expand_var(b".EXTRA_PREREQS", &mut v).map(|_| v)
        })?;
        Ok((value, own))
    }

    /// The prerequisites an implicit rule gives, interned (`.WAIT` in a
    /// pattern rule's prerequisites orders, it is no file).
    fn match_deps(&mut self, m: &implicit::Match) -> Vec<Dep> {
        let mut deps = Vec::new();
        for (list, order_only) in [(&m.deps, false), (&m.order_only, true)] {
            let mut wait_before = false;
            for d in list {
                if d == b".WAIT" {
                    wait_before = true;
                    continue;
                }
                let file = self.ev.db.intern(d);
                deps.push(Dep::new(file, order_only, wait_before));
                wait_before = false;
            }
        }
        deps
    }

    /// Records a file created by an implicit-rule chain.
    fn adopt_intermediate(&mut self, name: &[u8], m: &implicit::Match) {
        let id = self.ev.db.intern(name);
        for (n, sub) in &m.chain {
            self.adopt_intermediate(n, sub);
        }
        let deps = self.match_deps(m);
        let siblings: Vec<FileId> = m.siblings.iter().map(|s| self.ev.db.intern(s)).collect();
        let resolved = Resolved {
            deps,
            recipe: m.recipe.clone(),
            stem: m.stem.as_slice().into(),
            more: (!siblings.is_empty()).then(|| {
                Box::new(ResolvedMore {
                    siblings,
                    ..ResolvedMore::default()
                })
            }),
        };
        let intermediate = self.may_be_intermediate(id);
        let node = self.node(id);
        if node.resolved.is_some() {
            // Already known (another chain, or made): keep what it is.
            return;
        }
        node.resolved = Some(Rc::new(resolved));
        node.intermediate = intermediate;
        if node.status == Status::New {
            node.status = Status::Pending;
        }
    }

    /// A file an implicit rule makes without the makefile mentioning it is
    /// intermediate, unless marked otherwise (.SECONDARY, .PRECIOUS,
    /// .NOTINTERMEDIATE).
    fn may_be_intermediate(&self, id: FileId) -> bool {
        let db = &self.ev.db;
        let f = db.file(id);
        let kept = f.secondary
            || f.precious
            || db.secondary_all
            || f.notintermediate
            || db.notintermediate_all
            || db
                .notintermediate_patterns
                .iter()
                .any(|p| p.match_stem(f.name).is_some());
        // Named in the makefile as a target or anyone's prerequisite: not
        // intermediate.
        let mentioned = f.is_target || f.is_prerequisite || f.pattern_prerequisite;
        !kept && !mentioned
    }

    /// A prerequisite of an implicit rule that exists only because this run
    /// made it as another target of a pattern rule is intermediate like
    /// one made through a chain, unless the makefile mentions it.
    fn adopt_made_peer(&mut self, id: FileId) {
        if self.node(id).remade && self.may_be_intermediate(id) {
            self.nodes[id].intermediate = true;
        }
    }

    /// A goal that is no target, found through vpath as a name the
    /// makefile has a rule for: that target (otherwise `id` itself, its
    /// vpath name remembered).
    fn vpath_target(&mut self, id: FileId) -> FileId {
        self.vpath_resolve(id);
        if self.ev.db.file(id).is_target {
            return id;
        }
        let Some(found) = self.nodes.get(id).and_then(Node::path) else {
            return id;
        };
        self.ev
            .db
            .lookup(found)
            .filter(|&t| self.ev.db.file(t).is_target)
            .unwrap_or(id)
    }

    fn vpath_resolve(&mut self, id: FileId) {
        if self.node(id).path().is_some() {
            return;
        }
        let name = self.ev.db.file(id).name;
        let library = name.len() > 2 && name.starts_with(b"-l");
        if !library && !self.vpath_configured {
            return;
        }
        if let Some(lib) = name.strip_prefix(b"-l").filter(|l| !l.is_empty()) {
            if let Some(found) = library_search(self.ev, lib) {
                self.node(id).set_path(Some(found));
                self.forget_mtime(id);
            }
            return;
        }
        // `lib(member)`: the archive is what vpath finds.
        let (archive, member) = crate::exec::archive::split_member(name);
        if !member.is_empty() {
            if self.ev.fs.exists(archive) || archive.first() == Some(&b'/') {
                return;
            }
            if let Some(found) = vpath_search(self.ev, archive) {
                let path = [&found[..], b"(", member, b")"].concat();
                self.node(id).set_path(Some(path));
                self.forget_mtime(id);
            }
            return;
        }
        if self.ev.fs.exists(name) || name.first() == Some(&b'/') {
            return;
        }
        if let Some(found) = vpath_search(self.ev, name) {
            self.node(id).set_path(Some(found));
            self.forget_mtime(id);
        }
    }

    /// The prerequisites of `id`'s single-colon rule, its deferred lists
    /// expanded a second time (once per run).
    fn expanded_deps(&mut self, id: FileId) -> Result<Vec<Dep>> {
        if self.ev.db.file(id).rule.deferred().is_empty() {
            return Ok(self.ev.db.file(id).rule.deps.to_vec());
        }
        if let Some(deps) = self.expanded.get(&id) {
            return Ok(deps.clone());
        }
        let rule = self.ev.db.file(id).rule.clone();
        let deps = self.second_expand_rule(id, &rule, false)?;
        self.expanded.insert(id, deps.clone());
        Ok(deps)
    }

    /// A rule's prerequisites with its deferred lists expanded, in makefile
    /// order: each list sees as `$$<`, `$$^`, `$$+` and `$$|` the
    /// prerequisites known by then (none in a double-colon rule, whose
    /// rules are independent).
    fn second_expand_rule(&mut self, id: FileId, rule: &Rule, double: bool) -> Result<Vec<Dep>> {
        let mut out: Vec<Dep> = Vec::new();
        let mut next = 0;
        for d in rule.deferred() {
            let at = d.at.clamp(next, rule.deps.len());
            out.extend_from_slice(&rule.deps[next..at]);
            next = at;
            let known: Vec<Dep> = if double {
                Vec::new()
            } else {
                out.iter().chain(&rule.deps[next..]).cloned().collect()
            };
            let more = self.second_expand_list(id, d, &known)?;
            out.extend(more);
        }
        out.extend_from_slice(&rule.deps[next..]);
        Ok(out)
    }

    /// Expands one deferred list of `id` with the automatic variables of the
    /// prerequisites `known` so far.
    fn second_expand_list(
        &mut self,
        id: FileId,
        list: &Deferred,
        known: &[Dep],
    ) -> Result<Vec<Dep>> {
        let name = self.ev.db.file(id).name;
        let mut autos = VarSet::new();
        let first = known
            .iter()
            .find(|d| !d.order_only)
            .map(|d| self.ev.db.file(d.file()).name.to_vec())
            .unwrap_or_default();
        let all = prerequisite_list(&self.ev.db, known, false, true);
        let plus = prerequisite_list(&self.ev.db, known, false, false);
        let oo = prerequisite_list(&self.ev.db, known, true, true);
        let stem = list.stem.clone().unwrap_or_default();
        let (target_name, member) = crate::exec::archive::split_member(name);
        for (n, v) in [
            (&b"@"[..], target_name.to_vec()),
            (b"%", member.to_vec()),
            (b"<", first),
            (b"^", all),
            (b"+", plus),
            (b"|", oo),
            (b"*", stem),
            (b"?", Vec::new()),
        ] {
            insert_automatic(&mut autos, n, v);
        }
        let mut scope = vec![ScopeEntry {
            set: Rc::new(std::cell::RefCell::new(autos)),
            inherited: false,
        }];
        scope.extend(self.scope_for(id));
        // Errors name the rule line; an `$(eval)` in it reads text from
        // no makefile.
        let saved = self.ev.loc.take();
        let loc = list.loc.clone();
        let expanded = self
            .ev
            .with_scope(scope, |ev| ev.expand_text_at(&list.text, loc));
        self.ev.loc = saved;
        Ok(crate::read::rule_line::intern_deps(self.ev, &expanded?))
    }

    /// Deletes intermediate files made in this run (`rm a b`). Under `-n`
    /// the line is shown for every one that would have been made, and
    /// nothing is deleted; `-t` leaves the files it touched, silently.
    fn delete_intermediates(&mut self) {
        if self.touch() {
            return;
        }
        let dry_run = self.ev.options.dry_run && !self.makefiles_phase;
        let mut names = Vec::new();
        let mut order: Vec<FileId> = (0..self.nodes.len()).collect();
        // In the order they were made.
        order.sort_by_key(|&id| self.nodes[id].made_seq);
        for id in order {
            let node = &self.nodes[id];
            let file = self.ev.db.file(id);
            let explicit = file.intermediate || (self.ev.db.intermediate_all && file.is_target);
            if (node.intermediate || explicit)
                && node.remade
                && !self.goals.contains(&id)
                && !self.is_precious(id)
                && !file.secondary
            {
                let name = self.ev.db.file(id).name;
                if dry_run || mtime::of(name).is_some() {
                    names.push(name);
                }
            }
        }
        if names.is_empty() {
            return;
        }
        if !self.ev.options.silent {
            let list: Vec<String> = names.iter().map(|n| diag::show(n).to_string()).collect();
            println!("rm {}", list.join(" "));
        }
        if dry_run {
            return;
        }
        for n in names {
            use std::os::unix::ffi::OsStrExt;
            let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(n));
        }
    }
}

/// The names of the normal (or, `order_only`, the order-only) prerequisites
/// among `deps`, blank-separated: `$^` and `$|` name each file once
/// (`dedup`), `$+` keeps repeats.
fn prerequisite_list(
    db: &crate::rules::Database,
    deps: &[Dep],
    order_only: bool,
    dedup: bool,
) -> Vec<u8> {
    let mut v = Vec::new();
    let mut seen = Vec::new();
    for d in deps.iter().filter(|d| d.order_only == order_only) {
        if dedup && seen.contains(&d.file()) {
            continue;
        }
        seen.push(d.file());
        if !v.is_empty() {
            v.push(b' ');
        }
        v.extend_from_slice(db.file(d.file()).name);
    }
    v
}

/// Sets automatic variable `name` (`@`, `<`, ...) and its `D` and `F`
/// forms (`$(@D)` works in second expansions too).
fn insert_automatic(set: &mut VarSet, name: &[u8], value: Vec<u8>) {
    let (d, f) = dir_and_file_lists(&value);
    set.insert(
        &[name[0], b'D'],
        Var::new(d, Flavor::Simple, Origin::Automatic),
    );
    set.insert(
        &[name[0], b'F'],
        Var::new(f, Flavor::Simple, Origin::Automatic),
    );
    set.insert(name, Var::new(value, Flavor::Simple, Origin::Automatic));
}

/// `$*` for an explicit rule: the name minus a known suffix.
fn explicit_stem(db: &crate::rules::Database, name: &[u8]) -> Vec<u8> {
    let Some(suffixes) = db.lookup(b".SUFFIXES") else {
        return Vec::new();
    };
    for d in &db.file(suffixes).rule.deps {
        let s = &db.file(d.file()).name;
        if name.len() > s.len() && name.ends_with(s) {
            return name[..name.len() - s.len()].to_vec();
        }
    }
    Vec::new()
}

/// Splits each word into its directory (`D`) and file (`F`) parts.
fn dir_and_file_lists(v: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut d = Vec::new();
    let mut f = Vec::new();
    for (i, w) in crate::words::words(v).enumerate() {
        if i > 0 {
            d.push(b' ');
            f.push(b' ');
        }
        match w.iter().rposition(|&b| b == b'/') {
            Some(0) => {
                d.push(b'/');
                f.extend_from_slice(&w[1..]);
            }
            Some(p) => {
                d.extend_from_slice(&w[..p]);
                f.extend_from_slice(&w[p + 1..]);
            }
            None => {
                d.push(b'.');
                f.extend_from_slice(w);
            }
        }
    }
    (d, f)
}

/// Whether a vpath-found name lies in a GPATH directory.
fn in_gpath(ev: &mut Evaluator, found: &[u8]) -> bool {
    let Some(gpath) = ev.global_value(b"GPATH").map(<[u8]>::to_vec) else {
        return false;
    };
    let gpath = ev.expand_text(&gpath).unwrap_or_default();
    let dir = match found.iter().rposition(|&b| b == b'/') {
        Some(p) => &found[..p],
        None => return false,
    };
    crate::words::words(&gpath)
        .flat_map(|w| w.split(|&b| b == b':'))
        .any(|g| g.strip_suffix(b"/").unwrap_or(g) == dir)
}

/// A `-lNAME` prerequisite: each `.LIBPATTERNS` pattern with NAME for `%`,
/// looked for here, through vpath, then in the system library directories.
fn library_search(ev: &mut Evaluator, lib: &[u8]) -> Option<Vec<u8>> {
    let mut patterns = Vec::new();
    ev.expand_var(b".LIBPATTERNS", &mut patterns).ok()?;
    let mut best: Option<(Vec<u8>, usize)> = None;
    let mut names = Vec::new();
    for pattern in crate::words::words(&patterns) {
        let pattern = crate::pattern::PercentPattern::new(pattern);
        if pattern.percent.is_none() {
            crate::diag::warn(
                None,
                format_args!(
                    ".LIBPATTERNS element '{}' is not a pattern",
                    crate::diag::show(&pattern.text)
                ),
            );
            continue;
        }
        let mut name = Vec::new();
        pattern.substitute(lib, &mut name);
        if ev.fs.exists(&name) {
            return Some(name);
        }
        // Through vpath, the earliest directory wins, whichever pattern
        // found it.
        if let Some((found, rank)) = vpath_search_ranked(ev, &name) {
            if best.as_ref().is_none_or(|(_, r)| rank < *r) {
                best = Some((found, rank));
            }
        }
        names.push(name);
    }
    if let Some((found, _)) = best {
        return Some(found);
    }
    for name in names {
        for dir in [&b"/lib"[..], b"/usr/lib", b"/usr/local/lib"] {
            let candidate = [dir, b"/", &name].concat();
            if ev.fs.exists(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

/// Whether any `vpath` directive or a non-empty `VPATH` could find a file
/// elsewhere (without them, resolving each prerequisite costs nothing).
fn vpath_configured(ev: &Evaluator) -> bool {
    !ev.db.vpaths.is_empty()
        || ev
            .global_value(b"VPATH")
            .is_some_and(|v| !crate::words::trim(v).is_empty())
}

/// Looks `name` up in the `vpath` directives and `VPATH`.
pub fn vpath_search(ev: &mut Evaluator, name: &[u8]) -> Option<Vec<u8>> {
    vpath_search_ranked(ev, name).map(|(found, _)| found)
}

/// [`vpath_search`], with the position of the directory that had it among
/// all those searched.
fn vpath_search_ranked(ev: &mut Evaluator, name: &[u8]) -> Option<(Vec<u8>, usize)> {
    // The rank counts the directories of every directive, matching or not,
    // so that ranks of different names compare.
    let mut dirs: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut rank = 0;
    for v in &ev.db.vpaths {
        if v.pattern.match_stem(name).is_some() {
            dirs.extend(v.dirs.iter().cloned().zip(rank..));
        }
        rank += v.dirs.len();
    }
    if let Some(vpath) = ev.global_value(b"VPATH") {
        let vpath = vpath.to_vec();
        let expanded = ev.expand_text(&vpath).unwrap_or_default();
        let general = crate::words::words(&expanded)
            .flat_map(|w| w.split(|&b| b == b':'))
            .filter(|d| !d.is_empty())
            .map(<[u8]>::to_vec);
        dirs.extend(general.zip(rank..));
    }
    for (dir, rank) in dirs {
        let mut candidate = dir.clone();
        if candidate.last() != Some(&b'/') {
            candidate.push(b'/');
        }
        candidate.extend_from_slice(name);
        // A file the makefile names as a target counts, existing or not.
        let is_target = ev
            .db
            .lookup(&candidate)
            .is_some_and(|id| ev.db.file(id).is_target);
        if is_target || ev.fs.exists(&candidate) {
            return Some((candidate, rank));
        }
    }
    None
}

/// The implicit-rule search's view of the database and the file system.
struct DbKnowledge<'a> {
    ev: &'a mut Evaluator,
    /// The explicit prerequisites of the target searched for, as written
    /// (for `$$<`, `$$^`, `$$+` and `$$|`).
    explicit_deps: &'a [Dep],
    /// The target searched for, and its variables.
    target: &'a [u8],
    scope: Vec<ScopeEntry>,
    /// The first error of a second expansion: the search ends with it.
    error: Option<diag::Fatal>,
    vpath_configured: bool,
}

impl implicit::Knowledge for DbKnowledge<'_> {
    fn exists(&mut self, name: &[u8]) -> bool {
        self.ev.fs.exists(name) || (self.vpath_configured && vpath_search(self.ev, name).is_some())
    }

    fn ought_to_exist(&self, name: &[u8], own: bool) -> Option<implicit::Ought> {
        let id = self.ev.db.lookup(name)?;
        let f = self.ev.db.file(id);
        if f.is_target || f.phony || (own && self.explicit_deps.iter().any(|d| d.file() == id)) {
            Some(implicit::Ought::Strict)
        } else if f.is_prerequisite {
            Some(implicit::Ought::Compat)
        } else {
            None
        }
    }

    fn is_phony(&self, name: &[u8]) -> bool {
        self.ev
            .db
            .lookup(name)
            .is_some_and(|id| self.ev.db.file(id).phony)
    }

    fn glob(&mut self, pattern: &[u8]) -> Vec<Vec<u8>> {
        crate::glob::glob(pattern, &mut self.ev.fs)
    }

    fn mention(&mut self, name: &[u8]) {
        // Like a name written without `%` in a pattern rule: no intermediate
        // file, but not one that "ought to exist" either.
        let id = self.ev.db.intern(name);
        self.ev.db.file_mut(id).pattern_prerequisite = true;
    }

    fn second_expansion(&self) -> bool {
        self.ev.db.second_expansion
    }

    fn second_expand(&mut self, text: &[u8], target: &[u8], stem: &[u8]) -> Option<Vec<u8>> {
        if !self.ev.db.second_expansion {
            return None;
        }
        if self.error.is_some() {
            return Some(Vec::new());
        }
        // The target's explicit prerequisites are its `$$<`, `$$^`, `$$+`
        // and `$$|`; files searched for along a chain have none.
        let own = target == self.target;
        let known: &[Dep] = if own { self.explicit_deps } else { &[] };
        let first = known
            .iter()
            .find(|d| !d.order_only)
            .map(|d| self.ev.db.file(d.file()).name.to_vec())
            .unwrap_or_default();
        let mut autos = VarSet::new();
        for (n, v) in [
            (&b"@"[..], target.to_vec()),
            (b"*", stem.to_vec()),
            (b"<", first),
            (b"^", prerequisite_list(&self.ev.db, known, false, true)),
            (b"+", prerequisite_list(&self.ev.db, known, false, false)),
            (b"|", prerequisite_list(&self.ev.db, known, true, true)),
        ] {
            insert_automatic(&mut autos, n, v);
        }
        let mut scope = vec![ScopeEntry {
            set: Rc::new(std::cell::RefCell::new(autos)),
            inherited: false,
        }];
        if own {
            scope.extend(self.scope.iter().cloned());
        }
        match self.ev.with_scope(scope, |ev| ev.expand_text(text)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.error = Some(e);
                Some(Vec::new())
            }
        }
    }
}
