//! How much memory a build may still use: the signals the memory-aware
//! server reads.
//!
//! Owns reading them, and nothing else (what to do about them is
//! `withhold.rs`). A [`MemorySource`] gives a [`MemorySample`]: the bytes
//! that can still be used before the tightest limit is hit, out of which
//! limit, and the kernel's memory-stall counter (PSI). [`SystemMemory`]
//! reads Linux: `MemAvailable` from `/proc/meminfo`; the limits of the
//! cgroups this process is in and of their ancestors (v2 `memory.max` and
//! `memory.current`, v1 `memory.limit_in_bytes` and
//! `memory.usage_in_bytes`), minus the inactive file cache in each
//! (`memory.stat`), which the kernel reclaims before it OOM-kills anything;
//! and `memory.pressure` of the cgroup, or `/proc/pressure/memory`. Every
//! path is under a root directory so that tests can hand it a fake tree.
//! [`Ledger`] is a source made of files, for tests of whole builds.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// One look at memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemorySample {
    /// Bytes that can still be used before the tightest limit is reached.
    pub available: u64,
    /// That limit: `MemTotal`, or the cgroup's limit.
    pub limit: u64,
    /// The total time, in microseconds, during which some task stalled on
    /// memory (PSI's `some ... total=`), when the kernel tells it.
    pub stall_us: Option<u64>,
}

/// Where memory samples come from: the real system, or a fake in tests.
pub trait MemorySource {
    /// Looks at memory now.
    fn sample(&mut self) -> io::Result<MemorySample>;
    /// What is read, for messages: `MemAvailable`, `cgroup v2 /a/b`, ...
    fn describe(&self) -> String;
}

/// A closure is a source (tests script their samples this way).
impl<F: FnMut() -> io::Result<MemorySample>> MemorySource for F {
    fn sample(&mut self) -> io::Result<MemorySample> {
        self()
    }
    fn describe(&self) -> String {
        "a scripted memory source".into()
    }
}

/// A cgroup whose limit counts.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Limit {
    /// A v2 cgroup directory (`memory.max`, `memory.current`).
    V2(PathBuf),
    /// A v1 memory cgroup directory (`memory.limit_in_bytes`, ...).
    V1(PathBuf),
}

/// Linux's memory figures, read under `root` (`/` for the real system).
#[derive(Clone, Debug)]
pub struct SystemMemory {
    root: PathBuf,
    /// The cgroup this process is in, and every ancestor with a memory
    /// controller: the tightest of their limits is the one that counts.
    limits: Vec<Limit>,
    /// `memory.pressure` of the nearest v2 cgroup, else the system's.
    pressure: PathBuf,
    /// The cgroup this process is in, for messages.
    cgroup: Option<String>,
}

