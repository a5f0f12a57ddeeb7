//! Wiring of the pure text and file-name functions (in `text` and `names`)
//! into the evaluator: argument unpacking and error wording.

use super::FuncId;
use crate::diag::Result;
use crate::eval::Evaluator;

/// Calls a pure text function; `None` when `func` is not one.
pub fn dispatch_text(func: FuncId, a: &[Vec<u8>], out: &mut Vec<u8>) -> Option<std::result::Result<(), String>> {
    let _ = (func, a, out);
    None
}

/// Calls a file-name function; `None` when `func` is not one.
pub fn dispatch_names(ev: &mut Evaluator, func: FuncId, a: &[Vec<u8>], out: &mut Vec<u8>) -> Option<Result<()>> {
    let _ = (ev, func, a, out);
    None
}

/// `$(var:from=to)`: patsubst with `%` added when `from` has none.
pub fn subst_ref(value: &[u8], from: &[u8], to: &[u8], out: &mut Vec<u8>) {
    let (from, to) = if crate::pattern::find_percent(from).1.is_some() {
        (from.to_vec(), to.to_vec())
    } else {
        ([b"%", from].concat(), [b"%", to].concat())
    };
    let from = crate::pattern::PercentPattern::new(&from);
    let to = crate::pattern::PercentPattern::new(&to);
    let mut first = true;
    for w in crate::words::words(value) {
        if !first {
            out.push(b' ');
        }
        first = false;
        match from.match_stem(w) {
            Some(stem) => to.substitute(stem, out),
            None => out.extend_from_slice(w),
        }
    }
}
