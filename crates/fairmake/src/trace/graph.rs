//! The build as a trace links it: the makes (one per process), their jobs,
//! the jobs each job waited for, and the recursive job that ran each
//! sub-make. From these, the critical path: the longest chain of jobs, each
//! waiting for the one before, across sub-makes where the trace ties them
//! to their parent's job.

use std::collections::HashMap;

use serde_json::Value;

use super::stats::JobSpan;

/// One make of the build.
#[derive(Debug)]
pub struct Make {
    pub pid: u64,
    pub ppid: u64,
    /// As its track is named: `make[1] /abs/dir`.
    pub name: String,
    /// The recursive job of another make that ran it, when the trace says.
    pub parent_job: Option<usize>,
}

/// One job's slice.
#[derive(Debug)]
pub struct Job {
    pub make: usize,
    pub tid: u64,
    pub target: String,
    pub command: String,
    pub start: u64,
    pub end: u64,
    pub recursive: bool,
    pub failed: bool,
    pub token_wait_us: u64,
    pub waited_for: Vec<String>,
    pub child_pids: Vec<u64>,
}

/// The makes and jobs of a trace.
#[derive(Debug, Default)]
pub struct Graph {
    /// The top-level make first (it writes the first track name).
    pub makes: Vec<Make>,
    pub jobs: Vec<Job>,
}

/// The critical path, as indices into [`Graph::jobs`] (work jobs only).
#[derive(Debug, Default)]
pub struct Path {
    pub chain: Vec<usize>,
    /// Sub-makes with jobs that no recursive job of the trace ran (a GNU
    /// make or a subshell between them): their chains start on their own.
    pub unlinked_makes: usize,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Graph {
    pub fn from_events(events: &[Value]) -> Graph {
        let mut graph = Graph::default();
        let mut by_pid: HashMap<u64, usize> = HashMap::new();
        for e in events {
            if e["ph"] == "M" && e["name"] == "process_name" {
                let pid = e["pid"].as_u64().unwrap_or(0);
                graph.make_for(&mut by_pid, pid, Some(e));
            }
        }
        for e in events {
            if !(e["ph"] == "X" && e["cat"] == "job") {
                continue;
            }
            let make = graph.make_for(&mut by_pid, e["pid"].as_u64().unwrap_or(0), None);
            let args = &e["args"];
            let start = e["ts"].as_u64().unwrap_or(0);
            graph.jobs.push(Job {
                make,
                tid: e["tid"].as_u64().unwrap_or(1),
                target: args["target"].as_str().unwrap_or("?").to_string(),
                command: args["command"].as_str().unwrap_or("").to_string(),
                start,
                end: start + e["dur"].as_u64().unwrap_or(0),
                recursive: args["recursive"].as_bool().unwrap_or(false),
                failed: args["status"].as_i64().unwrap_or(0) != 0,
                token_wait_us: args["token_wait_us"].as_u64().unwrap_or(0),
                waited_for: strings(&args["waited_for"]),
                child_pids: args["child_pids"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_u64).collect())
                    .unwrap_or_default(),
            });
        }
        graph.link_sub_makes();
        graph
    }

    /// The make of `pid`, added when first seen (a track named by `meta`,
    /// or a pid whose name event is missing).
    fn make_for(
        &mut self,
        by_pid: &mut HashMap<u64, usize>,
        pid: u64,
        meta: Option<&Value>,
    ) -> usize {
        if let Some(&i) = by_pid.get(&pid) {
            return i;
        }
        let args = meta.map(|e| &e["args"]);
        self.makes.push(Make {
            pid,
            ppid: args.and_then(|a| a["ppid"].as_u64()).unwrap_or(0),
            name: args
                .and_then(|a| a["name"].as_str())
                .unwrap_or("make")
                .to_string(),
            parent_job: None,
        });
        by_pid.insert(pid, self.makes.len() - 1);
        self.makes.len() - 1
    }