impl SystemMemory {
    /// Finds the cgroups of this process under `root` (`/proc/self/cgroup`,
    /// mounts at `sys/fs/cgroup`, `sys/fs/cgroup/unified` or
    /// `sys/fs/cgroup/memory`). Fails only when `/proc/meminfo` cannot be
    /// read: without cgroups the system's memory is what counts.
    pub fn detect(root: &Path) -> io::Result<SystemMemory> {
        meminfo(root)?;
        let own = std::fs::read_to_string(root.join("proc/self/cgroup")).unwrap_or_default();
        let mut limits = Vec::new();
        let mut pressure = root.join("proc/pressure/memory");
        let mut cgroup = None;
        for line in own.lines() {
            let mut parts = line.splitn(3, ':');
            let (Some(id), Some(controllers), Some(path)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let rel = path.trim_start_matches('/');
            if id == "0" && controllers.is_empty() {
                // cgroup v2: the unified hierarchy, mounted alone or beside v1.
                for mount in ["sys/fs/cgroup", "sys/fs/cgroup/unified"] {
                    let top = root.join(mount);
                    if !top.join("cgroup.controllers").exists() {
                        continue;
                    }
                    let dir = top.join(rel);
                    if dir.join("memory.pressure").exists() {
                        pressure = dir.join("memory.pressure");
                    }
                    for d in ancestors(&top, &dir) {
                        if d.join("memory.max").exists() {
                            limits.push(Limit::V2(d));
                        }
                    }
                    if limits.iter().any(|l| matches!(l, Limit::V2(_))) {
                        cgroup = Some(format!("cgroup v2 {path}"));
                    }
                }
            } else if controllers.split(',').any(|c| c == "memory") {
                let top = root.join("sys/fs/cgroup/memory");
                let dir = top.join(rel);
                // In a container the path may name the host's hierarchy
                // while the mount shows only ours: then our group is the top.
                let dir = if dir.exists() { dir } else { top.clone() };
                for d in ancestors(&top, &dir) {
                    if d.join("memory.limit_in_bytes").exists() {
                        limits.push(Limit::V1(d));
                    }
                }
                cgroup = Some(format!("cgroup v1 {path}"));
            }
        }
        Ok(SystemMemory {
            root: root.to_owned(),
            limits,
            pressure,
            cgroup,
        })
    }

    /// The cgroups read, nearest first, for messages and tests.
    pub fn cgroup_dirs(&self) -> Vec<&Path> {
        self.limits
            .iter()
            .map(|l| match l {
                Limit::V2(p) | Limit::V1(p) => p.as_path(),
            })
            .collect()
    }
}

/// `dir` and its parents up to `top`, nearest first.
fn ancestors(top: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut d = dir.to_owned();
    loop {
        out.push(d.clone());
        if d == top || !d.starts_with(top) {
            break;
        }
        if !d.pop() {
            break;
        }
    }
    out
}

impl MemorySource for SystemMemory {
    fn sample(&mut self) -> io::Result<MemorySample> {
        let (total, mem_available) = meminfo(&self.root)?;
        let mut best = MemorySample {
            available: mem_available,
            limit: total,
            stall_us: None,
        };
        for limit in &self.limits {
            // A cgroup that vanished or cannot be read limits nothing.
            if let Ok(Some((max, used))) = cgroup_figures(limit) {
                if max >= total {
                    continue;
                }
                let left = max.saturating_sub(used);
                if left < best.available {
                    best.available = left;
                    best.limit = max;
                }
            }
        }
        best.stall_us = std::fs::read_to_string(&self.pressure)
            .ok()
            .and_then(|t| psi_some_total(&t));
        Ok(best)
    }

    fn describe(&self) -> String {
        match &self.cgroup {
            Some(c) => format!("MemAvailable and {c}"),
            None => "MemAvailable".into(),
        }
    }
}

/// `MemTotal` and `MemAvailable`, in bytes.
fn meminfo(root: &Path) -> io::Result<(u64, u64)> {
    let text = std::fs::read_to_string(root.join("proc/meminfo"))?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    match (field("MemTotal"), field("MemAvailable")) {
        (Some(t), Some(a)) => Ok((t, a)),
        // Kernels before 3.14 have no MemAvailable: free memory is the
        // closest figure (it leaves out the cache, so it errs safe).
        (Some(t), None) => Ok((t, field("MemFree").unwrap_or(t))),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no MemTotal in /proc/meminfo",
        )),
    }
}

