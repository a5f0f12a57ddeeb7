//! Running commands: the shell (`$(SHELL) $(.SHELLFLAGS)`) or, for lines
//! with no shell syntax, the program directly; and `$(shell ...)`.

use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};

use crate::diag::Result;
use crate::eval::Evaluator;

/// Characters that need a shell, but for the quoting [`plain_words`] undoes
/// itself (a `'` pair, a `\` before a character).
const SHELL_SPECIAL: &[u8] = b"#;\"*?[]&|<>(){}$`^~!'\\\n";

/// The first words that make a line go to the shell: the shell keywords
/// and builtins GNU make knows for a Bourne shell. It runs the others as
/// programs, even where a shell would not (`source`, `fi`, `local`, `pwd`,
/// `kill`, `time`: `make: source: No such file or directory`); so does
/// fairmake, to give the same results and messages. A keyword counts
/// quoted too (`'cd' /`), but `{`, `}`, `!`, `[` and `[[` are not here:
/// unquoted they are shell syntax already, and quoted (`'{'`, `\!`, or the
/// first word of a SHELL `{ x`, which make's line quotes) GNU 4.4.1 runs
/// them as programs.
const SHELL_WORDS: &[&[u8]] = &[
    b".",
    b":",
    b"break",
    b"case",
    b"cd",
    b"continue",
    b"eval",
    b"exec",
    b"exit",
    b"export",
    b"for",
    b"if",
    b"login",
    b"logout",
    b"read",
    b"readonly",
    b"set",
    b"shift",
    b"test",
    b"times",
    b"trap",
    b"ulimit",
    b"umask",
    b"unset",
    b"wait",
    b"while",
    b"alias",
    b"bg",
    b"command",
    b"fc",
    b"fg",
    b"getopts",
    b"hash",
    b"jobs",
    b"type",
    b"unalias",
    b"return",
];

/// How a command is run: the program and its argv (`argv[0]` as written).
pub enum Invocation {
    /// The command's own words, for a direct exec (make's "fast path").
    Direct(Vec<Vec<u8>>),
    /// The shell, or what SHELL names, with the command as an argument.
    Shell(Vec<Vec<u8>>),
}

impl Invocation {
    pub fn argv(&self) -> &[Vec<u8>] {
        match self {
            Invocation::Direct(argv) | Invocation::Shell(argv) => argv,
        }
    }

    /// The program as a message names it: `argv[0]` as written.
    pub fn program(&self) -> &[u8] {
        self.argv().first().map_or(&[][..], Vec::as_slice)
    }
}

/// Who runs the command: a recipe line, a `.ONESHELL` recipe (or
/// `$(shell)`/`!=` once `.ONESHELL:` is read), or `$(shell)`/`!=`. They
/// differ in how SHELL is taken and in what a bare newline is (only a
/// `.ONESHELL` recipe or `$(shell)` can have one).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Caller {
    Recipe,
    OneShell,
    Function,
}

/// The default shell, and the flags with which make runs a simple command
/// without it (observed of GNU 4.4.1: `-ec` too, which .POSIX gives).
const DEFAULT_SHELL: &[u8] = b"/bin/sh";
const FAST_FLAGS: &[&[u8]] = &[b"-c", b"-ec"];

/// Decides how to run `command` with the given SHELL and .SHELLFLAGS, as
/// GNU make does:
/// - the default shell with `-c` or `-ec`: a command with no shell syntax
///   is run directly, any other by `/bin/sh FLAGS COMMAND`;
/// - a `.ONESHELL` recipe: SHELL is one program name, never split, and
///   the words of .SHELLFLAGS and the command follow it;
/// - else make writes the line `SHELL FLAGS COMMAND` (SHELL's shell syntax
///   and the whole command quoted with backslashes) and splits it as a
///   simple command: its words are the argv, the first word the program
///   (`SHELL := x bar` runs `x`, and an empty SHELL the first flag); a
///   line with other shell syntax left (in .SHELLFLAGS) goes to
///   `/bin/sh -c LINE`.
pub fn invocation(command: &[u8], shell: &[u8], shell_flags: &[u8], caller: Caller) -> Invocation {
    if shell == DEFAULT_SHELL && FAST_FLAGS.contains(&shell_flags) {
        let newline_is_word = caller == Caller::Function;
        return match simple_command(command, newline_is_word) {
            Some(argv) => Invocation::Direct(argv),
            None => Invocation::Shell(vec![shell.to_vec(), shell_flags.to_vec(), command.to_vec()]),
        };
    }
    if caller == Caller::OneShell {
        let mut argv = vec![shell.to_vec()];
        argv.extend(split_quoted(shell_flags));
        argv.push(command.to_vec());
        return Invocation::Shell(argv);
    }
    let mut line = quote_shell(shell);
    line.push(b' ');
    line.extend_from_slice(shell_flags);
    line.push(b' ');
    line.extend(quote_command(command));
    match simple_command(&line, true) {
        Some(argv) if !argv.is_empty() => Invocation::Shell(argv),
        _ => Invocation::Shell(vec![DEFAULT_SHELL.to_vec(), b"-c".to_vec(), line]),
    }
}

