//! The planner's unit tests, through its seams: a fake executor that logs
//! what starts and ends (one job at a time, oldest first) and fake file
//! times, over makefiles read from text. The directory cache and vpath are
//! not faked: the tests name no file that exists where they run.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::implicit::{self, Knowledge, Ought};
use super::mtime::Mtime;
use super::rule_index::RuleIndex;
use super::seams::{FileTimes, Jobs};
use super::Planner;
use crate::eval::Evaluator;
use crate::exec::output::Captured;
use crate::exec::{EnvSource, JobOutcome, JobRequest, ShellSource};
use crate::fscache::FsCache;
use crate::options::Options;

/// The files, a clock, and what happened, shared by both fakes.
#[derive(Default)]
struct World {
    times: HashMap<Vec<u8>, Mtime>,
    /// Whole seconds: the tables give times so.
    clock: i64,
    log: Vec<String>,
}

type Shared = Rc<RefCell<World>>;

struct FakeJobs {
    world: Shared,
    slots: usize,
    /// Under `-n` a job runs no command: its file is left as it was.
    dry_run: bool,
    running: Vec<(crate::rules::FileId, Vec<u8>)>,
    started: u64,
}

impl Jobs for FakeJobs {
    fn started(&self) -> u64 {
        self.started
    }
    fn count_touched(&mut self) {
        self.started += 1;
    }
    fn running(&self) -> u32 {
        self.running.len() as u32
    }
    fn alive(&self) -> u32 {
        self.running.len() as u32
    }
    fn has_outcomes(&self) -> bool {
        false
    }
    fn collect_ended(&mut self, _shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        Vec::new()
    }
    fn needs_token(&self) -> bool {
        false
    }
    fn is_serial(&self) -> bool {
        self.slots == 1
    }
    fn has_free_slot(&mut self) -> bool {
        self.running.len() < self.slots
    }
    fn start(
        &mut self,
        req: JobRequest,
        _env: &mut EnvSource<'_>,
        _shells: &mut ShellSource<'_>,
    ) -> crate::diag::Result<()> {
        let commands: Vec<String> = req
            .lines
            .iter()
            .map(|l| String::from_utf8_lossy(&l.command).into_owned())
            .collect();
        self.world
            .borrow_mut()
            .log
            .push(format!("start {}", commands.join("; ")));
        self.started += 1;
        self.running.push((req.file, req.name));
        Ok(())
    }
    fn finish_running(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        let mut ended = Vec::new();
        while !self.running.is_empty() {
            ended.extend(self.wait_any(shells));
        }
        ended
    }
    fn wait_any(&mut self, _shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        if self.running.is_empty() {
            return Vec::new();
        }
        let (file, name) = self.running.remove(0);
        let mut world = self.world.borrow_mut();
        world
            .log
            .push(format!("end {}", String::from_utf8_lossy(&name)));
        if !self.dry_run {
            world.clock += 1;
            let now = Mtime::from_secs(world.clock);
            world.times.insert(name, now);
        }
        vec![JobOutcome {
            file,
            ok: true,
            out_of_date: None,
            failed_at: None,
            held: None,
        }]
    }
    fn wait_for_slot(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        self.wait_any(shells)
    }
    fn take_fatal(&mut self) -> Option<crate::diag::Fatal> {
        None
    }
    fn capture_for_recipe(&self) -> Option<Captured> {
        None
    }
    fn finish_jobserver(&mut self) {}
    fn traced(&self) -> bool {
        false
    }
}

struct FakeTimes(Shared);

impl FileTimes for FakeTimes {
    fn mtime(&mut self, _: &mut FsCache, path: &[u8]) -> Option<Mtime> {
        self.0.borrow().times.get(path).copied()
    }
    fn newest_of_links(&mut self, path: &[u8]) -> Option<Mtime> {
        self.0.borrow().times.get(path).copied()
    }
    fn exists_listed(&mut self, _: &FsCache, path: &[u8]) -> Option<bool> {
        Some(self.0.borrow().times.contains_key(path))
    }
    fn exists_now(&mut self, path: &[u8]) -> bool {
        self.0.borrow().times.contains_key(path)
    }
    fn touch(&mut self, _: &mut FsCache, path: &[u8]) -> std::io::Result<()> {
        let mut world = self.0.borrow_mut();
        world.clock += 1;
        let now = Mtime::from_secs(world.clock);
        world.times.insert(path.to_vec(), now);
        world
            .log
            .push(format!("touch {}", String::from_utf8_lossy(path)));
        Ok(())
    }
}

