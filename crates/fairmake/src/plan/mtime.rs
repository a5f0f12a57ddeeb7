//! Modification times with nanosecond resolution.

/// Nanoseconds since the epoch.
pub type Mtime = i128;

/// Whether `a` is newer than `b`. An archive member's time has whole
/// seconds only: compared with one (`coarse`), only whole seconds count, so
/// a file written in the same second as the member is not newer (nor is
/// the archive that holds it), as in GNU make.
pub fn newer(a: Mtime, b: Mtime, coarse: bool) -> bool {
    const SECOND: Mtime = 1_000_000_000;
    if coarse {
        a.div_euclid(SECOND) > b.div_euclid(SECOND)
    } else {
        a > b
    }
}

/// The modification time of `path`, following symlinks; `None` if it does not exist.
pub fn of(path: &[u8]) -> Option<Mtime> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(std::ffi::OsStr::from_bytes(path)).ok()?;
    Some(meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128)
}

/// The modification time as the file system says now, except that a file
/// absent from a current listing of its directory is not asked about
/// ([`crate::fscache::FsCache::stat_fresh`]).
pub fn fresh(fs: &mut crate::fscache::FsCache, path: &[u8]) -> Option<Mtime> {
    fs.stat_fresh(path)
        .map(|s| s.mtime.secs as i128 * 1_000_000_000 + s.mtime.nanos as i128)
}

/// `-L`: the newest of the times of the symlinks leading to the file and of
/// the file itself; a dangling symlink has its own time.
pub fn newest_of_links(path: &[u8]) -> Option<Mtime> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let mut current = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(path));
    let mut newest = of(path);
    for _ in 0..40 {
        let Ok(meta) = std::fs::symlink_metadata(&current) else {
            break;
        };
        let time = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
        newest = Some(newest.map_or(time, |n| n.max(time)));
        if !meta.file_type().is_symlink() {
            break;
        }
        let Ok(target) = std::fs::read_link(&current) else {
            break;
        };
        current = match current.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    newest
}