/// The words of a simple command ([`plain_words`]) whose first word is
/// neither a shell keyword or builtin make knows nor an assignment
/// (`NAME=value cmd` is one for the shell); `None` for anything else.
fn simple_command(text: &[u8], newline_is_word: bool) -> Option<Vec<Vec<u8>>> {
    let argv = plain_words(text, newline_is_word)?;
    match argv.first() {
        Some(first) if SHELL_WORDS.contains(&first.as_slice()) || first_word_assigns(text) => None,
        _ => Some(argv),
    }
}

/// Whether the first word of `text` has an `=` outside quotes: only that
/// makes an assignment for the shell; `'X=1' cmd` and `X\=1 cmd` run a
/// program named `X=1` (GNU 4.4.1 too).
fn first_word_assigns(text: &[u8]) -> bool {
    let start = text.iter().position(|&b| !matches!(b, b' ' | b'\t'));
    let mut rest = &text[start.unwrap_or(text.len())..];
    while let Some((&b, after)) = rest.split_first() {
        rest = after;
        match b {
            b' ' | b'\t' => return false,
            b'=' => return true,
            b'\\' => rest = rest.get(1..).unwrap_or_default(),
            b'\'' => match memchr::memchr(b'\'', rest) {
                Some(end) => rest = &rest[end + 1..],
                None => return false,
            },
            _ => {}
        }
    }
    false
}

