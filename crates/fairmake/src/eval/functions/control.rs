//! Dispatch of every built-in function, and the functions that reach into the
//! evaluator: if, or, and, foreach, let, call, value, eval, origin, flavor,
//! shell, error, warning, info, file, intcmp.

use std::io::Write;

use super::{expands_args, max_args, min_args, name, FuncId};
use crate::diag::{self, Result};
use crate::eval::bindings::Frame;
use crate::eval::vars::{Flavor, VarKey};
use crate::eval::{Evaluator, Expansion};
use crate::words::{self, trim, trim_start};

/// Calls `func` with its argument trees, appending the result to `out`.
pub fn call(ev: &mut Evaluator, func: FuncId, args: &[Expansion], out: &mut Vec<u8>) -> Result<()> {
    let too_few = |ev: &Evaluator| {
        ev.fatal_in_value(format!(
            "insufficient number of arguments ({}) to function '{}'",
            args.len(),
            name(func)
        ))
    };
    if !expands_args(func) {
        if args.len() < min_args(func) {
            return Err(too_few(ev));
        }
        return call_lazy(ev, func, args, out);
    }
    // GNU expands the arguments before it counts them: an error inside
    // one comes first.
    let mut values = Vec::with_capacity(args.len());
    for arg in args {
        values.push(ev.expand_to_vec(arg)?);
    }
    if args.len() < min_args(func) {
        return Err(too_few(ev));
    }
    call_expanded(ev, func, &values, out)
}

/// Calls a function whose arguments are already expanded (also used by `$(call)`
/// on a built-in's name).
pub fn call_expanded(
    ev: &mut Evaluator,
    func: FuncId,
    a: &[Vec<u8>],
    out: &mut Vec<u8>,
) -> Result<()> {
    let arg = |i: usize| a.get(i).map(Vec::as_slice).unwrap_or(b"");
    if let Some(result) = super::pure::dispatch_text(func, a, out) {
        return result.map_err(|e| ev.fatal_in_value(e));
    }
    if let Some(result) = super::pure::dispatch_names(ev, func, a, out) {
        return result;
    }
    match func {
        FuncId::Call => call_variable(ev, a, out),
        // $(value), $(origin), $(flavor) take the name as written: GNU
        // does not strip it (`$(flavor x )` is undefined).
        FuncId::Value => {
            let name = arg(0);
            ev.with_var(name, |v| {
                if let Some(v) = v {
                    out.extend_from_slice(&v.value);
                }
            });
            Ok(())
        }
        FuncId::Eval => ev.eval_text(arg(0)),
        FuncId::Origin => {
            let name = arg(0);
            let origin = ev.with_var(name, |v| v.map(|v| v.origin.name()));
            out.extend_from_slice(origin.unwrap_or("undefined").as_bytes());
            Ok(())
        }
        FuncId::Flavor => {
            let name = arg(0);
            let flavor = ev.with_var(name, |v| match v.map(|v| v.flavor) {
                None => "undefined",
                Some(Flavor::Recursive) => "recursive",
                Some(Flavor::Simple) => "simple",
            });
            out.extend_from_slice(flavor.as_bytes());
            Ok(())
        }
        FuncId::Shell => {
            let (output, _) = ev.run_shell(arg(0), false)?;
            out.extend_from_slice(&output);
            Ok(())
        }
        FuncId::Error => Err(ev.fatal(String::from_utf8_lossy(arg(0)).into_owned())),
        FuncId::Warning => {
            diag::warn(ev.loc.as_ref(), diag::show(arg(0)));
            Ok(())
        }
        FuncId::Info => {
            diag::say_deferred_directory();
            let mut stdout = std::io::stdout().lock();
            let written = stdout
                .write_all(arg(0))
                .and_then(|()| stdout.write_all(b"\n"))
                .and_then(|()| stdout.flush());
            if written.is_err() {
                // Said at exit (`write error: stdout`, status 1), as GNU's
                // buffered stdout does; a closed pipe is SIGPIPE's business
                // (fatal at once, or caught and acted on by the runner).
                diag::note_stdout_failed();
            }
            Ok(())
        }
        FuncId::File => file(ev, arg(0), a.get(1).map(Vec::as_slice), out),
        _ => Err(ev.fatal(format!("function '{}' is not implemented", name(func)))),
    }
}

