//! The event loop and the children: waiting at once for a child's exit,
//! a jobserver token and a signal (`wait_for_event`, never blocking on the
//! token pipe while an exit is pending); reaping job children and the
//! orphans a killed job leaves holding tokens; giving tokens back, the
//! memory governor, and healing the jobserver only when no live process
//! can still return a token (README, "The jobserver").

use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;

use super::{diag, job_id, Child, Ended, ExitKind, OutOfDate, Runner, ShellSource};

impl Runner {
    /// Reaps the exited children, one by one, until one's failure stops
    /// make; returns whether any was reaped. The children not reaped yet
    /// are still running for make, as in GNU make, which stops at that
    /// failure: it says `*** Waiting for unfinished jobs....` if any
    /// child is left, even one that has already ended.
    pub(super) fn reap(&mut self, shells: &mut ShellSource<'_>) -> bool {
        // A child killed by the signal that is ending make is said later.
        if self.dying.is_none() && self.fatal_signal() != 0 {
            self.dying = Some(Vec::new());
        }
        let before = self.finished.len();
        let mut any = self.reap_unstarted(shells);
        while !self.stopping_failure(before) {
            let Some((pid, status)) = self.next_exited() else {
                break;
            };
            any = true;
            match self.children.remove(&pid) {
                Some(child) => self.job_child_exited(pid, child, status, shells),
                // An orphan adopted from a killed job or client: it may
                // have been running on that job's slot and tokens.
                None => self.orphan_exited(pid),
            }
        }
        any
    }

    /// Whether a job finished since `finished` held `before` outcomes
    /// failed in a way that stops make: a command's error (not ignored, no
    /// `-k`), or a sub-make's "out of date" under `-q`. (The failure of a
    /// prerequisite of an optional makefile stops nothing; ending the reap
    /// there only leaves the other children for the next one.)
    fn stopping_failure(&self, before: usize) -> bool {
        !self.mode.keep_going
            && self
                .finished
                .iter()
                .skip(before)
                .any(|o| !o.ok && o.out_of_date != Some(OutOfDate::Command))
    }

    /// Collects the jobs whose command could not start (`unstarted`) as
    /// children that exited with status 127, as the shell reports a
    /// command it cannot find, until one's failure stops make (see
    /// `reap`); returns whether there were any. A job that goes on and
    /// cannot start its next command either waits for the next reap.
    pub(super) fn reap_unstarted(&mut self, shells: &mut ShellSource<'_>) -> bool {
        let before = self.finished.len();
        let unstarted = std::mem::take(&mut self.unstarted);
        let mut left = unstarted.iter();
        for &slot in left.by_ref() {
            self.child_exited(slot, std::process::ExitStatus::from_raw(127 << 8), shells);
            if self.stopping_failure(before) {
                break;
            }
        }
        let mut rest: Vec<usize> = left.copied().collect();
        rest.append(&mut self.unstarted);
        self.unstarted = rest;
        !unstarted.is_empty()
    }

    /// The next child that has exited, reaped, with its wait status.
    fn next_exited(&mut self) -> Option<(u32, i32)> {
        use rustix::process::{Pid, WaitOptions};
        // The raw status: `ExitKind` decodes it as the shell would.
        let found = |(pid, status): (Pid, rustix::process::WaitStatus)| {
            (pid.as_raw_nonzero().get() as u32, status.as_raw())
        };
        if self.adopting {
            return rustix::process::wait(WaitOptions::NOHANG)
                .ok()
                .flatten()
                .map(found);
        }
        let mut pids: Vec<(u64, u32)> = self
            .children
            .iter()
            .map(|(&pid, child)| (child.forked, pid))
            .collect();
        pids.sort_unstable();
        pids.into_iter().find_map(|(_, pid)| {
            let pid = Pid::from_raw(pid as i32)?;
            rustix::process::waitpid(Some(pid), WaitOptions::NOHANG)
                .ok()
                .flatten()
                .map(found)
        })
    }