/// SHELL as make writes it into a line it splits again: its shell syntax
/// quoted, so that it counts as itself; blanks, single quotes and
/// backslashes are left to the splitting (`SHELL = /bin/sh '-e'` passes
/// `-e`).
fn quote_shell(shell: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(shell.len() + 8);
    for &b in shell {
        if SHELL_SPECIAL.contains(&b) && !matches!(b, b'\\' | b'\'' | b'\n') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// The command as make writes it into that line: every blank and every
/// character of shell syntax quoted with a backslash, so that it is one
/// word, the command exactly as written. A newline after a backslash is
/// left bare (a word character to the splitting: the backslash-newline
/// reaches the shell); another newline is quoted, which deletes it.
fn quote_command(command: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(command.len() * 2);
    let mut after_backslash = false;
    for &b in command {
        match b {
            b'\n' if after_backslash => out.push(b),
            b' ' | b'\t' => out.extend_from_slice(&[b'\\', b]),
            _ if SHELL_SPECIAL.contains(&b) => out.extend_from_slice(&[b'\\', b]),
            _ => out.push(b),
        }
        after_backslash = b == b'\\';
    }
    out
}

/// The words of `command` as the shell would split them, when it has no
/// shell syntax but blanks and the quoting GNU also undoes itself: single
/// quotes, a backslash before a character, and line continuations (a
/// backslash-newline, which the shell deletes: Kbuild continues its
/// `$(MAKE) -f ... \` lines so, for every directory). `None` when it has
/// any other (double quotes included, as in GNU). A bare newline is shell
/// syntax in a recipe but a word character in `$(shell)` and in the line
/// make writes for a SHELL of several words (`newline_is_word`), as GNU
/// splits them.
fn plain_words(command: &[u8], newline_is_word: bool) -> Option<Vec<Vec<u8>>> {
    let mut words = Vec::new();
    // The word being read; `Some` once anything (even `''`) began it.
    let mut word: Option<Vec<u8>> = None;
    let mut rest = command;
    while let Some((&b, after)) = rest.split_first() {
        rest = after;
        match b {
            // Only these separate words, for the shell and for GNU: a `\r`
            // or `\v` is part of a word.
            b' ' | b'\t' => words.extend(word.take()),
            b'\\' => {
                // A backslash that ends the command quotes nothing: GNU
                // (4.4.1, 4.3) drops it and runs the words before it
                // itself, where the shell would keep it (`echo a \`).
                let Some((&quoted, after)) = rest.split_first() else {
                    break;
                };
                rest = after;
                if quoted != b'\n' {
                    word.get_or_insert_with(Vec::new).push(quoted);
                }
            }
            b'\'' => {
                let end = memchr::memchr(b'\'', rest)?;
                word.get_or_insert_with(Vec::new)
                    .extend_from_slice(&rest[..end]);
                rest = &rest[end + 1..];
            }
            b'\n' if newline_is_word => word.get_or_insert_with(Vec::new).push(b),
            _ if SHELL_SPECIAL.contains(&b) => return None,
            _ => word.get_or_insert_with(Vec::new).push(b),
        }
    }
    words.extend(word);
    Some(words)
}

/// The program to run for an invocation and its argv (`argv[0]` as
/// written; `None` for an empty argv). `path` is the child's PATH: a bare
/// program name is looked up in it here, as execvp would, so that the
/// program can be started by its path (std forks the whole make when it
/// has to search PATH itself); one not found stays bare.
pub fn program_and_argv(inv: &Invocation, path: Option<&[u8]>) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let argv = inv.argv();
    let first = argv.first()?;
    let program = match path {
        Some(path) if !first.contains(&b'/') => {
            lookup_program(path, first).unwrap_or_else(|| first.clone())
        }
        _ => first.clone(),
    };
    Some((program, argv.to_vec()))
}

/// A `Command` running `program` with `argv` (`argv[0]` as given).
pub fn command(program: &[u8], argv: &[Vec<u8>]) -> Command {
    let mut cmd = Command::new(std::ffi::OsStr::from_bytes(program));
    super::signals::keep_sigpipe_ignored(&mut cmd);
    if let Some((first, rest)) = argv.split_first() {
        use std::os::unix::process::CommandExt;
        cmd.arg0(std::ffi::OsStr::from_bytes(first));
        cmd.args(rest.iter().map(|a| std::ffi::OsStr::from_bytes(a)));
    }
    cmd
}

/// Splits `.SHELLFLAGS` into words as a shell would: blanks separate,
/// `'…'`, `"…"` and `\` quote.
fn split_quoted(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut word: Option<Vec<u8>> = None;
    let mut quote = None;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        match (quote, c) {
            (None, b' ' | b'\t' | b'\n') => out.extend(word.take()),
            (None, b'\'' | b'"') => {
                quote = Some(c);
                word.get_or_insert_with(Vec::new);
            }
            (None | Some(b'"'), b'\\') if i < text.len() => {
                word.get_or_insert_with(Vec::new).push(text[i]);
                i += 1;
            }
            (Some(q), _) if c == q => quote = None,
            _ => word.get_or_insert_with(Vec::new).push(c),
        }
    }
    out.extend(word);
    out
}

/// Programs found on PATH: (PATH, name) → full path, or None.
type ProgramCache = rustc_hash::FxHashMap<(Vec<u8>, Vec<u8>), Option<Vec<u8>>>;

thread_local! {
    static PROGRAMS: std::cell::RefCell<ProgramCache> =
        Default::default();
}

/// The first executable `name` in the directories of `path`, as execvp finds it.
fn lookup_program(path: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    let key = (path.to_vec(), name.to_vec());
    if let Some(found) = PROGRAMS.with(|p| p.borrow().get(&key).cloned()) {
        return found;
    }
    let found = path.split(|&b| b == b':').find_map(|dir| {
        let dir: &[u8] = if dir.is_empty() { b"." } else { dir };
        let candidate = [dir, b"/", name].concat();
        let os = std::ffi::OsStr::from_bytes(&candidate);
        // (An embedded NUL is an error, as CString::new's was.)
        let executable = rustix::fs::access(os, rustix::fs::Access::EXEC_OK).is_ok();
        let is_file =
            std::fs::metadata(std::ffi::OsStr::from_bytes(&candidate)).is_ok_and(|m| m.is_file());
        (executable && is_file).then_some(candidate)
    });
    PROGRAMS.with(|p| p.borrow_mut().insert(key, found.clone()));
    found
}

