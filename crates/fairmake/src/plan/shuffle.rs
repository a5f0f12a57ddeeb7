//! `--shuffle`: the order in which prerequisites are made, reversed or
//! permuted by a seed, to shake out missing dependencies in parallel builds.

use crate::options::Shuffle;
#[cfg(test)]
use crate::rules::Dep;

/// Whether `mode` changes any order at all.
pub fn reorders(mode: &Shuffle) -> bool {
    !matches!(mode, Shuffle::None | Shuffle::Random)
}

/// Reorders `items` as `mode` says. A list with `.WAIT` in it (an item
/// for which `wait` holds) is kept as written (GNU manual, "Options
/// Summary").
pub fn apply<T>(mode: &Shuffle, target: &[u8], items: &mut [T], wait: impl Fn(&T) -> bool) {
    if !reorders(mode) || items.len() < 2 || items.iter().any(wait) {
        return;
    }
    shuffle_run(mode, target, items);
}

fn shuffle_run<T>(mode: &Shuffle, target: &[u8], run: &mut [T]) {
    match mode {
        Shuffle::Reverse => run.reverse(),
        Shuffle::Seed(seed) => {
            // Each target gets its own stream from the seed, so one target's
            // order does not depend on how many others were shuffled before it.
            let mut state = seed ^ fnv1a(target) ^ 0x9e37_79b9_7f4a_7c15;
            for i in (1..run.len()).rev() {
                state = splitmix(state);
                let j = (state % (i as u64 + 1)) as usize;
                run.swap(i, j);
            }
        }
        Shuffle::None | Shuffle::Random => {}
    }
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(n: usize) -> Vec<Dep> {
        (0..n)
            .map(|file| Dep::new(crate::rules::FileId::from_index(file), false, false))
            .collect()
    }

    #[test]
    fn reverse_and_seed() {
        let mut d = deps(3);
        apply(&Shuffle::Reverse, b"t", &mut d, |d| d.wait_before);
        assert_eq!(
            d.iter().map(|d| d.file().index()).collect::<Vec<_>>(),
            vec![2, 1, 0]
        );
        let mut a = deps(10);
        let mut b = deps(10);
        apply(&Shuffle::Seed(42), b"t", &mut a, |d| d.wait_before);
        apply(&Shuffle::Seed(42), b"t", &mut b, |d| d.wait_before);
        assert_eq!(a, b);
        assert_ne!(a, deps(10));
    }

    #[test]
    fn wait_keeps_the_list() {
        let mut d = deps(4);
        d[2].wait_before = true;
        apply(&Shuffle::Reverse, b"t", &mut d, |d| d.wait_before);
        assert_eq!(
            d.iter().map(|d| d.file().index()).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
    }
}
