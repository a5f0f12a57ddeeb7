//! Modification times with nanosecond resolution.

/// Nanoseconds since the epoch.
pub type Mtime = i128;

/// The modification time of `path`, following symlinks; `None` if it does not exist.
pub fn of(path: &[u8]) -> Option<Mtime> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(std::ffi::OsStr::from_bytes(path)).ok()?;
    Some(meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128)
}

/// The modification time through the run's stat cache.
pub fn cached(fs: &mut crate::fscache::FsCache, path: &[u8]) -> Option<Mtime> {
    fs.mtime(path)
        .map(|m| m.secs as i128 * 1_000_000_000 + m.nanos as i128)
}
