//! `--shuffle`: the order in which prerequisites are made, reversed or
//! permuted by a seed, to shake out missing dependencies in parallel builds.

use crate::options::Shuffle;
use crate::rules::Dep;

/// Reorders `deps` as `mode` says. `.WAIT` boundaries are kept: only the
/// prerequisites between two `.WAIT`s are permuted among themselves.
pub fn apply(mode: &Shuffle, target: &[u8], deps: &mut [Dep]) {
    if matches!(mode, Shuffle::None | Shuffle::Random) || deps.len() < 2 {
        return;
    }
    let mut start = 0;
    for i in 1..=deps.len() {
        if i == deps.len() || deps[i].wait_before {
            shuffle_run(mode, target, &mut deps[start..i]);
            start = i;
        }
    }
}

fn shuffle_run(mode: &Shuffle, target: &[u8], run: &mut [Dep]) {
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
            .map(|file| Dep {
                file,
                order_only: false,
                wait_before: false,
            })
            .collect()
    }

    #[test]
    fn reverse_and_seed() {
        let mut d = deps(3);
        apply(&Shuffle::Reverse, b"t", &mut d);
        assert_eq!(d.iter().map(|d| d.file).collect::<Vec<_>>(), vec![2, 1, 0]);
        let mut a = deps(10);
        let mut b = deps(10);
        apply(&Shuffle::Seed(42), b"t", &mut a);
        apply(&Shuffle::Seed(42), b"t", &mut b);
        assert_eq!(a, b);
        assert_ne!(a, deps(10));
    }

    #[test]
    fn wait_is_a_barrier() {
        let mut d = deps(4);
        d[2].wait_before = true;
        apply(&Shuffle::Reverse, b"t", &mut d);
        assert_eq!(
            d.iter().map(|d| d.file).collect::<Vec<_>>(),
            vec![1, 0, 3, 2]
        );
    }
}