/// A cgroup's limit and the memory it uses that the kernel cannot simply
/// drop (its usage less its inactive file cache, as the kubelet counts a
/// working set). `None`: no limit.
fn cgroup_figures(limit: &Limit) -> io::Result<Option<(u64, u64)>> {
    let read = |dir: &Path, name: &str| std::fs::read_to_string(dir.join(name));
    let (dir, max, used, inactive_key) = match limit {
        Limit::V2(dir) => {
            let max = read(dir, "memory.max")?;
            let max = max.trim();
            if max == "max" {
                return Ok(None);
            }
            (
                dir,
                max.to_owned(),
                read(dir, "memory.current")?,
                "inactive_file",
            )
        }
        Limit::V1(dir) => (
            dir,
            read(dir, "memory.limit_in_bytes")?.trim().to_owned(),
            read(dir, "memory.usage_in_bytes")?,
            "total_inactive_file",
        ),
    };
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    };
    let max = number(&max)?;
    let used = number(&used)?;
    let inactive = read(dir, "memory.stat")
        .ok()
        .and_then(|stat| {
            stat.lines().find_map(|l| {
                let (k, v) = l.split_once(' ')?;
                (k == inactive_key).then(|| v.trim().parse::<u64>().ok())?
            })
        })
        .unwrap_or(0);
    Ok(Some((max, used.saturating_sub(inactive))))
}

/// PSI's `some ... total=N`: microseconds during which some task stalled.
fn psi_some_total(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("some "))?;
    let total = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("total="))?;
    total.parse().ok()
}

/// A source made of files, for tests of whole builds: `DIR/limit` holds
/// the limit in bytes; each file in `DIR/used/` holds the bytes one job
/// uses (a job writes its file when it starts and removes it at its end,
/// so no two jobs write the same file); `DIR/stall_us`, if present, the
/// PSI stall counter.
#[derive(Clone, Debug)]
pub struct Ledger {
    dir: PathBuf,
}

impl Ledger {
    /// The ledger kept in `dir`.
    pub fn new(dir: &Path) -> Ledger {
        Ledger {
            dir: dir.to_owned(),
        }
    }
}

impl MemorySource for Ledger {
    fn sample(&mut self) -> io::Result<MemorySample> {
        let number =
            |p: &Path| -> Option<u64> { std::fs::read_to_string(p).ok()?.trim().parse().ok() };
        let limit = number(&self.dir.join("limit"))
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "the ledger has no limit"))?;
        let mut used = 0u64;
        if let Ok(entries) = std::fs::read_dir(self.dir.join("used")) {
            for e in entries.flatten() {
                // A file being written may read empty: it counts once written.
                used = used.saturating_add(number(&e.path()).unwrap_or(0));
            }
        }
        Ok(MemorySample {
            available: limit.saturating_sub(used),
            limit,
            stall_us: number(&self.dir.join("stall_us")),
        })
    }

    fn describe(&self) -> String {
        format!("the ledger {}", self.dir.display())
    }
}