/// Functions that expand their own arguments: if, or, and, foreach, let, intcmp.
fn call_lazy(
    ev: &mut Evaluator,
    func: FuncId,
    args: &[Expansion],
    out: &mut Vec<u8>,
) -> Result<()> {
    match func {
        FuncId::If => {
            let cond = ev.expand_to_vec(&args[0])?;
            if !cond.is_empty() {
                ev.expand(&args[1], out)
            } else if let Some(other) = args.get(2) {
                ev.expand(other, out)
            } else {
                Ok(())
            }
        }
        FuncId::Or => {
            for arg in args {
                let value = ev.expand_to_vec(arg)?;
                if !value.is_empty() {
                    out.extend_from_slice(&value);
                    return Ok(());
                }
            }
            Ok(())
        }
        FuncId::And => {
            let mut last = Vec::new();
            for arg in args {
                last = ev.expand_to_vec(arg)?;
                if last.is_empty() {
                    return Ok(());
                }
            }
            out.extend_from_slice(&last);
            Ok(())
        }
        FuncId::Foreach => foreach(ev, args, out),
        FuncId::Let => let_(ev, args, out),
        FuncId::Intcmp => intcmp(ev, args, out),
        _ => unreachable!("every lazy function is handled above"),
    }
}

/// Binds `name` for the function whose variables `frame` collects.
fn bind(ev: &mut Evaluator, frame: &mut Frame, name: &[u8], value: &[u8]) {
    ev.bindings.bind(frame, name, value);
}

fn foreach(ev: &mut Evaluator, args: &[Expansion], out: &mut Vec<u8>) -> Result<()> {
    let var = ev.expand_to_vec(&args[0])?;
    let var = trim(&var).to_vec();
    let list = ev.expand_to_vec(&args[1])?;
    let mut frame = Frame::new();
    let mut first = true;
    let mut result = Ok(());
    // Results are joined by one space each, empty ones included.
    for word in words::words(&list) {
        bind(ev, &mut frame, &var, word);
        if !first {
            out.push(b' ');
        }
        first = false;
        if let Err(e) = ev.expand(&args[2], out) {
            result = Err(e);
            break;
        }
    }
    ev.bindings.unbind(frame);
    result
}

fn let_(ev: &mut Evaluator, args: &[Expansion], out: &mut Vec<u8>) -> Result<()> {
    let names = ev.expand_to_vec(&args[0])?;
    let names: Vec<Vec<u8>> = words::words(&names).map(<[u8]>::to_vec).collect();
    let list = ev.expand_to_vec(&args[1])?;
    let mut frame = Frame::new();
    let mut rest: &[u8] = &list;
    for (i, name) in names.iter().enumerate() {
        if i + 1 == names.len() {
            // The last name takes the rest, trailing whitespace included.
            let start = rest.iter().position(|&b| !words::is_space(b));
            bind(ev, &mut frame, name, &rest[start.unwrap_or(rest.len())..]);
        } else {
            let mut it = words::words(rest);
            let word = it.next().unwrap_or(b"");
            bind(ev, &mut frame, name, word);
            rest = match word.is_empty() {
                true => b"",
                false => {
                    let end = word.as_ptr() as usize - rest.as_ptr() as usize + word.len();
                    &rest[end..]
                }
            };
        }
    }
    let result = ev.expand(&args[2], out);
    ev.bindings.unbind(frame);
    result
}

