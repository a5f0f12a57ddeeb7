//! The reader's rule lines, read into the database through `eval_text`.

use std::rc::Rc;

use crate::eval::Evaluator;
use crate::options::Options;

fn evaluator() -> Evaluator {
    Evaluator::new(Rc::new(Options::default()), b"/nonexistent".to_vec())
}

fn read(text: &str) -> Evaluator {
    let mut ev = evaluator();
    super::eval_text(&mut ev, text.as_bytes())
        .unwrap_or_else(|e| panic!("{text:?} reads, not {:?}", e.message));
    ev
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The prerequisites of `target`'s single-colon rule, with `|` before the
/// order-only ones.
fn prerequisites(ev: &Evaluator, target: &str) -> String {
    let id = ev
        .db
        .lookup(target.as_bytes())
        .unwrap_or_else(|| panic!("no file {target:?}"));
    let file = ev.db.file(id);
    assert!(file.is_target, "{target:?} is a target");
    let mut out = Vec::new();
    let mut order_only = false;
    for dep in &file.rule.deps {
        if dep.order_only && !order_only {
            out.push("|".to_string());
            order_only = true;
        }
        out.push(show(ev.db.file(dep.file()).name));
    }
    out.join(" ")
}

#[test]
fn rule_lines_give_their_targets_prerequisites() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("a b: c d", &[("a", "c d"), ("b", "c d")]),
        ("a: b | c", &[("a", "b | c")]),
        // GNU splits at the `|` even inside a word.
        ("a: b|c", &[("a", "b | c")]),
        ("a: b\na: c", &[("a", "b c")]),
        ("./a: ./b .//c", &[("a", "b c")]),
        ("x\\ y: z", &[("x y", "z")]),
        ("a\\:b: c", &[("a:b", "c")]),
        ("lib.a(m1 m2): x", &[("lib.a(m1)", "x"), ("lib.a(m2)", "x")]),
        ("V = b c\na: $(V)", &[("a", "b c")]),
        // A variable that expands to a whole rule.
        ("R = a: b\n$(R) c", &[("a", "b c")]),
        ("a.o b.o: %.o: %.c", &[("a.o", "a.c"), ("b.o", "b.c")]),
        // A colon from a reference in the targets: the line is read anew,
        // here as a static pattern rule.
        ("S = a.o: %.o\n$(S): %.c", &[("a.o", "a.c")]),
        ("a: ; echo b: c", &[("a", "")]),
        ("a: b # c: d", &[("a", "b")]),
    ];
    for &(text, expected) in cases {
        let ev = read(text);
        for &(target, deps) in expected {
            assert_eq!(prerequisites(&ev, target), deps, "{text:?}, {target:?}");
        }
    }
}

#[test]
fn pattern_rules_keep_their_patterns() {
    // (text, targets, prerequisites (joined with `,`), order-only, terminal)
    type Case = (&'static str, &'static str, &'static str, &'static str, bool);
    let cases: &[Case] = &[
        ("%.o: %.c | d", "%.o", "%.c", "d", false),
        ("%.x %.y:: %.z", "%.x %.y", "%.z", "", true),
        ("%.o: ./%.c", "%.o", "%.c", "", false),
        // Under the second expansion a reference stays one word.
        (
            ".SECONDEXPANSION:\n%.o: $$(sort %.c b) x",
            "%.o",
            "$(sort %.c b),x",
            "",
            false,
        ),
    ];
    for &(text, targets, deps, order_only, terminal) in cases {
        let ev = read(text);
        let rules: Vec<_> = ev.db.pattern_rules.iter().filter(|r| !r.builtin).collect();
        assert_eq!(rules.len(), 1, "{text:?}");
        let rule = rules[0];
        let join = |list: &[Vec<u8>], sep: &str| {
            list.iter().map(|w| show(w)).collect::<Vec<_>>().join(sep)
        };
        let target_texts: Vec<Vec<u8>> = rule.targets.iter().map(|p| p.text.clone()).collect();
        assert_eq!(join(&target_texts, " "), targets, "{text:?}");
        assert_eq!(join(&rule.deps, ","), deps, "{text:?}");
        assert_eq!(join(&rule.order_only, " "), order_only, "{text:?}");
        assert_eq!(rule.terminal, terminal, "{text:?}");
    }
}

#[test]
fn target_variables_are_set_for_their_targets() {
    // (text, target, variable, value)
    let cases: &[(&str, &str, &str, &str)] = &[
        ("t: V = 1", "t", "V", "1"),
        // The value runs to the end of the line, a `;` included.
        ("t: V = a ; b", "t", "V", "a ; b"),
        ("t: override V := x", "t", "V", "x"),
        ("a b: V = 2", "b", "V", "2"),
        ("N = W\nt: $(N) = 3", "t", "W", "3"),
    ];
    for &(text, target, name, value) in cases {
        let mut ev = read(text);
        let id = ev.db.lookup(target.as_bytes()).expect("the target");
        let set = ev.db.vars_of(id);
        let set = set.borrow();
        let var = set.get(name.as_bytes());
        let got = var.map(|v| show(&v.value));
        assert_eq!(got.as_deref(), Some(value), "{text:?}");
    }
    let ev = read("%.o: V = p");
    let found = ev.db.pattern_vars.iter().any(|(p, set)| {
        p.text == b"%.o" && set.borrow().get(b"V").is_some_and(|v| v.value == b"p")
    });
    assert!(found, "the pattern-specific V");
}

#[test]
fn bad_rule_lines_say_why() {
    let cases: &[(&str, &str)] = &[
        ("a: b: c", "target pattern contains no '%'"),
        ("a: : c", "missing target pattern"),
        ("a: b% c%: d", "multiple target patterns"),
        ("%.o a: b", "mixed implicit and normal rules"),
        ("%.o: %.o: %.c", "mixed implicit and static pattern rules"),
        ("a: b\na:: c", "target file 'a' has both : and :: entries"),
        ("a:: b\na: c", "target file 'a' has both : and :: entries"),
        ("foo", "missing separator"),
        (
            "        foo",
            "missing separator (did you mean TAB instead of 8 spaces?)",
        ),
        ("\tfoo", "recipe commences before first target"),
    ];
    for &(text, message) in cases {
        let mut ev = evaluator();
        let error = super::eval_text(&mut ev, text.as_bytes()).err();
        let got = error.map(|e| e.message);
        assert_eq!(got.as_deref(), Some(message), "{text:?}");
    }
}

#[test]
fn rule_lines_record_recipes_groups_and_the_default_goal() {
    let ev = read("a: ; echo $@\n\techo two");
    let id = ev.db.lookup(b"a").expect("a");
    let recipe = ev.db.file(id).rule.recipe.as_ref().expect("a recipe");
    let lines: Vec<String> = recipe.lines.iter().map(|l| show(&l.text)).collect();
    assert_eq!(lines, ["echo $@", "echo two"]);

    let ev = read("x y &: z\n\ttouch x y");
    let x = ev.db.lookup(b"x").expect("x");
    let y = ev.db.lookup(b"y").expect("y");
    let group = ev.db.file(y).rule.group().expect("a group");
    assert_eq!(**group, [x, y]);

    let ev = read(".PHONY: p\n.x: y\nz: p");
    let z = ev.db.lookup(b"z").expect("z");
    assert_eq!(ev.db.first_target, Some(z));
    assert_eq!(ev.global_value(b".DEFAULT_GOAL"), Some(&b"z"[..]));
    let p = ev.db.lookup(b"p").expect("p");
    assert!(ev.db.file(p).phony);
}