/// A run to make `goal`: the makefile, the files there are (name, time),
/// the options set, the job slots.
struct Run<'a> {
    makefile: &'a str,
    files: &'a [(&'a str, i64)],
    options: fn(&mut Options),
    slots: usize,
    goal: &'a str,
}

const DEFAULTS: fn(&mut Options) = |_| {};

/// Files and their times, in whole seconds.
type Files = &'static [(&'static str, i64)];
/// Names, or what happened.
type Names = &'static [&'static str];

impl Run<'_> {
    /// The exit status and what happened, in order.
    fn go(&self) -> (i32, Vec<String>) {
        let mut options = Options::default();
        (self.options)(&mut options);
        let dry_run = options.dry_run;
        let mut ev = Evaluator::new(Rc::new(options), b"/nonexistent".to_vec());
        crate::read::eval_text(&mut ev, self.makefile.as_bytes()).expect("makefile reads");
        crate::read::settle_every_file(&mut ev.db);
        let world: Shared = Default::default();
        {
            let mut w = world.borrow_mut();
            for &(name, time) in self.files {
                w.times
                    .insert(name.as_bytes().to_vec(), Mtime::from_secs(time));
                w.clock = w.clock.max(time);
            }
        }
        let goal = ev.db.intern(self.goal.as_bytes());
        let jobs = FakeJobs {
            world: world.clone(),
            slots: self.slots,
            dry_run,
            running: Vec::new(),
            started: 0,
        };
        let mut planner = Planner::with_times(&mut ev, jobs, FakeTimes(world.clone()));
        let status = planner.run_goals(&[goal]).expect("no fatal error");
        drop(planner);
        let log = std::mem::take(&mut world.borrow_mut().log);
        (status, log)
    }
}

/// The commands started, in order, with `-j1`.
fn commands(makefile: &str, files: &[(&str, i64)], options: fn(&mut Options)) -> Vec<String> {
    let run = Run {
        makefile,
        files,
        options,
        slots: 1,
        goal: "t",
    };
    let (_, log) = run.go();
    log.into_iter()
        .filter_map(|l| l.strip_prefix("start ").map(str::to_string))
        .collect()
}

#[test]
fn out_of_date_decision() {
    const T_FROM_A: &str = "t: a\n\techo $@ $?\n";
    // (what, makefile, files and their times, options, commands run)
    type Row = (&'static str, &'static str, Files, fn(&mut Options), Names);
    let rows: &[Row] = &[
        (
            "missing target",
            T_FROM_A,
            &[("a", 1)],
            DEFAULTS,
            &["echo t a"],
        ),
        ("up to date", T_FROM_A, &[("a", 1), ("t", 2)], DEFAULTS, &[]),
        (
            "newer prerequisite",
            T_FROM_A,
            &[("a", 3), ("t", 2)],
            DEFAULTS,
            &["echo t a"],
        ),
        (
            "same time is not newer",
            T_FROM_A,
            &[("a", 2), ("t", 2)],
            DEFAULTS,
            &[],
        ),
        (
            "$? names only the newer",
            "t: a b\n\techo $?\n",
            &[("a", 1), ("b", 3), ("t", 2)],
            DEFAULTS,
            &["echo b"],
        ),
        (
            "order-only prerequisites are not compared",
            "t: | a\n\techo $@\n",
            &[("a", 3), ("t", 2)],
            DEFAULTS,
            &[],
        ),
        (
            "a phony target always runs",
            ".PHONY: t\nt: a\n\techo $@ $?\n",
            &[("a", 1), ("t", 2)],
            DEFAULTS,
            &["echo t a"],
        ),
        (
            "-B: everything is newer",
            T_FROM_A,
            &[("a", 1), ("t", 2)],
            |o| o.always_make = true,
            &["echo t a"],
        ),
        (
            "-o: an old file is never newer",
            T_FROM_A,
            &[("a", 3), ("t", 2)],
            |o| o.old_files = vec![b"a".to_vec()],
            &[],
        ),
        (
            "-W: a new file is always newer",
            T_FROM_A,
            &[("a", 1), ("t", 2)],
            |o| o.new_files = vec![b"a".to_vec()],
            &["echo t a"],
        ),
        (
            "a double-colon rule without prerequisites always runs",
            "t::\n\techo $@\n",
            &[("t", 1)],
            DEFAULTS,
            &["echo t"],
        ),
        (
            "a missing prerequisite is made, then the target",
            "t: m\n\techo $@\nm: a\n\techo $@\n",
            &[("a", 1), ("t", 2)],
            DEFAULTS,
            &["echo m", "echo t"],
        ),
        (
            "a missing intermediate file need not be made",
            ".INTERMEDIATE: m\nt: m\n\techo $@\nm: a\n\techo $@\n",
            &[("a", 1), ("t", 2)],
            DEFAULTS,
            &[],
        ),
        (
            "unless what it is made from is newer",
            ".INTERMEDIATE: m\nt: m\n\techo $@\nm: a\n\techo $@\n",
            &[("a", 3), ("t", 2)],
            DEFAULTS,
            &["echo m", "echo t"],
        ),
    ];
    for &(what, makefile, files, options, want) in rows {
        assert_eq!(commands(makefile, files, options), want, "{what}");
    }
}