    /// A sub-make's parent job ran it directly (its pid) or through a
    /// shell (its parent's pid).
    fn link_sub_makes(&mut self) {
        let mut runner_of: HashMap<u64, usize> = HashMap::new();
        for (i, job) in self.jobs.iter().enumerate() {
            for &pid in &job.child_pids {
                runner_of.insert(pid, i);
            }
        }
        let parents: Vec<Option<usize>> = (0..self.makes.len())
            .map(|m| {
                let make = &self.makes[m];
                runner_of
                    .get(&make.pid)
                    .or_else(|| runner_of.get(&make.ppid))
                    .copied()
                    // A make is never its own parent (a reused pid).
                    .filter(|&j| self.jobs[j].make != m)
            })
            .collect();
        for (make, parent) in self.makes.iter_mut().zip(parents) {
            make.parent_job = parent;
        }
    }

    /// The directory of a make's track, shortened to its last component
    /// (`make[1] /a/b` → `b`).
    pub fn short_name(&self, make: usize) -> &str {
        let name = &self.makes[make].name;
        let dir = name.split_once(' ').map_or(name.as_str(), |(_, d)| d);
        dir.rsplit('/').next().unwrap_or(dir)
    }

    /// A job as `--stats` names it: `dir:target`.
    pub fn span(&self, job: &Job) -> JobSpan {
        let make = self.short_name(job.make);
        JobSpan {
            label: if make.is_empty() {
                job.target.clone()
            } else {
                format!("{make}:{}", job.target)
            },
            start: job.start,
            end: job.end,
            recursive: job.recursive,
        }
    }