/// The value of `SHELL` and `.SHELLFLAGS` in the current scope, as they
/// are: an empty one is not replaced by a default (GNU runs `-c` when a
/// makefile empties SHELL, and no flags when it empties .SHELLFLAGS).
pub fn shell_and_flags(ev: &mut Evaluator) -> Result<(Vec<u8>, Vec<u8>)> {
    let mut shell = Vec::new();
    ev.expand_consulted_var_placed(b"SHELL", &mut shell)?;
    let mut flags = Vec::new();
    ev.expand_consulted_var(b".SHELLFLAGS", &mut flags)?;
    Ok((shell, flags))
}

/// `.SHELLSTATUS` is defined where the `$(shell)` was expanded: in a
/// target's context (its recipe, a `TARGET: VAR := $(shell ...)`), in that
/// target's own variables, which other targets do not see (GNU 4.4.1).
fn set_shell_status(ev: &mut Evaluator, status: i32) {
    use crate::eval::vars::{Flavor, Origin, Var};
    let value = status.to_string().into_bytes();
    match ev.scope.iter().find(|e| !e.inherited) {
        Some(own) => {
            let var = Var::new(value, Flavor::Simple, Origin::Override);
            own.set.borrow_mut().insert(b".SHELLSTATUS", var);
        }
        None => ev.set_global(b".SHELLSTATUS", &value, Flavor::Simple, Origin::Override),
    }
}

/// `$(shell COMMAND)` and `!=`: runs the command, returns its output with the
/// trailing newlines removed and other newlines turned into spaces, and sets
/// `.SHELLSTATUS`.
///
/// `$(shell)` drops every trailing newline; `!=` (`assignment`) only the
/// last one, the others becoming spaces as GNU does.
pub fn run_function(
    ev: &mut Evaluator,
    command: &[u8],
    assignment: bool,
) -> Result<(Vec<u8>, i32)> {
    if ev.invocation.sandboxed {
        return Ok((Vec::new(), 0));
    }
    let (shell, flags) = shell_and_flags(ev)?;
    let env = crate::exec::env::shell_environment(ev)?;
    // Simple commands are run directly, as recipes are (GNU 4.4); once
    // `.ONESHELL:` is read, SHELL is one program here too, as in GNU.
    let caller = if ev.db.oneshell {
        Caller::OneShell
    } else {
        Caller::Function
    };
    let inv = invocation(command, &shell, &flags, caller);
    let path = env
        .iter()
        .find(|(k, _)| k == b"PATH")
        .map(|(_, v)| v.as_slice());
    let Some((program, argv)) = program_and_argv(&inv, path) else {
        return Ok((Vec::new(), 0));
    };
    let mut cmd = self::command(&program, &argv);
    // A shell is about to run: under -w a deferred `Entering directory`
    // is due now, even under -q (GNU 4.4.1 and 4.3).
    crate::diag::say_deferred_directory();
    cmd.env_clear();
    for (k, v) in &env {
        cmd.env(
            std::ffi::OsStr::from_bytes(k),
            std::ffi::OsStr::from_bytes(v),
        );
    }
    cmd.stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let ran = if program.is_empty() {
        // An empty SHELL under .ONESHELL: make's PATH search finds only
        // directories, as for a recipe (GNU 4.4.1: `make: : Permission
        // denied`).
        Err(std::io::Error::from_raw_os_error(libc::EACCES))
    } else {
        cmd.output()
    };
    // The command may have made or removed files.
    ev.fs.outside_change();
    let (mut output, status) = match ran {
        Ok(out) => {
            use std::os::unix::process::ExitStatusExt;
            let code = match out.status.code() {
                Some(c) => c,
                None => 128 + out.status.signal().unwrap_or(0),
            };
            (out.stdout, code)
        }
        Err(e) => {
            // Make's own words, with no makefile location (GNU 4.4.1).
            let text = crate::diag::io_error_text(&e);
            let program = crate::diag::show(inv.program());
            crate::diag::warn(None, format_args!("{program}: {text}"));
            (Vec::new(), 127)
        }
    };
    set_shell_status(ev, status);
    while output.last() == Some(&b'\n') {
        output.pop();
        if output.last() == Some(&b'\r') {
            output.pop();
        }
        if assignment {
            break;
        }
    }
    for b in output.iter_mut() {
        if *b == b'\n' {
            *b = b' ';
        }
    }
    Ok((output, status))
}

