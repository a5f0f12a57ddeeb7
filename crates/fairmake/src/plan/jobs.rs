//! Starting jobs: a recipe that must run is expanded in its target's scope,
//! given its environment and handed to the executor (or, under `-t`, `-q`
//! and `-n`, touched, answered or shown); finished jobs are recorded here,
//! with their grouped and pattern companions, and the intermediate files
//! made on the way are deleted at the end.

use std::rc::Rc;

use super::mtime::Mtime;
use super::seams::{FileTimes, Jobs};
use super::vpath::in_gpath;
use super::{Planner, Resolved, Status};
use crate::diag::{self, Result};
use crate::eval::ScopeEntry;
use crate::exec::{JobRequest, PreparedRecipe};
use crate::rules::FileId;
use crate::trace::debug;

impl<'e, J: Jobs, T: FileTimes> Planner<'e, J, T> {
    /// Waits for at least one job to finish and records the results.
    pub(super) fn wait_for_jobs(&mut self) -> Result<()> {
        let done = {
            let mut shells = shell_source(self.ev, &self.job_scopes);
            self.runner.wait_any(&mut shells)
        };
        for outcome in done {
            self.job_finished(outcome);
        }
        self.runner.take_fatal().map_or(Ok(()), Err)
    }

    /// Make stops on an error: the jobs running go on to their end, and
    /// -t still touches the targets of those that succeeded, as GNU
    /// notices each job's end (nothing else is made).
    pub fn finish_running(&mut self) {
        let ended = {
            let mut shells = shell_source(self.ev, &self.job_scopes);
            self.runner.finish_running(&mut shells)
        };
        for mut outcome in ended {
            let _ = self.touch_after_job(&mut outcome);
        }
    }

    /// -t ran the recursive lines of `outcome`'s job: its target is
    /// touched now (the first of two touches as the job passed over its
    /// last line, before its held output, see
    /// `JobRequest::touched_before_output`). A failed touch fails the job;
    /// true if it did.
    fn touch_after_job(&mut self, outcome: &mut crate::exec::JobOutcome) -> bool {
        let ok = outcome.ok;
        let id = outcome.file;
        let mut held = outcome.held.take();
        if let Some(times) = self.touches_after_job.remove(&id) {
            let first = if held.is_some() { 1 } else { times };
            if outcome.ok && !self.touch_times(id, first) {
                outcome.ok = false;
            }
            if let Some(block) = &mut held {
                block.flush();
            }
            if outcome.ok && first < times && !self.touch_times(id, times - first) {
                outcome.ok = false;
            }
        }
        if let Some(block) = &mut held {
            block.flush();
        }
        ok && !outcome.ok
    }