/// What starts and ends, with four job slots.
fn events(makefile: &str) -> Vec<String> {
    let run = Run {
        makefile,
        files: &[],
        options: DEFAULTS,
        slots: 4,
        goal: "all",
    };
    run.go().1
}

#[test]
fn wait_and_notparallel_order() {
    const ABC: &str = "\techo $@\na b c:\n\techo $@\n";
    let rows: &[(&str, &str, &[&str])] = &[
        (
            "in parallel",
            "all: a b c\n",
            &[
                "start echo a",
                "start echo b",
                "start echo c",
                "end a",
                "end b",
                "end c",
            ],
        ),
        (
            ".WAIT holds back what follows until what precedes is made",
            "all: a b .WAIT c\n",
            &[
                "start echo a",
                "start echo b",
                "end a",
                "end b",
                "start echo c",
                "end c",
            ],
        ),
        (
            ".NOTPARALLEL: one at a time",
            ".NOTPARALLEL:\nall: a b c\n",
            &[
                "start echo a",
                "end a",
                "start echo b",
                "end b",
                "start echo c",
                "end c",
            ],
        ),
        (
            ".NOTPARALLEL with targets: their prerequisites one at a time",
            ".NOTPARALLEL: all\nall: a b c\n",
            &[
                "start echo a",
                "end a",
                "start echo b",
                "end b",
                "start echo c",
                "end c",
            ],
        ),
    ];
    for &(what, rule, want) in rows {
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.extend(["start echo all".to_string(), "end all".to_string()]);
        assert_eq!(events(&format!("{rule}{ABC}")), want, "{what}");
    }
}

#[test]
fn dry_run_touch_and_question() {
    const T_FROM_A: &str = "t: a\n\techo $@\n";
    // (what, makefile, files and their times, options, status, events)
    type Row = (
        &'static str,
        &'static str,
        Files,
        fn(&mut Options),
        i32,
        Names,
    );
    let rows: &[Row] = &[
        (
            "-q, out of date: status 1, nothing runs",
            T_FROM_A,
            &[("a", 3), ("t", 2)],
            |o| o.question = true,
            1,
            &[],
        ),
        (
            "-q, up to date: status 0",
            T_FROM_A,
            &[("a", 1), ("t", 2)],
            |o| o.question = true,
            0,
            &[],
        ),
        (
            "-t touches instead of running",
            T_FROM_A,
            &[("a", 3), ("t", 2)],
            |o| o.touch = true,
            0,
            &["touch t"],
        ),
        (
            "-t touches no phony target",
            ".PHONY: t\nt: a\n\techo $@\n",
            &[("a", 1)],
            |o| o.touch = true,
            0,
            &[],
        ),
        (
            "-t runs recursive lines",
            "t: a\n\t+echo $@\n",
            &[("a", 3), ("t", 2)],
            |o| o.touch = true,
            0,
            &["start echo t", "end t"],
        ),
        (
            "-n: a prerequisite whose recipe would run counts as updated",
            "t: a\n\techo $@\na: b\n\techo $@\n",
            &[("b", 2), ("a", 1), ("t", 3)],
            |o| o.dry_run = true,
            0,
            &["start echo a", "end a", "start echo t", "end t"],
        ),
    ];
    for &(what, makefile, files, options, status, want) in rows {
        let run = Run {
            makefile,
            files,
            options,
            slots: 1,
            goal: "t",
        };
        assert_eq!(
            run.go(),
            (status, want.iter().map(|s| s.to_string()).collect()),
            "{what}"
        );
    }
}