/// Whether `shell` names a Bourne-compatible shell (by its file name), one
/// that `.ONESHELL` recipes may be given with their prefixes removed.
pub fn is_bourne_compatible(shell: &[u8]) -> bool {
    // The whole value names the shell: `/bin/sh -e` or `sh ` (a trailing
    // blank) is another program to GNU 4.4.1, as are mksh and posh.
    let name = shell.rsplit(|&b| b == b'/').next().unwrap_or(shell);
    matches!(
        name,
        b"sh" | b"bash" | b"dash" | b"ash" | b"ksh" | b"rksh" | b"zsh"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The argv of a direct exec, or `None` when `command` takes the shell.
    fn direct(command: &str) -> Option<Vec<String>> {
        match invocation(command.as_bytes(), b"/bin/sh", b"-c", Caller::Recipe) {
            Invocation::Direct(argv) => Some(
                argv.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect(),
            ),
            Invocation::Shell(_) => None,
        }
    }

    #[test]
    fn line_continuations_outside_quotes_need_no_shell() {
        let kbuild = "make -f ../scripts/Makefile.build obj=init \\\nneed-builtin=1 \\\nneed-modorder=1 \\\n";
        assert_eq!(
            direct(kbuild),
            Some(vec![
                "make".into(),
                "-f".into(),
                "../scripts/Makefile.build".into(),
                "obj=init".into(),
                "need-builtin=1".into(),
                "need-modorder=1".into(),
            ])
        );
        // The shell deletes a continuation: the word goes on.
        assert_eq!(
            direct("cc -o joi\\\nned"),
            Some(vec!["cc".into(), "-o".into(), "joined".into()])
        );
        // What a continuation joins is checked as a whole.
        assert_eq!(direct("ex\\\nport A=1"), None);
        assert_eq!(direct("A=\\\n1 cc"), None);
    }

    #[test]
    fn single_quotes_and_backslashes_are_undone_as_the_shell_does() {
        let words = |v: &[&str]| Some(v.iter().map(|w| w.to_string()).collect::<Vec<_>>());
        assert_eq!(direct("./args 'a b' c"), words(&["./args", "a b", "c"]));
        assert_eq!(direct("./args a'b'c ''"), words(&["./args", "abc", ""]));
        assert_eq!(
            direct("./args 'a\"b;|*$x' '~' '#'"),
            words(&["./args", "a\"b;|*$x", "~", "#"])
        );
        assert_eq!(
            direct("./args a\\ b \\; \\'"),
            words(&["./args", "a b", ";", "'"])
        );
        // Within single quotes a backslash is a backslash, a newline a newline.
        assert_eq!(direct("./args 'a\\\nb'"), words(&["./args", "a\\\nb"]));
        assert_eq!(direct("./args a\rb\x0bc"), words(&["./args", "a\rb\x0bc"]));
        // An escaped backslash, then a newline that ends the command.
        assert_eq!(direct("echo a\\\\\nb"), None);
        // A lone backslash ending the command is dropped, as GNU drops it
        // when it runs the command itself.
        assert_eq!(direct("echo a \\"), words(&["echo", "a"]));
    }

    #[test]
    fn other_shell_syntax_takes_the_shell() {
        for command in [
            "echo a\nb",
            "echo \"a b\"",
            "echo 'unterminated",
            "echo ~/x",
            "echo a; echo b",
            "'if' x",
            "A='1 2' cc",
        ] {
            assert_eq!(direct(command), None, "{command:?}");
        }
    }

    /// Random lines of the quoting `plain_words` undoes: the words it
    /// makes are the ones `/bin/sh` makes of the same text.
    #[test]
    fn plain_words_split_as_the_shell_splits() {
        const PIECES: &[&str] = &[
            "a",
            "b-c",
            "x=y",
            "'a b'",
            "'a\"b'",
            "'*'",
            "''",
            "'a;b'",
            "'\\'",
            "'~#'",
            "'a\\\n\tb'",
            "\\ ",
            "\\;",
            "\\'",
            "\\\\",
            "\\a",
            "\\$",
            "\\\"",
            "\\\n",
            " \\\n\t",
            " ",
            "  ",
            "\t",
            "\r",
            "\x0b",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut compared = 0;
        for _ in 0..300 {
            let mut text = String::from("printf '%s\\0' X ");
            for _ in 0..1 + next(8) {
                text.push_str(PIECES[next(PIECES.len())]);
            }
            let Some(ours) = plain_words(text.as_bytes(), false) else {
                continue;
            };
            let out = Command::new("/bin/sh")
                .arg("-c")
                .arg(&text)
                .output()
                .expect("run /bin/sh");
            let mut theirs: Vec<Vec<u8>> =
                out.stdout.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
            theirs.pop();
            assert_eq!(ours[2..], theirs[..], "{text:?}");
            compared += 1;
        }
        assert!(
            compared > 200,
            "only {compared} lines had no other shell syntax"
        );
    }

    fn argv(inv: Invocation) -> Vec<String> {
        inv.argv()
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }

    #[test]
    fn only_the_default_shell_with_c_or_ec_is_skipped() {
        let cmd = b"cc \\\n-c x.c";
        let shell = |sh: &[u8], flags: &[u8]| argv(invocation(cmd, sh, flags, Caller::Recipe));
        assert_eq!(
            shell(b"/bin/bash", b"-c"),
            ["/bin/bash", "-c", "cc \\\n-c x.c"]
        );
        assert_eq!(
            shell(b"/bin/sh", b"-xc"),
            ["/bin/sh", "-xc", "cc \\\n-c x.c"]
        );
        assert!(matches!(
            invocation(cmd, b"/bin/sh", b"-ec", Caller::Recipe),
            Invocation::Direct(_)
        ));
    }

    #[test]
    fn a_shell_of_several_words_is_split_the_command_kept_whole() {
        let run = |sh: &str, flags: &str, cmd: &str| {
            argv(invocation(
                cmd.as_bytes(),
                sh.as_bytes(),
                flags.as_bytes(),
                Caller::Recipe,
            ))
        };
        assert_eq!(run("x bar", "-c", "echo hi"), ["x", "bar", "-c", "echo hi"]);
        assert_eq!(
            run(
                "/bin/sh '-e' *;~",
                "-e\\ f  -c",
                "echo \"a  b\" 'c' $x \\\n d"
            ),
            [
                "/bin/sh",
                "-e",
                "*;~",
                "-e f",
                "-c",
                "echo \"a  b\" 'c' $x \\\n d"
            ]
        );
        // An empty SHELL: the first flag is the program; no flags: none.
        assert_eq!(run("", "-ec", "echo hi"), ["-ec", "echo hi"]);
        assert_eq!(run("/bin/sh", "", "echo hi"), ["/bin/sh", "echo hi"]);
        // Shell syntax in the flags, or a keyword first: /bin/sh splits.
        assert_eq!(
            run("/bin/sh", "\"-e\" -c", "echo a;b"),
            ["/bin/sh", "-c", "/bin/sh \"-e\" -c echo\\ a\\;b"]
        );
        assert_eq!(run("cd", "-c", "x"), ["/bin/sh", "-c", "cd -c x"]);
    }

    #[test]
    fn a_oneshell_shell_is_one_program() {
        let inv = invocation(
            b"echo a\necho b",
            b"/bin/sh -e",
            b"-e 'x y' -c",
            Caller::OneShell,
        );
        assert_eq!(
            argv(inv),
            ["/bin/sh -e", "-e", "x y", "-c", "echo a\necho b"]
        );
    }

    #[test]
    fn a_bare_newline_is_a_word_character_in_the_shell_function() {
        let inv = invocation(b"echo a\necho b", b"/bin/sh", b"-c", Caller::Function);
        assert_eq!(argv(inv), ["echo", "a\necho", "b"]);
        let inv = invocation(b"echo a\necho b", b"/bin/sh -e", b"-c", Caller::Function);
        assert_eq!(argv(inv), ["/bin/sh", "-e", "-c", "echo aecho b"]);
    }
}