/// A size as people write it: `1.5G`, `512M`, `300MiB`, `64k`, `1000000`
/// (bytes). Units are powers of 1024.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    if number.is_empty() || number.starts_with('.') && number.len() == 1 {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    let bytes = value * scale as f64;
    (bytes.is_finite() && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// Bytes for people: `1.50 GiB`, `312 MiB`.
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0 as f64;
        if b >= (1u64 << 30) as f64 {
            write!(f, "{:.2} GiB", b / (1u64 << 30) as f64)
        } else {
            write!(f, "{:.0} MiB", b / (1u64 << 20) as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn meminfo_text(total_kb: u64, avail_kb: u64) -> String {
        format!("MemTotal: {total_kb} kB\nMemFree: 1000 kB\nMemAvailable: {avail_kb} kB\n")
    }

    #[test]
    fn no_cgroup_reads_mem_available() {
        let root = tempfile::tempdir().unwrap();
        put(root.path(), "proc/meminfo", &meminfo_text(8 << 20, 6 << 20));
        put(
            root.path(),
            "proc/pressure/memory",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=1234\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=99\n",
        );
        let mut m = SystemMemory::detect(root.path()).unwrap();
        let s = m.sample().unwrap();
        assert_eq!(s.limit, 8 << 30);
        assert_eq!(s.available, 6 << 30);
        assert_eq!(s.stall_us, Some(1234));
        assert_eq!(m.describe(), "MemAvailable");
    }

    #[test]
    fn cgroup_v2_tightest_ancestor_counts() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        put(r, "proc/meminfo", &meminfo_text(16 << 20, 12 << 20));
        put(r, "proc/self/cgroup", "0::/build/job\n");
        put(r, "sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        // The parent allows 6 GiB and uses 2; the group itself has no limit.
        put(
            r,
            "sys/fs/cgroup/build/memory.max",
            &format!("{}\n", 6u64 << 30),
        );
        put(
            r,
            "sys/fs/cgroup/build/memory.current",
            &format!("{}\n", 2u64 << 30),
        );
        put(
            r,
            "sys/fs/cgroup/build/memory.stat",
            "anon 1\ninactive_file 1073741824\n",
        );
        put(r, "sys/fs/cgroup/build/job/memory.max", "max\n");
        put(r, "sys/fs/cgroup/build/job/memory.current", "5\n");
        put(
            r,
            "sys/fs/cgroup/build/job/memory.pressure",
            "some avg10=1.00 avg60=0.00 avg300=0.00 total=777\n",
        );
        let mut m = SystemMemory::detect(r).unwrap();
        let s = m.sample().unwrap();
        assert_eq!(s.limit, 6 << 30);
        // 6 GiB less (2 GiB used less 1 GiB of inactive cache).
        assert_eq!(s.available, 5 << 30);
        assert_eq!(s.stall_us, Some(777));
        assert_eq!(m.describe(), "MemAvailable and cgroup v2 /build/job");
    }

    #[test]
    fn cgroup_v1_limit_and_unlimited() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        put(r, "proc/meminfo", &meminfo_text(16 << 20, 12 << 20));
        put(r, "proc/self/cgroup", "4:memory:/a/b\n3:cpu:/\n0::/\n");
        put(
            r,
            "sys/fs/cgroup/memory/memory.limit_in_bytes",
            "9223372036854771712\n",
        );
        put(r, "sys/fs/cgroup/memory/memory.usage_in_bytes", "100\n");
        put(
            r,
            "sys/fs/cgroup/memory/a/b/memory.limit_in_bytes",
            &format!("{}\n", 1u64 << 30),
        );
        put(
            r,
            "sys/fs/cgroup/memory/a/b/memory.usage_in_bytes",
            &format!("{}\n", 300u64 << 20),
        );
        put(
            r,
            "sys/fs/cgroup/memory/a/b/memory.stat",
            "cache 5\ntotal_inactive_file 104857600\n",
        );
        let mut m = SystemMemory::detect(r).unwrap();
        let s = m.sample().unwrap();
        assert_eq!(s.limit, 1 << 30);
        assert_eq!(s.available, (1 << 30) - (200 << 20));
        // The system's MemAvailable is tighter still: it wins.
        put(r, "proc/meminfo", &meminfo_text(16 << 20, 512 << 10));
        let s = m.sample().unwrap();
        assert_eq!((s.available, s.limit), (512 << 20, 16 << 30));
    }

    #[test]
    fn the_real_system_reads() {
        // Whatever this machine is, the figures are sane.
        if let Ok(mut m) = SystemMemory::detect(Path::new("/")) {
            let s = m.sample().unwrap();
            assert!(s.available <= s.limit && s.limit > 0, "{s:?}");
        }
    }

    #[test]
    fn ledger_sums_jobs() {
        let dir = tempfile::tempdir().unwrap();
        put(dir.path(), "limit", "1000\n");
        put(dir.path(), "used/a", "300\n");
        put(dir.path(), "used/b", "250");
        let s = Ledger::new(dir.path()).sample().unwrap();
        assert_eq!((s.available, s.limit, s.stall_us), (450, 1000, None));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("1.5G"), Some(3 << 29));
        assert_eq!(parse_size("300MiB"), Some(300 << 20));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("0"), Some(0));
        for bad in ["", "G", "1X", "-1G", ".", "1.2.3M"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
        assert_eq!(Bytes(3 << 29).to_string(), "1.50 GiB");
        assert_eq!(Bytes(300 << 20).to_string(), "300 MiB");
    }
}