/// The implicit-rule search's view of a directory: the files there are,
/// and the names the makefile makes targets of.
struct FakeKnowledge {
    files: Vec<&'static str>,
    targets: Vec<&'static str>,
}

impl Knowledge for FakeKnowledge {
    fn exists(&mut self, name: &[u8]) -> bool {
        self.files.iter().any(|f| f.as_bytes() == name)
    }
    fn ought_to_exist(&self, name: &[u8], _own: bool) -> Option<Ought> {
        self.targets
            .iter()
            .any(|f| f.as_bytes() == name)
            .then_some(Ought::Strict)
    }
    fn is_phony(&self, _: &[u8]) -> bool {
        false
    }
    fn second_expand(&mut self, _: &[u8], _: &[u8], _: &[u8]) -> Option<Vec<u8>> {
        None
    }
    fn glob(&mut self, _: &[u8]) -> Vec<Vec<u8>> {
        Vec::new()
    }
    fn second_expansion(&self) -> bool {
        false
    }
}

/// What the search finds for `target`: its stem, its prerequisites, the
/// intermediate files of its chain.
fn search(
    rules: &str,
    files: &[&'static str],
    targets: &[&'static str],
    target: &str,
) -> Option<(String, Vec<String>, Vec<String>)> {
    let mut ev = Evaluator::new(Rc::new(Options::default()), b"/nonexistent".to_vec());
    crate::read::eval_text(&mut ev, rules.as_bytes()).expect("rules read");
    let list = &ev.db.pattern_rules;
    let index = RuleIndex::new(list);
    let mut k = FakeKnowledge {
        files: files.to_vec(),
        targets: targets.to_vec(),
    };
    let rules = implicit::Rules {
        list,
        index: &index,
        extras: &[],
    };
    let found = implicit::search(rules, target.as_bytes(), &mut k, &mut Default::default())?;
    let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
    Some((
        text(&found.stem),
        found.deps.iter().map(|d| text(d)).collect(),
        found.chain.iter().map(|(n, _)| text(n)).collect(),
    ))
}

#[test]
fn implicit_rule_search() {
    type Found = Option<(
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    )>;
    // (what, rules, files, targets, the target searched for, found)
    type Row = (
        &'static str,
        &'static str,
        Names,
        Names,
        &'static str,
        Found,
    );
    let rows: &[Row] = &[
        (
            "a prerequisite that exists",
            "%.o: %.c ; :\n",
            &["a.c"],
            &[],
            "a.o",
            Some(("a", &["a.c"], &[])),
        ),
        ("none", "%.o: %.c ; :\n", &[], &[], "a.o", None),
        (
            "one that ought to exist",
            "%.o: %.c ; :\n",
            &[],
            &["a.c"],
            "a.o",
            Some(("a", &["a.c"], &[])),
        ),
        (
            "the first rule that applies",
            "%.o: %.c ; :\n%.o: %.s ; :\n",
            &["a.s"],
            &[],
            "a.o",
            Some(("a", &["a.s"], &[])),
        ),
        (
            "through an intermediate file",
            "%.o: %.c ; :\n%.c: %.y ; :\n",
            &["a.y"],
            &[],
            "a.o",
            Some(("a", &["a.c"], &["a.c"])),
        ),
        (
            "the stem keeps the directory",
            "%.o: %.c ; :\n",
            &["src/a.c"],
            &[],
            "src/a.o",
            Some(("src/a", &["src/a.c"], &[])),
        ),
        (
            "a terminal rule ends a chain",
            "%.o: %.c ; :\n%.c:: %.y ; :\n%.y:: %.w ; :\n",
            &["a.w"],
            &[],
            "a.o",
            None,
        ),
    ];
    for &(what, rules, files, targets, target, want) in rows {
        let want = want.map(|(stem, deps, chain)| {
            let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            (stem.to_string(), strings(deps), strings(chain))
        });
        assert_eq!(search(rules, files, targets, target), want, "{what}");
    }
}
