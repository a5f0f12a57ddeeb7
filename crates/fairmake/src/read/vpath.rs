//! The `vpath` directive: the directories searched for the files whose
//! names match a pattern.

use crate::diag::Result;
use crate::eval::Evaluator;
use crate::pattern::PercentPattern;
use crate::rules::Vpath;
use crate::words;

/// `vpath`, `vpath PATTERN`, `vpath PATTERN DIRS`.
pub fn vpath(ev: &mut Evaluator, args: &[u8]) -> Result<()> {
    let args = ev.expand_text(args)?;
    let mut it = words::words(&args);
    let Some(pattern) = it.next() else {
        ev.db.vpaths.clear();
        return Ok(());
    };
    let pattern = PercentPattern::new(pattern);
    let dirs: Vec<Vec<u8>> = it
        .flat_map(|w| w.split(|&b| b == b':'))
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut d = d.to_vec();
            while d.len() > 1 && d.last() == Some(&b'/') {
                d.pop();
            }
            d
        })
        .collect();
    if dirs.is_empty() {
        ev.db.vpaths.retain(|v| v.pattern != pattern);
    } else {
        ev.db.vpaths.push(Vpath { pattern, dirs });
    }
    Ok(())
}
