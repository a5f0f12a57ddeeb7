//! Following the shared trace as the sub-makes append to it: what jobs
//! they start and finish, for the top-level make's progress line. Each
//! event is one line written in one `write`, so a line read whole is an
//! event whole; a partial last line waits for the next read.

use std::fs::File;
use std::io::Read;

use serde_json::Value;

/// What a sub-make said, as far as progress goes.
#[derive(Debug, PartialEq)]
pub enum Seen {
    /// A make's track: its pid and directory.
    Make {
        pid: u64,
        dir: String,
    },
    Started {
        pid: u64,
        tid: u64,
        target: String,
        recursive: bool,
    },
    Finished {
        pid: u64,
        tid: u64,
        recursive: bool,
    },
}

/// A reader of the trace from where it last stopped.
pub struct Follow {
    file: File,
    /// The start of a line not yet ended.
    partial: Vec<u8>,
    /// Events of this make are known to it already.
    own_pid: u64,
}

impl Follow {
    pub fn open(path: &[u8], own_pid: u32) -> Option<Follow> {
        use std::os::unix::ffi::OsStrExt;
        let file = File::open(std::ffi::OsStr::from_bytes(path)).ok()?;
        Some(Follow {
            file,
            partial: Vec::new(),
            own_pid: u64::from(own_pid),
        })
    }

    /// The events written since the last call.
    pub fn poll(&mut self) -> Vec<Seen> {
        let mut data = std::mem::take(&mut self.partial);
        let _ = self.file.read_to_end(&mut data);
        let complete = data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.partial = data.split_off(complete);
        data.split(|&b| b == b'\n')
            .filter_map(|line| self.parse(line))
            .collect()
    }

    fn parse(&self, line: &[u8]) -> Option<Seen> {
        let line = line.strip_suffix(b",").unwrap_or(line);
        // Cheap checks first: most lines are counters and this make's own.
        if line.len() < 8 || line[0] != b'{' {
            return None;
        }
        let e: Value = serde_json::from_slice(line).ok()?;
        let pid = e["pid"].as_u64()?;
        if pid == self.own_pid {
            return None;
        }
        let tid = e["tid"].as_u64().unwrap_or(0);
        match (e["ph"].as_str()?, e["cat"].as_str()) {
            ("M", _) if e["name"] == "process_name" => {
                let name = e["args"]["name"].as_str()?;
                let dir = name.split_once(' ').map_or(name, |(_, d)| d);
                Some(Seen::Make {
                    pid,
                    dir: dir.to_string(),
                })
            }
            ("i", Some("start")) => Some(Seen::Started {
                pid,
                tid,
                target: e["name"].as_str().unwrap_or("?").to_string(),
                recursive: e["args"]["recursive"].as_bool().unwrap_or(false),
            }),
            ("X", Some("job")) => Some(Seen::Finished {
                pid,
                tid,
                recursive: e["args"]["recursive"].as_bool().unwrap_or(false),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_whole_lines_only_and_skips_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        let mut w = std::fs::File::create(&path).unwrap();
        let mut f = Follow::open(path.to_str().unwrap().as_bytes(), 1).unwrap();
        writeln!(w, "[").unwrap();
        writeln!(
            w,
            r#"{{"ph":"i","cat":"start","name":"own","pid":1,"tid":1,"ts":0}},"#
        )
        .unwrap();
        write!(
            w,
            r#"{{"ph":"i","cat":"start","name":"a.o","pid":2,"tid":3,"ts":0,"#
        )
        .unwrap();
        assert_eq!(f.poll(), vec![]);
        writeln!(w, r#""args":{{"recursive":false}}}},"#).unwrap();
        assert_eq!(
            f.poll(),
            vec![Seen::Started {
                pid: 2,
                tid: 3,
                target: "a.o".into(),
                recursive: false
            }]
        );
    }
}
