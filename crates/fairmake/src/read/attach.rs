//! The recipe read after a rule line, given to the line's targets: the
//! warnings about overriding an old recipe, the notes about the targets
//! said then, and the prerequisites of the rule with the recipe first.

use std::rc::Rc;

use super::record::{Added, RecipeTarget};
use super::RuleContext;
use crate::diag;
use crate::eval::Evaluator;
use crate::rules::{Recipe, Rule};

/// Gives the recipe collected after a rule line to its targets.
pub fn attach_recipe(ev: &mut Evaluator, ctx: &RuleContext, recipe: Option<Rc<Recipe>>) {
    let loc = &ctx.loc;
    let Some(recipe) = recipe else {
        say_notes(ctx, |_| true);
        return;
    };
    for (i, target) in ctx.targets.iter().enumerate() {
        say_notes(ctx, |n| n == i);
        match *target {
            RecipeTarget::Pattern(i) => ev.db.pattern_rules[i].recipe = Some(recipe.clone()),
            RecipeTarget::Double(id, n) => {
                ev.db.file_mut(id).double_colon_mut()[n].recipe = Some(recipe.clone())
            }
            RecipeTarget::Single(id, ref added) => {
                let file = ev.db.file_mut(id);
                if *file.name == *b".WAIT" && file.rule.recipe.is_none() {
                    // Said of its first recipe; a second one overrides it.
                    diag::warn(Some(loc), ".WAIT should not have commands");
                }
                if let Some(old) = &file.rule.recipe {
                    let name = diag::show(file.name).to_string();
                    let old_loc = old.loc.clone();
                    diag::warn(
                        Some(&recipe.loc),
                        format_args!("warning: overriding recipe for target '{name}'"),
                    );
                    diag::warn(
                        Some(&old_loc),
                        format_args!("warning: ignoring old recipe for target '{name}'"),
                    );
                }
                let file = ev.db.file_mut(id);
                file.rule.recipe = Some(recipe.clone());
                recipe_rule_first(&mut file.rule, added);
            }
        }
    }
    say_notes(ctx, |n| n >= ctx.targets.len());
    for &id in &ctx.regrouped {
        let name = diag::show(ev.db.file(id).name).to_string();
        diag::warn(
            Some(&recipe.loc),
            format_args!("warning: overriding group membership for target '{name}'"),
        );
    }
}

/// Moves what the rule line with the recipe added to the front of the
/// target's prerequisites (and of its second expansions).
fn recipe_rule_first(rule: &mut Rule, added: &Added) {
    if let Some(i) = added.deferred.filter(|&i| i < rule.deferred().len()) {
        let deferred = rule.deferred_mut();
        let mut d = deferred.remove(i);
        d.at = 0;
        deferred.insert(0, d);
        return;
    }
    let range = added.deps.clone();
    if range.is_empty() || range.end > rule.deps.len() {
        return;
    }
    rule.deps[..range.end].rotate_right(range.len());
    if rule.deferred().is_empty() {
        return;
    }
    for d in rule.deferred_mut() {
        if d.at <= range.start {
            d.at += range.len();
        }
    }
}

/// Says the notes of `ctx` whose target numbers `pick` chooses.
fn say_notes(ctx: &RuleContext, pick: impl Fn(usize) -> bool) {
    let notes = ctx
        .notes
        .iter()
        .filter(|(i, _, with_recipe)| pick(*i) && (ctx.has_recipe || !with_recipe));
    for (_, text, _) in notes {
        diag::warn(Some(&ctx.loc), text);
    }
}