    fn job_child_exited(
        &mut self,
        pid: u32,
        child: Child,
        status: i32,
        shells: &mut ShellSource<'_>,
    ) {
        let Child {
            slot, recursive, ..
        } = child;
        if self.mode.debug_jobs {
            if let Some(job) = &self.jobs[slot] {
                crate::trace::debug::jobs::reaping(job_id(job), pid, status == 0);
            }
        }
        let exit = std::process::ExitStatus::from_raw(status);
        if exit.signal().is_some() {
            self.note_orphans_of_killed_job(child.started);
        }
        if let (Some(sig), Some(job)) = (exit.signal(), &self.jobs[slot]) {
            if self.slots.child_can_reach(recursive) {
                let what = ExitKind::Signal(sig).describe();
                self.casualty = Some(format!(
                    "the recipe for '{}' was killed ({what})",
                    diag::show(&job.req.name)
                ));
            }
        }
        // A client killed hard may have taken tokens with it.
        self.heal_if_sound();
        self.child_exited(slot, exit, shells);
    }

    /// Slots taken: by running jobs, and by the orphans of killed jobs.
    pub(super) fn slots_in_use(&self) -> u32 {
        self.running + self.orphan_groups.len() as u32
    }

    /// A job's process started at `started` was killed by a signal: the
    /// processes it left (now ours, as this make adopts orphans) run on in
    /// its slot, which stays taken until they are gone. The kernel hands
    /// them to us before it tells us of the death, so they are all among
    /// our children now (or have ended). Orphans that started before it (a
    /// daemon an earlier job left) are not its own; any other may be, even
    /// one already in the group of another killed job (two jobs killed
    /// together: which of them an orphan ran for cannot be told), so
    /// groups may overlap, and a slot is kept too long rather than given
    /// back while its orphan runs. (A job that exits normally and leaves a
    /// daemon behind gives its slot back, as in GNU make.)
    fn note_orphans_of_killed_job(&mut self, started: u64) {
        if !self.adopting {
            return;
        }
        let Ok(pids) = fairmake_jobserver::children() else {
            return;
        };
        // `started` was read before the fork, on the clock of `started_at`:
        // the job's processes started at or after it; the tick of margin can
        // only keep the slot longer.
        let new: Vec<u32> = pids
            .into_iter()
            .filter(|&p| fairmake_jobserver::started_at(p).is_some_and(|t| t + 1 >= started))
            .map(|p| p as u32)
            .filter(|p| !self.children.contains_key(p))
            .collect();
        if !new.is_empty() {
            self.orphan_groups.push(new);
        }
    }

    /// An adopted orphan exited: the slot of a killed job is free once
    /// the last orphan of its group is gone; then healing may be sound.
    fn orphan_exited(&mut self, pid: u32) {
        let before = self.orphan_groups.len();
        for group in &mut self.orphan_groups {
            group.retain(|&p| p != pid);
        }
        self.orphan_groups.retain(|g| !g.is_empty());
        if self.orphan_groups.len() != before {
            self.slots.release(self.slots_in_use());
        }
        self.heal_if_sound();
    }

    /// At the end of the build, as the server, counts the tokens as GNU
    /// make does, after waiting, as GNU make does, until no process that
    /// could still give tokens back has the jobserver open: the orphans
    /// this make adopted (a client whose shell was killed) and the
    /// processes below them.
    /// Once: a make that stops on an error finishes it there.
    pub fn finish_jobserver(&mut self) {
        if self.finishing {
            return;
        }
        self.finishing = true;
        while self.adopting && self.orphans_hold_jobserver() {
            self.die_if_signalled();
            // (No job is left to go on: no shell to settle.)
            if !self.reap(&mut |_, _| Ok(())) {
                self.wait_for_event(false);
            }
        }
        self.slots.finish(self.mode.debug_jobs);
    }

    /// Whether an orphan this make adopted, or a process below one, has
    /// the jobserver open.
    fn orphans_hold_jobserver(&self) -> bool {
        fairmake_jobserver::children().is_ok_and(|pids| {
            pids.iter()
                .any(|&p| !self.children.contains_key(&(p as u32)) && self.slots.open_below(p))
        })
    }

    /// As the memory-aware server, looks at memory when a look is due and
    /// withholds or gives back tokens (`exec/slots.rs`); the trace says so.
    pub(super) fn govern(&mut self) {
        if let Some(change) = self.slots.govern(self.slots_in_use()) {
            if let Some(trace) = &mut self.trace {
                trace.memory(&change);
            }
        }
    }

    /// As the server, heals the jobserver if that is sound now.
    fn heal_if_sound(&mut self) {
        if self.finishing {
            return;
        }
        let live: Vec<(i32, bool)> = self
            .children
            .iter()
            .map(|(&pid, child)| (pid as i32, child.recursive))
            .collect();
        self.slots.heal_if_sound(&live, self.casualty.as_deref());
    }