thread_local! {
    /// How many `$(1)..$(n)` the innermost `$(call)` bound, so that a nested
    /// call with fewer arguments masks the outer ones.
    static CALL_DEPTH_ARGS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn call_variable(ev: &mut Evaluator, a: &[Vec<u8>], out: &mut Vec<u8>) -> Result<()> {
    let fname = trim(&a[0]).to_vec();
    if let Some(builtin) = super::lookup(&fname) {
        let rest: Vec<Vec<u8>> = a[1..].to_vec();
        if rest.len() < min_args(builtin) {
            // Found while parsing the call, as GNU reports it.
            return Err(ev.fatal_in_value(format!(
                "insufficient number of arguments ({}) to function '{}'",
                rest.len(),
                name(builtin)
            )));
        }
        // A built-in called with no arguments at all does nothing, not
        // even `info`'s empty line or `words`' 0 (GNU 4.4.1).
        if rest.is_empty() {
            return Ok(());
        }
        // GNU 4.4 passes the function the arguments it takes and drops
        // the others (4.3 joined them into the last one).
        let max = max_args(builtin);
        let mut rest = rest;
        if max != 0 {
            rest.truncate(max);
        }
        if !expands_args(builtin) {
            // A function that expands its own arguments expands the call's
            // (already expanded) values once more, as written in a call.
            let args: Vec<Expansion> = rest
                .iter()
                .enumerate()
                .map(|(i, a)| crate::eval::expand::parse_function_arg(builtin, i, a))
                .collect();
            return call_lazy(ev, builtin, &args, out);
        }
        return call_expanded(ev, builtin, &rest, out);
    }
    let body = ev.with_var_keyed(&fname, |v| {
        v.map(|(key, v)| match v.flavor {
            Flavor::Simple => Err(v.value.clone()),
            Flavor::Recursive => {
                let exp = v.compiled();
                let key = key.unwrap_or_else(|| VarKey::of_value(&exp));
                Ok((exp, key, v.loc.clone()))
            }
        })
    });
    let Some(body) = body else {
        if !fname.is_empty() {
            // What a reference to the undefined variable would say.
            ev.expand_var(&fname, out)?;
        }
        return Ok(());
    };
    if crate::stack::nearly_exhausted() {
        // A call that calls itself without end: GNU dies of SIGSEGV here.
        return Err(ev.fatal(format!(
            "Recursion too deep in call to '{}'",
            diag::show(&fname)
        )));
    }
    let outer = CALL_DEPTH_ARGS.with(|c| c.get());
    let mut frame = Frame::new();
    bind(ev, &mut frame, b"0", &fname);
    let nargs = a.len() - 1;
    for i in 1..=nargs.max(outer) {
        let value = a.get(i).map(Vec::as_slice).unwrap_or(b"");
        bind(ev, &mut frame, i.to_string().as_bytes(), value);
    }
    CALL_DEPTH_ARGS.with(|c| c.set(nargs));
    let result = match body {
        Err(text) => {
            out.extend_from_slice(&text);
            Ok(())
        }
        Ok((exp, key, loc)) => ev.expand_unguarded(&fname, &exp, key, loc, out),
    };
    CALL_DEPTH_ARGS.with(|c| c.set(outer));
    ev.bindings.unbind(frame);
    result
}

/// `$(file)`. A malformed call is reported, as GNU does, at the definition
/// of the variable it is in (see `Evaluator::fatal_in_value`); a failure to
/// open the file, where make is.
fn file(ev: &mut Evaluator, spec: &[u8], text: Option<&[u8]>, out: &mut Vec<u8>) -> Result<()> {
    if ev.invocation.sandboxed {
        return Ok(());
    }
    use std::os::unix::ffi::OsStrExt;
    // (An unknown operation is shown with the blanks after it, as GNU
    // shows it.)
    let spec = trim_start(spec);
    let (mode, path) = if let Some(p) = spec.strip_prefix(b">>") {
        (">>", p)
    } else if let Some(p) = spec.strip_prefix(b">") {
        (">", p)
    } else if let Some(p) = spec.strip_prefix(b"<") {
        ("<", p)
    } else {
        return Err(ev.fatal_in_value(format!(
            "file: invalid file operation: {}",
            diag::show(spec)
        )));
    };
    // GNU 4.4 names the file by the first word after the operation and
    // ignores the rest (4.3 took all of it).
    let path = trim_start(path);
    let path = &path[..path
        .iter()
        .position(|&b| words::is_space(b))
        .unwrap_or(path.len())];
    if path.is_empty() {
        return Err(ev.fatal_in_value("file: missing filename"));
    }
    let os_path = std::ffi::OsStr::from_bytes(path);
    match mode {
        "<" => {
            if text.is_some() {
                return Err(ev.fatal_in_value("file: too many arguments"));
            }
            // GNU says which step failed: `open:` or `read:`.
            let mut data = Vec::new();
            let read = match std::fs::File::open(os_path) {
                Ok(mut f) => std::io::Read::read_to_end(&mut f, &mut data).map_err(|e| ("read", e)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => Err(("open", e)),
            };
            if let Err((step, e)) = read {
                return Err(ev.fatal(format!(
                    "{step}: {}: {}",
                    diag::show(path),
                    crate::diag::io_error_text(&e)
                )));
            }
            if data.last() == Some(&b'\n') {
                data.pop();
            }
            out.extend_from_slice(&data);
            Ok(())
        }
        _ => {
            // A file may appear: directory listings read so far are old.
            ev.fs.outside_change();
            let mut opts = std::fs::OpenOptions::new();
            opts.create(true);
            if mode == ">>" {
                opts.append(true);
            } else {
                opts.write(true).truncate(true);
            }
            let result = opts.open(os_path).and_then(|mut f| match text {
                Some(t) => {
                    f.write_all(t)?;
                    if t.last() != Some(&b'\n') {
                        f.write_all(b"\n")?;
                    }
                    Ok(())
                }
                None => Ok(()),
            });
            ev.fs.invalidate(path);
            result.map_err(|e| {
                ev.fatal(format!(
                    "open: {}: {}",
                    diag::show(path),
                    crate::diag::io_error_text(&e)
                ))
            })
        }
    }
}

/// An integer of any size: its sign and its digits without leading zeros
/// (zero has no sign), so that comparing needs no arithmetic.
#[derive(PartialEq, Eq)]
struct BigInt {
    negative: bool,
    digits: Vec<u8>,
}

impl BigInt {
    fn cmp(&self, other: &BigInt) -> std::cmp::Ordering {
        let magnitude = self
            .digits
            .len()
            .cmp(&other.digits.len())
            .then_with(|| self.digits.cmp(&other.digits));
        match (self.negative, other.negative) {
            (false, false) => magnitude,
            (true, true) => magnitude.reverse(),
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
        }
    }

    fn text(&self) -> Vec<u8> {
        let mut t = Vec::with_capacity(self.digits.len() + 1);
        if self.negative {
            t.push(b'-');
        }
        if self.digits.is_empty() {
            t.push(b'0');
        }
        t.extend_from_slice(&self.digits);
        t
    }
}

fn parse_int(ev: &Evaluator, text: &[u8], which: &str) -> Result<BigInt> {
    let t = trim(text);
    if t.is_empty() {
        return Err(ev.fatal_in_value(format!(
            "non-numeric {which} argument to 'intcmp' function: empty value"
        )));
    }
    let (negative, body) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, t),
    };
    if body.is_empty() || !body.iter().all(u8::is_ascii_digit) {
        return Err(ev.fatal_in_value(format!(
            "non-numeric {which} argument to 'intcmp' function: '{}'",
            // Quoted as expanded, blanks included.
            diag::show(text)
        )));
    }
    let start = body.iter().position(|&b| b != b'0').unwrap_or(body.len());
    let digits = body[start..].to_vec();
    Ok(BigInt {
        negative: negative && !digits.is_empty(),
        digits,
    })
}

fn intcmp(ev: &mut Evaluator, args: &[Expansion], out: &mut Vec<u8>) -> Result<()> {
    let lhs_text = ev.expand_to_vec(&args[0])?;
    let rhs_text = ev.expand_to_vec(&args[1])?;
    let lhs = parse_int(ev, &lhs_text, "first")?;
    let rhs = parse_int(ev, &rhs_text, "second")?;
    let ordering = lhs.cmp(&rhs);
    if args.len() == 2 {
        if ordering.is_eq() {
            out.extend_from_slice(&lhs.text());
        }
        return Ok(());
    }
    use std::cmp::Ordering::*;
    // Missing parts: eq-part defaults to empty; gt-part defaults to eq-part.
    let part = match ordering {
        Less => args.get(2),
        Equal => args.get(3),
        Greater => args.get(4).or(args.get(3)),
    };
    match part {
        Some(p) => ev.expand(p, out),
        None => Ok(()),
    }
}
