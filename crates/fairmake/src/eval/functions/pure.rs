//! Wiring of the pure text and file-name functions (in `text` and `names`)
//! into the evaluator: argument unpacking and error wording.

use super::{names, text, FuncId};
use crate::diag::Result;
use crate::eval::Evaluator;

/// Calls a pure text function; `None` when `func` is not one.
pub fn dispatch_text(
    func: FuncId,
    a: &[Vec<u8>],
    out: &mut Vec<u8>,
) -> Option<std::result::Result<(), String>> {
    let arg = |i: usize| a.get(i).map(Vec::as_slice).unwrap_or(b"");
    let message = |e: text::FunctionError| String::from_utf8_lossy(e.message()).into_owned();
    match func {
        FuncId::Word => return Some(text::word(arg(0), arg(1), out).map_err(message)),
        FuncId::Wordlist => {
            return Some(text::wordlist(arg(0), arg(1), arg(2), out).map_err(message))
        }
        FuncId::Subst => text::subst(arg(0), arg(1), arg(2), out),
        FuncId::Patsubst => text::patsubst(arg(0), arg(1), arg(2), out),
        FuncId::Strip => text::strip(arg(0), out),
        FuncId::Findstring => text::findstring(arg(0), arg(1), out),
        FuncId::Filter => text::filter(arg(0), arg(1), out),
        FuncId::FilterOut => text::filter_out(arg(0), arg(1), out),
        FuncId::Sort => text::sort(arg(0), out),
        FuncId::Words => text::words_count(arg(0), out),
        FuncId::Firstword => text::firstword(arg(0), out),
        FuncId::Lastword => text::lastword(arg(0), out),
        FuncId::Join => text::join(arg(0), arg(1), out),
        _ => return None,
    }
    Some(Ok(()))
}

/// Calls a file-name function; `None` when `func` is not one.
pub fn dispatch_names(
    ev: &mut Evaluator,
    func: FuncId,
    a: &[Vec<u8>],
    out: &mut Vec<u8>,
) -> Option<Result<()>> {
    let arg = |i: usize| a.get(i).map(Vec::as_slice).unwrap_or(b"");
    match func {
        FuncId::Dir => names::dir(arg(0), out),
        FuncId::Notdir => names::notdir(arg(0), out),
        FuncId::Suffix => names::suffix(arg(0), out),
        FuncId::Basename => names::basename(arg(0), out),
        FuncId::Addsuffix => names::addsuffix(arg(0), arg(1), out),
        FuncId::Addprefix => names::addprefix(arg(0), arg(1), out),
        FuncId::Abspath => names::abspath(&ev.invocation.cwd, arg(0), out),
        FuncId::Realpath => names::realpath(&ev.invocation.cwd, arg(0), out),
        FuncId::Wildcard => {
            // HOME is expanded once for the call, if a pattern needs it.
            let needs = crate::glob::glob_words(arg(0)).any(crate::glob::needs_home);
            let home = match needs.then(|| ev.home_variable()) {
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(home)) => Some(home),
                None => None,
            };
            names::wildcard(arg(0), &mut ev.fs, home.as_deref(), out)
        }
        _ => return None,
    }
    Some(Ok(()))
}

/// `$(var:from=to)`, applied to the variable's expanded value.
pub fn subst_ref(value: &[u8], from: &[u8], to: &[u8], out: &mut Vec<u8>) {
    text::substitution_ref(from, to, value, out);
}