    /// The longest chain of work jobs, each waiting for the one before: a
    /// job waits for the jobs of its make that made its prerequisites, and
    /// a sub-make's jobs wait for what their parent's recursive job waited
    /// for. A recursive job ends after its sub-makes' chains.
    pub fn critical_path(&self) -> Path {
        let mut order: Vec<usize> = (0..self.jobs.len()).collect();
        order.sort_by_key(|&i| (self.jobs[i].end, self.jobs[i].start));
        let mut jobs_of: HashMap<(usize, &str), Vec<usize>> = HashMap::new();
        for &i in &order {
            let job = &self.jobs[i];
            jobs_of.entry((job.make, &job.target)).or_default().push(i);
        }
        let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
        for (m, make) in self.makes.iter().enumerate() {
            if let Some(parent) = make.parent_job {
                children.entry(parent).or_default().push(m);
            }
        }
        // best[i]: the length of the longest chain ending with job i, and
        // the job before it on that chain.
        let mut best: Vec<Option<(u64, Option<usize>)>> = vec![None; self.jobs.len()];
        let mut last_of_make: Vec<Vec<usize>> = vec![Vec::new(); self.makes.len()];
        for &i in &order {
            let job = &self.jobs[i];
            let mut before = self.waited_best(i, &jobs_of, &best);
            if job.recursive {
                // Its sub-makes' jobs ran inside it.
                for m in children.get(&i).into_iter().flatten() {
                    for &k in &last_of_make[*m] {
                        if let Some((len, _)) = best[k] {
                            if before.is_none_or(|(l, _)| len > l) {
                                before = Some((len, Some(k)));
                            }
                        }
                    }
                }
                best[i] = Some(before.unwrap_or((0, None)));
            } else {
                let (len, prev) = before.unwrap_or((0, None));
                best[i] = Some((len + (job.end - job.start), prev));
            }
            last_of_make[job.make].push(i);
        }
        let end = (0..self.jobs.len())
            .filter(|&i| !self.jobs[i].recursive)
            .max_by_key(|&i| (best[i].map_or(0, |b| b.0), std::cmp::Reverse(i)));
        let mut chain = Vec::new();
        let mut at = end;
        while let Some(i) = at {
            if !self.jobs[i].recursive {
                chain.push(i);
            }
            at = best[i].and_then(|b| b.1);
            if chain.len() > self.jobs.len() {
                break;
            }
        }
        chain.reverse();
        let unlinked_makes = self
            .makes
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(m, make)| make.parent_job.is_none() && !last_of_make[*m].is_empty())
            .count();
        Path {
            chain,
            unlinked_makes,
        }
    }

    /// The best chain job `i` waited for: its prerequisites' jobs, and
    /// for a sub-make's job, what the recursive job that ran its make
    /// waited for.
    fn waited_best(
        &self,
        i: usize,
        jobs_of: &HashMap<(usize, &str), Vec<usize>>,
        best: &[Option<(u64, Option<usize>)>],
    ) -> Option<(u64, Option<usize>)> {
        let mut result: Option<(u64, Option<usize>)> = None;
        let mut consider = |k: usize| {
            if let Some((len, _)) = best[k] {
                if result.is_none_or(|(l, _)| len > l) {
                    result = Some((len, Some(k)));
                }
            }
        };
        let mut at = Some(i);
        // Up through the recursive jobs that ran this job's make, and theirs.
        let mut depth = 0;
        while let Some(j) = at {
            let job = &self.jobs[j];
            for name in &job.waited_for {
                for &k in jobs_of
                    .get(&(job.make, name.as_str()))
                    .into_iter()
                    .flatten()
                {
                    if self.jobs[k].end <= job.start && best[k].is_some() {
                        consider(k);
                    }
                }
            }
            at = self.makes[job.make].parent_job;
            depth += 1;
            if depth > self.makes.len() {
                break;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(pid: u64, target: &str, ts: u64, dur: u64, waited: &[&str]) -> Value {
        json!({"ph": "X", "cat": "job", "pid": pid, "tid": 1, "ts": ts, "dur": dur,
               "args": {"target": target, "waited_for": waited}})
    }

    fn labels(g: &Graph, p: &Path) -> Vec<String> {
        p.chain.iter().map(|&i| g.span(&g.jobs[i]).label).collect()
    }

    #[test]
    fn independent_jobs_make_a_chain_of_one() {
        let mut events =
            vec![json!({"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "make /t"}})];
        for i in 0..200u64 {
            events.push(job(1, &format!("j{i}"), i * 10, 5 + i % 7, &[]));
        }
        let g = Graph::from_events(&events);
        let p = g.critical_path();
        assert_eq!(p.chain.len(), 1);
        assert_eq!(g.jobs[p.chain[0]].end - g.jobs[p.chain[0]].start, 11);
    }

    #[test]
    fn the_chain_follows_prerequisites_into_sub_makes() {
        // top: `gen` (a job), then `sub` (recursive, pid 20 is its child)
        // waits for gen; the sub-make (pid 21, run by a shell of pid 20)
        // runs x then y, y waiting for x. A long unrelated job `z` is
        // shorter than the chain.
        let events = vec![
            json!({"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "make /t", "ppid": 0}}),
            json!({"ph": "M", "name": "process_name", "pid": 21, "args": {"name": "make[1] /t/sub", "ppid": 20}}),
            job(1, "gen", 0, 100, &[]),
            job(1, "z", 0, 250, &[]),
            job(21, "x", 110, 100, &[]),
            job(21, "y", 210, 100, &["x"]),
            json!({"ph": "X", "cat": "job", "pid": 1, "tid": 2, "ts": 100, "dur": 215,
                   "args": {"target": "sub", "recursive": true, "waited_for": ["gen"], "child_pids": [20]}}),
        ];
        let g = Graph::from_events(&events);
        let p = g.critical_path();
        assert_eq!(labels(&g, &p), vec!["t:gen", "sub:x", "sub:y"]);
        assert_eq!(p.unlinked_makes, 0);
    }

    #[test]
    fn an_unlinked_sub_make_is_counted() {
        let events = vec![
            json!({"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "make /t"}}),
            json!({"ph": "M", "name": "process_name", "pid": 5, "args": {"name": "make[2] /t/a", "ppid": 4}}),
            job(5, "x", 0, 10, &[]),
        ];
        let g = Graph::from_events(&events);
        assert_eq!(g.critical_path().unlinked_makes, 1);
    }
}