    fn child_exited(
        &mut self,
        slot: usize,
        exit: std::process::ExitStatus,
        shells: &mut ShellSource<'_>,
    ) {
        let job = self.jobs[slot].as_mut().expect("child of a live job");
        job.pid = None;
        let line = job.req.lines[job.next_line - 1].clone();
        let kind = match (exit.code(), exit.signal()) {
            (Some(0), _) => None,
            (Some(code), _) => Some(ExitKind::Code(code)),
            (None, Some(sig)) => Some(ExitKind::Signal(sig)),
            (None, None) => Some(ExitKind::Code(1)),
        };
        // A fatal signal that came with the child's end (`kill -INT 0` from
        // its command reaches make and the child together; the handler
        // runs as the wait returns) ends make as GNU's does: the job is
        // said with the others in `die_if_signalled`, not as a failure
        // that -k goes on from.
        if self.fatal_signal() != 0 {
            self.dying.get_or_insert_with(Vec::new);
        }
        if let Some(ended) = &mut self.dying {
            // The job goes no further; see `die_if_signalled`.
            ended.push(Ended { slot, line, kind });
            return;
        }
        match kind {
            None => {
                if self.mode.output_sync == crate::options::OutputSync::Line {
                    self.flush_job_output(slot);
                }
                self.go_on(slot, shells)
            }
            // -q: a sub-make saying "out of date" is no error to report.
            Some(ExitKind::Code(1))
                if self.mode.question && line.recursive && !line.ignore_errors =>
            {
                self.finish_as(slot, false, Some(OutOfDate::SubMake));
            }
            Some(kind) => {
                if self.line_failed(slot, &line, kind) {
                    self.go_on(slot, shells);
                }
            }
        }
    }

    pub(super) fn wait_for_event(&mut self, want_token: bool) {
        // The memory-aware server wakes for its next look at memory, and
        // when tokens it waits to withhold come back.
        let governor = self.slots.governor_wants();
        let want_token = want_token || governor.is_some_and(|(_, hungry)| hungry);
        let token_fd = if want_token {
            self.slots.poll_fd()
        } else {
            None
        };
        // Under `-l`, look at the load again soon even if nothing happens;
        // a traced jobserver samples its free tokens every 50 ms.
        let sampling = self.trace.is_some() && self.slots.tokens_free().is_some();
        let timeout = if let Some(tick) = self.progress.as_ref().map(|p| p.tick_interval()) {
            // --progress (under a second): the clock and the sub-makes' news.
            let sample = std::time::Duration::from_millis(50);
            let tick = if sampling { tick.min(sample) } else { tick };
            rustix::time::Timespec {
                tv_sec: 0,
                tv_nsec: i64::from(tick.subsec_nanos()),
            }
        } else if self.load_limited || sampling {
            rustix::time::Timespec {
                tv_sec: 0,
                tv_nsec: if sampling { 50_000_000 } else { 100_000_000 },
            }
        } else {
            rustix::time::Timespec {
                tv_sec: 1,
                tv_nsec: 0,
            }
        };
        let timeout = match governor {
            Some((due, _))
                if due
                    < std::time::Duration::new(timeout.tv_sec as u64, timeout.tv_nsec as u32) =>
            {
                rustix::time::Timespec {
                    tv_sec: due.as_secs() as i64,
                    tv_nsec: i64::from(due.subsec_nanos()),
                }
            }
            _ => timeout,
        };
        match token_fd {
            Some(fd) => {
                let mut fds = [
                    rustix::event::PollFd::new(&self.sigchld, rustix::event::PollFlags::IN),
                    rustix::event::PollFd::from_borrowed_fd(fd, rustix::event::PollFlags::IN),
                ];
                let _ = rustix::event::poll(&mut fds, Some(&timeout));
            }
            None => {
                let mut fds = [rustix::event::PollFd::new(
                    &self.sigchld,
                    rustix::event::PollFlags::IN,
                )];
                let _ = rustix::event::poll(&mut fds, Some(&timeout));
            }
        }
        let mut buf = [0u8; 64];
        while let Ok(n) = rustix::io::read(self.sigchld.as_fd(), &mut buf) {
            if n == 0 {
                break;
            }
        }
        if let Some(p) = &mut self.progress {
            p.tick();
        }
        self.govern();
        if sampling {
            let free = self.slots.tokens_free();
            let running = self.running;
            if let Some(trace) = &mut self.trace {
                trace.counters(running, free);
            }
        }
    }
}
