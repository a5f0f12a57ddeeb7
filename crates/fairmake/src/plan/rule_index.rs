//! An index of the pattern rules' target patterns by suffix, so that the
//! implicit-rule search tries only the patterns that can match a name.
//!
//! A search (and every link of a chain) used to test each target pattern of
//! each rule against the name: with the ~90 built-in rules, a no-op build
//! of 6 000 objects spent 60 % of its instructions there. A pattern
//! `PREFIX%SUFFIX` can only match a name that ends in `SUFFIX`, so the
//! patterns are grouped by suffix and a name looks up each of its own
//! suffixes of the lengths that occur (a handful).

use rustc_hash::FxHashMap;

use crate::rules::PatternRule;

/// Target patterns `(rule, target)` grouped by what a name must end with.
#[derive(Debug, Default)]
pub struct RuleIndex {
    /// Patterns with a non-empty suffix, by that suffix.
    by_suffix: FxHashMap<Box<[u8]>, Vec<(usize, usize)>>,
    /// The distinct lengths of those suffixes, shortest first.
    suffix_lens: Vec<usize>,
    /// Other patterns of rules that are not match-anything only: `PREFIX%`,
    /// and the `%` of a rule with other targets.
    unsuffixed: Vec<(usize, usize)>,
    /// Rules whose one target is `%`: terminal ones, and the others, which
    /// a more specific match or a chain rules out.
    pub anything_terminal: Vec<usize>,
    pub anything_other: Vec<usize>,
    /// Per rule: no prerequisite pattern has a wildcard, so each names one
    /// file (when second expansion is off).
    pub plain: Vec<bool>,
    /// Per rule: one of its targets is `%`, which makes the whole rule a
    /// match-anything rule (`%.o %:` as much as `%:`), as in GNU make.
    pub match_anything: Vec<bool>,
    /// How many rules were indexed. During planning rules are only ever
    /// added (an `$(eval)` in a second expansion or a recipe), so a
    /// different count means the index is stale.
    rule_count: usize,
}

impl RuleIndex {
    pub fn new(rules: &[PatternRule]) -> RuleIndex {
        let mut index = RuleIndex {
            rule_count: rules.len(),
            ..RuleIndex::default()
        };
        index.plain = rules
            .iter()
            .map(|r| {
                r.deps
                    .iter()
                    .chain(&r.order_only)
                    .all(|p| !crate::glob::has_magic(p))
            })
            .collect();
        index.match_anything = rules
            .iter()
            .map(|r| r.targets.iter().any(|t| t.text == b"%"))
            .collect();
        for (ri, rule) in rules.iter().enumerate() {
            if let [only] = rule.targets.as_slice() {
                if only.text == b"%" {
                    match rule.terminal {
                        true => index.anything_terminal.push(ri),
                        false => index.anything_other.push(ri),
                    }
                    continue;
                }
            }
            for (ti, pat) in rule.targets.iter().enumerate() {
                let suffix = pat.suffix();
                if pat.percent.is_none() || suffix.is_empty() {
                    index.unsuffixed.push((ri, ti));
                } else {
                    index
                        .by_suffix
                        .entry(suffix.into())
                        .or_default()
                        .push((ri, ti));
                }
            }
        }
        index.suffix_lens = index.by_suffix.keys().map(|s| s.len()).collect();
        index.suffix_lens.sort_unstable();
        index.suffix_lens.dedup();
        index
    }

    /// Whether this index was built for `rules` (see `rule_count`).
    pub fn is_for(&self, rules: &[PatternRule]) -> bool {
        self.rule_count == rules.len()
    }

    /// The target patterns of rules that are not match-anything only that
    /// may match `name` (a superset: each must still be matched), in rule
    /// order and, within a rule, target order.
    pub fn may_match(&self, name: &[u8], out: &mut Vec<(usize, usize)>) {
        out.clear();
        out.extend_from_slice(&self.unsuffixed);
        for &len in &self.suffix_lens {
            if len > name.len() {
                break;
            }
            if let Some(found) = self.by_suffix.get(&name[name.len() - len..]) {
                out.extend_from_slice(found);
            }
        }
        out.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::PercentPattern;

    fn rule(targets: &[&str], terminal: bool) -> PatternRule {
        PatternRule {
            targets: targets
                .iter()
                .map(|t| PercentPattern::new(t.as_bytes()))
                .collect(),
            deps: Vec::new(),
            order_only: Vec::new(),
            recipe: None,
            terminal,
            builtin: false,
        }
    }

    #[test]
    fn a_name_finds_the_patterns_of_its_suffixes_and_the_unsuffixed_ones() {
        let rules = [
            rule(&["%.o"], false),
            rule(&["lib%.a"], false),
            rule(&["s.%"], false),
            rule(&["%"], true),
            rule(&["%"], false),
            rule(&["%.tab.c", "%.tab.h"], false),
            rule(&["%.c"], false),
        ];
        let index = RuleIndex::new(&rules);
        let mut out = Vec::new();
        index.may_match(b"dir/x.tab.c", &mut out);
        assert_eq!(out, [(2, 0), (5, 0), (6, 0)]);
        index.may_match(b"foo.o", &mut out);
        assert_eq!(out, [(0, 0), (2, 0)]);
        index.may_match(b"c", &mut out);
        assert_eq!(out, [(2, 0)]);
        assert_eq!(index.anything_terminal, [3]);
        assert_eq!(index.anything_other, [4]);
        assert!(index.is_for(&rules));
        assert!(!index.is_for(&rules[..3]));
    }
}