    fn job_finished(&mut self, mut outcome: crate::exec::JobOutcome) {
        self.ev.fs.job_ended();
        self.jobs_finished += 1;
        let id = outcome.file;
        self.job_scopes.remove(&id);
        let touch_failed = self.touch_after_job(&mut outcome);
        // A recipe's error stops make at once without -k: GNU dies before
        // it would say the target failed.
        let stops = !outcome.ok
            && outcome.out_of_date.is_none()
            && !self.ev.invocation.options.keep_going
            && !self.dont_care.contains(id);
        if self.basic() && !stops {
            let template = if outcome.ok {
                debug::walk::REMADE
            } else {
                debug::walk::FAILED
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
            if self.makefiles_phase {
                diag::drop_preamble_note(self.ev.db.file(id).name);
            }
            // Every double-colon rule is judged by the file's time before the
            // first of them ran.
            if self.rule_finished(id) != Status::Pending {
                self.ev.fs.invalidate(self.ev.db.file(id).name);
                self.forget_mtime(id);
                self.find_made_library(id);
            }
        } else if self.dont_care.contains(id) {
            // Only an optional makefile needed it: no error, no stop.
            self.rule_failed(id, false);
        } else if let Some(how) = outcome.out_of_date {
            // -q: out of date is status 1, not an error. Reaching a command
            // is as if it had been decided before the job: the other goals
            // are still looked at; a sub-make's answer stops make.
            self.rule_failed(id, true);
            self.question_dirty = true;
            if how == crate::exec::OutOfDate::SubMake && !self.ev.invocation.options.keep_going {
                if !self.stopping && self.runner.running() > 0 {
                    diag::waiting_for_jobs();
                }
                self.stopping = true;
            }
        } else {
            self.rule_failed(id, false);
            let keep_going = self.ev.invocation.options.keep_going;
            let uncounted = keep_going && self.dont_care.recipe_failure_uncounted(id);
            self.failed |= !uncounted;
            self.said_uncounted |= uncounted;
            // A touch that failed after the job (-t) is no failed job: GNU
            // goes on to the next goal, as it does after any failed touch.
            if !keep_going && !touch_failed {
                if !self.stopping && self.runner.running() > 0 {
                    diag::waiting_for_jobs();
                }
                self.stopping = true;
            }
        }
        let status = if outcome.ok {
            Status::Done
        } else {
            Status::Failed
        };
        self.companions_made(id, companions, status);
        // A recipe that failed after updating its target is checked too,
        // the warning placed at the line that failed (GNU 4.4.1).
        if let Some(mut check) = self.peer_checks.remove(&id) {
            let after = match outcome.failed_at {
                Some(loc) => {
                    check.loc = loc;
                    // Its time as the disk has it: a failed target's
                    // time is not looked at again otherwise.
                    crate::fscache::mtime_now(self.ev.db.file(id).name)
                }
                None => self.mtime_of(id),
            };
            self.check_peers(after, check);
        }
    }

    /// `id`'s recipe ended (`status`): the other files that one run of it
    /// makes (`companions`) are remade, or failed, with it.
    fn companions_made(&mut self, id: FileId, companions: Vec<FileId>, status: Status) {
        let group = self.running_group(id);
        for other in companions {
            self.made_by_running_job.remove(&other);
            self.ev.fs.invalidate(self.ev.db.file(other).name);
            self.forget_mtime(other);
            let next = match (&group, status) {
                (Some(group), Status::Done) => self.rule_after_group(other, group),
                _ => None,
            };
            let node = self.node(other);
            node.remade = true;
            match next {
                // A grouped `::` rule made only that rule of a peer: the
                // peer's later `::` rules are still to run (GNU 4.4.1).
                Some(rule) => {
                    node.double_colon_rule = rule;
                    node.resolved = None;
                    node.status = Status::Pending;
                }
                // A peer being walked (the recipe ran for a target among
                // its prerequisites) is still in the making: GNU finds it
                // so, circular, when its walk comes to it again.
                None if node.status == Status::Visiting => {
                    self.made_while_visiting.insert(other, status);
                }
                None => node.status = status,
            }
        }
    }

    /// GNU 4.4 warns when a pattern recipe that updated its target left
    /// another target of the rule missing. A peer that is there, even one
    /// the recipe did not touch, is not warned about: the manual says make
    /// "cannot detect all such situations", and GNU 4.4.1 says nothing then.
    /// The warnings come last peer of the rule first, as GNU 4.4.1 gives them.
    fn check_peers(&mut self, after: Option<Mtime>, check: PeerCheck) {
        if after.is_none() || after == check.before {
            return;
        }
        for peer in check.peers.into_iter().rev() {
            if self.mtime_now(peer).is_none() {
                let name = diag::show(self.ev.db.file(peer).name).to_string();
                diag::warn(
                    Some(&check.loc),
                    format_args!("warning: pattern recipe did not update peer target '{name}'."),
                );
            }
        }
    }

    /// The group of the grouped double-colon rule of `id` that is running.
    fn running_group(&self, id: FileId) -> Option<Rc<Vec<FileId>>> {
        let rule = self.nodes.get(id.index())?.double_colon_rule as usize;
        self.ev
            .db
            .file(id)
            .double_colon()
            .get(rule)?
            .group()
            .cloned()
    }

    /// The index of the `::` rule of `peer` after the one that belongs to
    /// `group`, if `peer` has such a rule and another after it.
    fn rule_after_group(&self, peer: FileId, group: &Rc<Vec<FileId>>) -> Option<u32> {
        let rules = self.ev.db.file(peer).double_colon();
        let k = rules
            .iter()
            .position(|r| r.group().is_some_and(|g| Rc::ptr_eq(g, group)))?;
        (k + 1 < rules.len()).then_some(k as u32 + 1)
    }

    /// The other files one run of `id`'s recipe makes: members of a grouped
    /// (`&:`) rule and the other targets of a multi-target pattern rule.
    fn companions(&self, id: FileId) -> Vec<FileId> {
        let mut out: Vec<FileId> = Vec::new();
        let file = self.ev.db.file(id);
        let rule = self
            .nodes
            .get(id.index())
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
        // A pattern sibling with `::` rules of its own is not made by the
        // pattern's recipe: GNU notes the sibling as a separate entry of
        // its double-colon chain, and its rules still run (GNU 4.4.1, 4.3).
        if let Some(resolved) = self.nodes.get(id.index()).and_then(|n| n.resolved.as_ref()) {
            out.extend(
                resolved
                    .siblings()
                    .iter()
                    .copied()
                    .filter(|&g| g != id && self.ev.db.file(g).double_colon().is_empty()),
            );
        }
        out
    }

    /// The other targets `id`'s recipe makes, for the executor to delete
    /// with it when the recipe is cut short (GNU 4.4.1 and 4.3).
    fn also_made_request(&self, id: FileId) -> Vec<crate::exec::AlsoMade> {
        self.companions(id)
            .into_iter()
            .map(|other| crate::exec::AlsoMade {
                name: self.ev.db.file(other).name.to_vec(),
                precious: self.is_precious(other),
            })
            .collect()
    }

    /// The lines of `id`'s recipe, expanded in its scope; and that scope,
    /// which its environment is expanded in.
    fn expand_recipe(
        &mut self,
        id: FileId,
        resolved: &Rc<Resolved>,
        newer: &[FileId],
    ) -> (Result<PreparedRecipe>, Vec<ScopeEntry>) {
        let scope = self.recipe_scope(id, &self.recipe_view(id, resolved), newer);
        let Some(recipe) = &resolved.recipe else {
            return (Ok(PreparedRecipe::default()), scope);
        };
        let lines = self
            .ev
            .with_scope(scope.clone(), |ev| crate::exec::prepare_lines(ev, recipe));
        (lines, scope)
    }

    /// What `id`'s recipe sees of `resolved`: a double-colon rule's
    /// automatic variables name its own prerequisites only.
    fn recipe_view(&self, id: FileId, resolved: &Rc<Resolved>) -> Rc<Resolved> {
        if self.ev.db.file(id).double_colon().is_empty() {
            return resolved.clone();
        }
        Rc::new(Resolved {
            deps: resolved.more().own_deps.clone(),
            ..(**resolved).clone()
        })
    }

    /// Expands the recipe and hands it to the executor.
    pub(super) fn start(
        &mut self,
        id: FileId,
        resolved: &Rc<Resolved>,
        newer: Vec<FileId>,
    ) -> Result<Status> {
        // A recipe -t touches for is not even expanded, and no job starts:
        // GNU touches at once, without first collecting the jobs that
        // ended, so a failure among them does not stop make before it
        // (GNU 4.4.1 and 4.3).
        let touched = self.touches_instead(id, resolved);
        let collected = !touched && self.collect_ended();
        self.runner.take_fatal().map_or(Ok(()), Err)?;
        if collected && self.halting() {
            // Make is stopping: the target stays unmade.
            self.nodes[id].status = Status::Pending;
            return Ok(Status::Pending);
        }
        self.note_watched_times();
        if self.basic() {
            // Before the recipe is expanded: its `$(info)`s and the
            // "update target" line come after (GNU 4.4.1).
            self.debug_line(id, 0, debug::walk::MUST_REMAKE);
        }
        let my_mtime_missing = self.mtime_of(id).is_none();
        self.drop_vpath_name(id);
        // Under -O, what expanding the recipe prints is the job's output.
        let capture = self.runner.capture_for_recipe();
        let redirected = capture
            .as_ref()
            .and_then(crate::exec::output::Captured::redirect);
        let shell_runs = self.ev.shell_runs;
        let (recipe, scope) = if touched {
            (Ok(PreparedRecipe::default()), Vec::new())
        } else {
            self.expand_recipe(id, resolved, &newer)
        };
        if self.ev.shell_runs != shell_runs && self.runner.alive() > 0 {
            // GNU waits for a `$(shell)`'s child by reaping children until
            // it comes: the jobs that ended meanwhile are collected then,
            // before the collection ahead of the token (`wait_for_slot`),
            // which so meets what their next commands did: one that could
            // not start fails there, and make stops before this job.
            self.collect_ended();
        }
        // The "update target" line: for a recipe that needs a job, said
        // once the job has its slot (a failure met while waiting for one
        // stops make before it, GNU 4.4.1).
        let mut explanation = None;
        if recipe.is_ok() && self.explains(resolved, touched) {
            let due = self.reasons(&self.recipe_view(id, resolved), &newer);
            if self.needs_job(&recipe, touched) {
                explanation = Some(due);
            } else {
                // Under -O the line is part of the job's output.
                self.explain(id, resolved, &due, my_mtime_missing);
            }
        }
        // A stop while expanding is said inside the job's block too, with
        // its directory lines (GNU 4.4.1 and 4.3).
        let recipe = match recipe {
            Err(fatal) if redirected.is_some() => Err(fatal.said()),
            other => other,
        };
        drop(redirected);
        let PreparedRecipe { mut lines, touches } = recipe?;
        if self.question() {
            // -q settles the shell of a first command that is not recursive
            // as it stops there, with no job (see `settle_without_job`). A
            // command without words is passed over, as the runner does,
            // and the next decides (all such: the recipe is empty).
            while let Some(first) = lines.first_mut().filter(|l| !l.recursive) {
                if !first.oneshell {
                    self.ev
                        .with_scope(scope.clone(), |ev| crate::exec::settle_shell(ev, first))?;
                }
                if !first.has_no_words() {
                    break;
                }
                lines.remove(0);
            }
        }
        // A line that is not recursive (a blank one too) makes -t touch.
        let runs_in_part = touches > 0 && self.pretends(id);
        let touches = if self.touches_target(id) { touches } else { 0 };
        let mut capture = capture;
        if let Some(status) = self.settle_without_job(id, resolved, &lines, touches, &mut capture) {
            return Ok(status);
        }
        if touches > 0 {
            self.touches_after_job.insert(id, touches);
        }
        if self.shows_every_command() {
            for line in &mut lines {
                line.silent = false;
            }
        }
        let dry_run_makefile = self.makefiles_phase && self.dry_run_makefiles.contains(&id);
        self.nodes[id].simulated = (self.ev.invocation.options.dry_run && !self.makefiles_phase
            || dry_run_makefile)
            && !lines.iter().all(|l| l.recursive);
        let request = JobRequest {
            file: id,
            name: self.ev.db.file(id).name.to_vec(),
            lines,
            precious: self.is_precious(id),
            also_made: self.also_made_request(id),
            delete_on_error: self.ev.db.delete_on_error,
            quiet_failure: self.dont_care.contains(id),
            capture,
            waited_for: self.waited_for(resolved),
            dry_run: dry_run_makefile,
            touch: self.makefiles_phase && self.touch_makefiles.contains(&id),
            touched_before_output: touches == 2,
        };
        let slot = self.wait_for_slot();
        self.runner.take_fatal().map_or(Ok(()), Err)?;
        if !slot {
            // Make is stopping: the target stays unmade.
            self.nodes[id].status = Status::Pending;
            return Ok(Status::Pending);
        }
        if let Some(due) = explanation {
            // Under -O the line is part of the job's output.
            let redirected = request
                .capture
                .as_ref()
                .and_then(crate::exec::output::Captured::redirect);
            self.explain(id, resolved, &due, my_mtime_missing);
            drop(redirected);
        }
        self.launch(id, resolved, request, scope, runs_in_part)
    }

    /// Whether the expanded `recipe` runs as a job: not when -t touches
    /// instead, nor when it is empty, nor when -q knows the answer from
    /// its first line (see `settle_without_job`).
    fn needs_job(&self, recipe: &Result<PreparedRecipe>, touched: bool) -> bool {
        let Ok(prepared) = recipe else {
            return false;
        };
        let lines = &prepared.lines;
        let question_answered = self.question() && lines.first().is_none_or(|l| !l.recursive);
        !(touched || lines.is_empty() || question_answered)
    }

    /// Collects the jobs that have ended (or could not start their
    /// command), without waiting, as GNU does before it expands the next
    /// recipe: their failure may stop make before it. Returns whether
    /// there were any.
    fn collect_ended(&mut self) -> bool {
        let done = {
            let mut shells = shell_source(self.ev, &self.job_scopes);
            self.runner.collect_ended(&mut shells)
        };
        let any = !done.is_empty();
        for outcome in done {
            self.job_finished(outcome);
        }
        any
    }

    /// A target found through vpath is remade under its own name, unless
    /// its directory is in GPATH.
    fn drop_vpath_name(&mut self, id: FileId) {
        if let Some(found) = self.nodes[id].path() {
            if !in_gpath(self.ev, found) {
                self.nodes[id].set_path(None);
                self.forget_mtime(id);
            }
        }
    }

    /// A recipe that needs no job: a phony target under `-t`, an empty
    /// recipe, `-q` (the answer is known), `-t` (touched instead). `None`:
    /// a job runs. What expanding the recipe printed (`capture`, under -O)
    /// comes out before what is printed here. `touches`: what -t does after
    /// the recipe's recursive commands (see `exec::PreparedRecipe`).
    fn settle_without_job(
        &mut self,
        id: FileId,
        resolved: &Resolved,
        lines: &[crate::exec::PreparedLine],
        touches: u8,
        capture: &mut Option<crate::exec::output::Captured>,
    ) -> Option<Status> {
        let touch = self.touches_instead(id, resolved);
        // A phony target is no file: -t neither creates it nor says so, and
        // skipping its recipe is no command run; it still counts as remade.
        if touch && self.ev.db.file(id).phony {
            drop(capture.take());
            self.nodes[id].remade = true;
            return Some(self.settled_remade(id));
        }
        // An empty recipe does nothing, but -t still touches its target,
        // even when its recursive lines (run, not touched for) are blank.
        if lines.is_empty() && !touch {
            self.nodes[id].remade = true;
            if !self.touch_times(id, touches) {
                return Some(Status::Failed);
            }
            // Its grouped targets and pattern siblings are made by it as
            // much as by a recipe that ran (GNU 4.4.1, 4.3).
            let companions = self.companions(id);
            let status = self.settled_remade(id);
            self.companions_made(id, companions, Status::Done);
            return Some(status);
        }
        // While makefiles are remade, -q makes a makefile that is a goal
        // too fail quietly, as its failing recipe would. An optional one's
        // goal then has "No rule to make target", though under -k the
        // answer is still "out of date"; a required one is asked about
        // again with the goals (see `unsettle_questioned_makefiles`), GNU
        // 4.4.1 and 4.3.
        if self.makefiles_phase
            && self.question_makefiles.contains(&id)
            && lines.first().is_none_or(|l| !l.recursive)
        {
            drop(capture.take());
            return Some(self.rule_failed(id, true));
        }
        // -t wins over -q, as in GNU.
        if touch {
            drop(capture.take());
            let status = self.touch_target(id);
            if status != Status::Failed && self.basic() {
                self.debug_line(id, 0, debug::walk::REMADE);
            }
            return Some(status);
        }
        // `-q`: the recipe is expanded (its `$(info)`s print); its recursive
        // lines run, as under -n, up to the first that is not recursive: a
        // command to run means out of date. The runner sees to the later
        // lines; one that is first is decided here, with no job.
        if self.question() && lines.first().is_none_or(|l| !l.recursive) {
            drop(capture.take());
            self.question_dirty = true;
            if self.basic() {
                self.debug_line(id, 0, debug::walk::NEEDS_REMAKING_UNDER_Q);
            }
            return Some(self.rule_failed(id, true));
        }
        None
    }

    /// A recipe that needed no job is done (`--debug=b` says so).
    fn settled_remade(&mut self, id: FileId) -> Status {
        if self.basic() {
            self.debug_line(id, 0, debug::walk::REMADE);
        }
        self.rule_finished(id)
    }

    /// -t touches instead of running, unless a line is written recursive
    /// (a `+` prefix or `$(MAKE)` before expansion).
    fn touches_instead(&self, id: FileId, resolved: &Resolved) -> bool {
        self.touches_target(id)
            && !resolved
                .recipe
                .as_ref()
                .is_some_and(|r| crate::exec::written_recursive(r, self.ev.db.oneshell))
    }

    /// `-t`: touch instead of running (each double-colon rule in turn).
    /// A touch that fails fails the rule as a recipe would: with -k the
    /// next double-colon rule still touches (GNU 4.4.1, 4.3).
    fn touch_target(&mut self, id: FileId) -> Status {
        if !self.touch_file(id) {
            return self.rule_failed(id, false);
        }
        self.rule_finished(id)
    }

    /// `-t` after a recipe's recursive commands ran: touches `id` as many
    /// times as GNU does (`times`, see `exec::PreparedRecipe`), a phony
    /// target never. False if a touch failed.
    fn touch_times(&mut self, id: FileId, times: u8) -> bool {
        if self.ev.db.file(id).phony {
            return true;
        }
        (0..times).all(|_| self.touch_file(id))
    }

    /// Touches `id`'s file, saying so unless make is silent (`-s`, or
    /// `.SILENT:` naming no target); with -n too the touch is only said.
    /// False (the target failed) if the file cannot be touched.
    fn touch_file(&mut self, id: FileId) -> bool {
        let name = self.ev.db.file(id).name;
        let dry_run = self.ev.invocation.options.dry_run
            || (self.makefiles_phase && self.dry_run_makefiles.contains(&id));
        if !self.ev.invocation.options.silent && !self.ev.db.silent_all {
            crate::diag::message_line(format_args!("touch {}", diag::show(name)));
        }
        if dry_run {
            self.ev.fs.invalidate(name);
        } else if let Err(e) = self.times.touch(&mut self.ev.fs, name) {
            // GNU: `make: touch: open: sub/x: No such file or directory`,
            // and the target failed: what needs it is not touched, but
            // make goes on to the next goal (no job failed), as GNU does.
            diag::warn(
                None,
                format_args!(
                    "touch: open: {}: {}",
                    diag::show(name),
                    diag::io_error_text(&e)
                ),
            );
            self.nodes[id].status = Status::Failed;
            self.failed = true;
            return false;
        }
        self.runner.count_touched();
        // Every double-colon rule is judged by the file's time before the
        // first of them ran.
        if self.on_last_rule(id) {
            self.forget_mtime(id);
        }
        self.nodes[id].remade = true;
        self.nodes[id].simulated = dry_run;
        true
    }

    /// Waits for a job slot, letting finished jobs report meanwhile. A
    /// failure reported while waiting (without -k) means make will stop:
    /// it starts no new job, as GNU does (`false`). Before it asks the
    /// jobserver for a token, GNU collects the jobs that ended meanwhile
    /// (while the recipe was expanded): one that failed stops it too.
    fn wait_for_slot(&mut self) -> bool {
        loop {
            if self.runner.needs_token() {
                self.collect_ended();
            }
            if self.halting() {
                return false;
            }
            if self.runner.has_free_slot() {
                return true;
            }
            let done = {
                let mut shells = shell_source(self.ev, &self.job_scopes);
                self.runner.wait_for_slot(&mut shells)
            };
            for outcome in done {
                self.job_finished(outcome);
            }
        }
    }

    /// Starts `id`'s job in the slot it has; it and the companions its
    /// recipe makes are `Running`. Its environment is expanded in `scope`
    /// when its first command runs (see `exec::EnvSource`).
    fn launch(
        &mut self,
        id: FileId,
        resolved: &Resolved,
        request: JobRequest,
        scope: Vec<ScopeEntry>,
        runs_in_part: bool,
    ) -> Result<Status> {
        // A recipe that runs only in part has its target count as made
        // without a look at the files: GNU does not check its peers then.
        if !resolved.siblings().is_empty() && !runs_in_part {
            if let Some(recipe) = &resolved.recipe {
                let before = self.mtime_of(id);
                // A peer with `::` rules is not warned about (GNU 4.4.1).
                let peers = resolved
                    .siblings()
                    .iter()
                    .copied()
                    .filter(|&p| self.ev.db.file(p).double_colon().is_empty())
                    .collect();
                let loc = recipe.loc.clone();
                self.peer_checks
                    .insert(id, PeerCheck { before, peers, loc });
            }
        }
        self.ev.fs.job_started();
        if self.makefiles_phase {
            diag::note_job_started(self.ev.db.file(id).name);
        }
        self.job_scopes.insert(id, scope.clone());
        // (Each of the two asks for the evaluator in turn.)
        let ev = std::cell::RefCell::new(&mut *self.ev);
        let mut scope = Some(scope);
        let mut env = || {
            let scope = scope.take().expect("a job's environment is made once");
            crate::exec::env::job_environment(&mut ev.borrow_mut(), scope)
        };
        let scopes = &self.job_scopes;
        let mut shells = |file: FileId, line: &mut crate::exec::PreparedLine| {
            settle_in_scope(&mut ev.borrow_mut(), scopes, file, line)
        };
        let started = self.runner.start(request, &mut env, &mut shells);
        if started.is_err() {
            self.ev.fs.job_ended();
        }
        started?;
        self.nodes[id].status = Status::Running;
        self.nodes[id].remade = true;
        for other in self.companions(id) {
            let node = self.node(other);
            if matches!(node.status, Status::New | Status::Pending) {
                node.status = Status::Running;
                node.remade = true;
            } else if node.status == Status::Visiting && !self.runner.is_serial() {
                self.made_by_running_job.insert(other);
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
            self.finished_without_process += 1;
            self.wait_for_jobs()?;
        }
        Ok(self.nodes[id].status)
    }

    /// -n, -t or -q is in force for `id`: only a recipe's recursive lines
    /// run.
    fn pretends(&self, id: FileId) -> bool {
        let dry_run = self.ev.invocation.options.dry_run && !self.makefiles_phase;
        dry_run || self.touches_target(id) || self.question()
    }

    fn is_precious(&self, id: FileId) -> bool {
        let file = self.ev.db.file(id);
        file.precious || file.phony || self.precious_by_pattern(id)
    }

    /// `.PRECIOUS` names the target pattern of the implicit rule that
    /// makes `id` (the one of its targets `id` matches): the GNU manual's
    /// way to keep the files such a rule makes. A file the makefile's own
    /// rules make is not kept by a pattern its name matches (GNU 4.4.1).
    fn precious_by_pattern(&self, id: FileId) -> bool {
        let db = &self.ev.db;
        if db.precious_patterns.is_empty() {
            return false;
        }
        let Some(rule) = self
            .made_by_pattern
            .get(&id)
            .and_then(|&r| db.pattern_rules.get(r))
        else {
            return false;
        };
        let name = db.file(id).name;
        rule.targets
            .iter()
            .filter(|t| t.match_stem(name).is_some())
            .any(|t| db.precious_patterns.contains(t))
    }

    /// Deletes intermediate files made in this run (`rm a b`). Under `-n`
    /// the line is shown for every one that would have been made, and
    /// nothing is deleted; `-t` leaves the files it touched, silently, and
    /// `-q` leaves them too (it makes nothing itself), as GNU does.
    pub fn delete_intermediates(&mut self) {
        if self.touch() || self.question() {
            return;
        }
        let dry_run = self.ev.invocation.options.dry_run && !self.makefiles_phase;
        let keep_going = self.ev.invocation.options.keep_going;
        let mut names = Vec::new();
        let mut order: Vec<FileId> = (0..self.nodes.len()).map(FileId::from_index).collect();
        // In the order they were made.
        order.sort_by_key(|&id| self.nodes[id].made_seq);
        for id in order {
            let node = &self.nodes[id];
            let file = self.ev.db.file(id);
            // Under -n -k one that failed for want of a prerequisite is
            // said too, as GNU does (it would have been made); without -k
            // that failure stopped make before it was looked at.
            // One found to need remaking counts once its walk is over: an
            // error that stopped make while its prerequisites were being
            // made (a recipe that could not be expanded) leaves it unsaid,
            // as in GNU 4.4.1.
            let settled = matches!(node.status, Status::Done | Status::Failed);
            let tried = node.remade
                || (node.remaking && settled)
                || (dry_run && keep_going && node.status == Status::Failed);
            if (file.intermediate || (node.intermediate && !self.ev.db.notintermediate(id)))
                && tried
                && !node.existed
                && (self.goal_is_default || !self.goals.contains(&id))
                && !self.is_precious(id)
                // `.SECONDARY:` naming nothing keeps every file, those
                // marked `.INTERMEDIATE` too.
                && !file.secondary
                && !self.ev.db.secondary_all
            {
                let name = self.ev.db.file(id).name;
                if dry_run || self.times.exists_now(name) {
                    names.push(name);
                }
            }
        }
        if names.is_empty() {
            return;
        }
        // `.SILENT:` naming no target silences it as -s does.
        let silent = self.ev.invocation.options.silent || self.ev.db.silent_all;
        if self.basic() {
            // `--debug=b` heads the `rm` line; silenced, GNU has no line
            // to head and says it for every file.
            let times = if silent { names.len() } else { 1 };
            for _ in 0..times {
                debug::line(0, format_args!("{}", debug::REMOVING_INTERMEDIATES));
            }
        }
        if !silent {
            let list: Vec<String> = names.iter().map(|n| diag::show(n).to_string()).collect();
            crate::diag::message_line(format_args!("rm {}", list.join(" ")));
        }
        if dry_run {
            return;
        }
        for n in names {
            use std::os::unix::ffi::OsStrExt;
            let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(n));
        }
    }

    /// Deletes the intermediate files made for the makefiles as make
    /// starts over: `-n`, `-q` and `-t` are in force again by then (GNU
    /// 4.4.1 says `rm` under -n without deleting, and says nothing under
    /// -q or -t).
    pub fn delete_intermediates_as_user(&mut self, options: Rc<crate::options::Options>) {
        let phase_options = std::mem::replace(&mut self.ev.invocation.options, options);
        let phase = std::mem::replace(&mut self.makefiles_phase, false);
        self.delete_intermediates();
        self.makefiles_phase = phase;
        self.ev.invocation.options = phase_options;
    }
}

/// A multi-target pattern recipe's target and peers before it ran.
pub(super) struct PeerCheck {
    before: Option<Mtime>,
    peers: Vec<FileId>,
    loc: crate::diag::Loc,
}

/// Settles the shell of a running job's command in the scope its recipe
/// was expanded in (see `exec::ShellSource`).
fn shell_source<'a>(
    ev: &'a mut crate::eval::Evaluator,
    scopes: &'a rustc_hash::FxHashMap<FileId, Vec<ScopeEntry>>,
) -> impl FnMut(FileId, &mut crate::exec::PreparedLine) -> Result<()> + 'a {
    move |file, line| settle_in_scope(ev, scopes, file, line)
}

fn settle_in_scope(
    ev: &mut crate::eval::Evaluator,
    scopes: &rustc_hash::FxHashMap<FileId, Vec<ScopeEntry>>,
    file: FileId,
    line: &mut crate::exec::PreparedLine,
) -> Result<()> {
    let scope = scopes.get(&file).cloned().unwrap_or_default();
    ev.with_scope(scope, |ev| crate::exec::settle_shell(ev, line))
}
