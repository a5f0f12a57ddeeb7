//! The processes below this one: adopting orphans and listing children.
//!
//! Owns what healing needs to know about the process tree. A token taken
//! by a process can come back only while that process, or a descendant
//! that runs on its slot, lives: when a sub-make is killed, its jobs run
//! on as orphans on the tokens it held. Marked as a *child subreaper*
//! (Linux `PR_SET_CHILD_SUBREAPER`), this process becomes the parent of
//! every orphan below it, instead of init, so it can see them, wait for
//! them, and tell them from its own children.

use std::io;

/// Makes orphaned descendants this process's children (Linux). The caller
/// must then reap children it did not start (`waitpid(-1, ...)`).
pub fn adopt_orphans() -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "no child subreaper on this system",
        ))
    }
}

/// Whether this process is a child subreaper.
pub fn adopts_orphans() -> bool {
    #[cfg(target_os = "linux")]
    {
        let mut on: libc::c_int = 0;
        // SAFETY: PR_GET_CHILD_SUBREAPER writes one int through the pointer.
        let r = unsafe { libc::prctl(libc::PR_GET_CHILD_SUBREAPER, &mut on as *mut libc::c_int) };
        r == 0 && on != 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// The pids of this process's live (or not yet reaped) children, from
/// every thread's `/proc/self/task/TID/children` (Linux).
pub fn children() -> io::Result<Vec<i32>> {
    let mut pids = Vec::new();
    for task in std::fs::read_dir("/proc/self/task")? {
        let path = task?.path().join("children");
        let text = std::fs::read_to_string(path)?;
        pids.extend(
            text.split_ascii_whitespace()
                .filter_map(|p| p.parse::<i32>().ok()),
        );
    }
    Ok(pids)
}

/// When process `pid` started, in clock ticks since boot (`/proc/PID/stat`).
pub fn started_at(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ppid ..." — comm may hold blanks: count after ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    // Field 22 overall is the 20th after the command name.
    rest.split_ascii_whitespace().nth(19)?.parse().ok()
}

/// Now, on the clock of [`started_at`]: clock ticks since boot. Read
/// before a fork, it is at most the start time of the child and of every
/// process below it; read after a spawn returns, it can be later than
/// theirs (the child may run, and start others, before the caller does).
pub fn now_ticks() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    ts.tv_sec as u64 * hz + ts.tv_nsec as u64 * hz / 1_000_000_000
}

/// The children of process `pid` (all its threads'), from `/proc`.
fn children_of(pid: i32) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut pids = Vec::new();
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            pids.extend(
                text.split_ascii_whitespace()
                    .filter_map(|p| p.parse::<i32>().ok()),
            );
        }
    }
    pids
}

/// Whether `pid` or a descendant of it has open the file whose `(st_dev,
/// st_ino)` is `id` (Linux). A process whose descriptors cannot be read is
/// taken to have it open.
pub(crate) fn open_below(pid: i32, id: (u64, u64)) -> bool {
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        // Descriptors first, then children: a child forked after this look
        // can only inherit what its parent had open at that moment.
        match has_open(p, id) {
            Some(false) => {}
            Some(true) => return true,
            None => {
                if std::path::Path::new(&format!("/proc/{p}")).exists() {
                    return true;
                }
            }
        }
        todo.extend(children_of(p));
    }
    false
}

/// Whether process `pid` has `id` open; `None` if its descriptors cannot
/// be read (gone, or not ours).
fn has_open(pid: i32, id: (u64, u64)) -> Option<bool> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    for entry in dir.flatten() {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata(entry.path()) {
            if (meta.dev(), meta.ino()) == id {
                return Some(true);
            }
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times_are_on_one_clock() {
        let before = now_ticks();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        let started = started_at(child.id() as i32);
        let after = now_ticks();
        let _ = child.kill();
        let _ = child.wait();
        let started = started.expect("/proc/PID/stat");
        assert!(
            before <= started + 1 && started <= after + 1,
            "{before} {started} {after}"
        );
    }

    #[test]
    fn a_spawned_child_is_listed() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        let pid = child.id() as i32;
        let listed = children().expect("/proc/self/task/*/children");
        let _ = child.kill();
        let _ = child.wait();
        assert!(listed.contains(&pid), "{pid} not in {listed:?}");
    }
}
