//! A parent's link through the child's family. A birth register names the child and its
//! parents on one row; once the child is linked, the reference says who the child's mother
//! and father are (its `mother_id`, `father_id`). That person is the parent record's
//! candidate with a prior of its own: not one person in the whole extract
//! ([`super::model::Model::prior_weight`], about −18 bits for 300,000 people) but the one the
//! family points at. A parent written with a birth year only and no ID — most parents — is
//! otherwise one namesake among many (docs/DOMAIN.md §5: parents are recorded with their
//! year of birth only).
//!
//! The pass runs after the model's links: it never searches, it scores one pair per parent
//! record, and a link it makes is marked [`DecidedBy::Family`] (never reused by an
//! incremental night: it depends on the child's link, made again each night).

use super::index::LinkIndex;
use super::model::{Model, probability};
use super::search::Linker;
use super::{LinkSettings, MatchClass, Overrides, RecordAt, RecordLink};
use serde::{Deserialize, Serialize};

/// Prior odds, in bits, that the parent a birth register names is the one the reference
/// holds for the linked child: nine in ten (log2 9). The tenth — a registration naming
/// another father, a reference not yet updated — is left to the comparisons: against the
/// reference's parent they disagree, and the record keeps the model's own link.
pub const FAMILY_PRIOR_BITS: f64 = 3.169_925_001_442_312;

/// The most children one parent ID may stand for in the extract and still be a family: an ID
/// on more rows is an export's placeholder for "unknown" ("000000000000"), and the rows under
/// it are no one's siblings (nor is its holder anyone's parent).
pub const MAX_CHILDREN: usize = 30;

/// Who decided a record's link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    /// The model, from the record's blocks.
    #[default]
    Model,
    /// An officer confirmed the person (see [`Overrides::force`]).
    Officer,
    /// The child's family in the reference (see [`through_family`]).
    Family,
}

impl DecidedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            DecidedBy::Model => "model",
            DecidedBy::Officer => "officer",
            DecidedBy::Family => "family",
        }
    }
}

/// Which of the child's parents a record names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parent {
    Mother,
    Father,
}

impl Parent {
    /// The parent a register's role name stands for (the schema's own role codes).
    pub fn of_role(role: &str) -> Option<Parent> {
        match role {
            "mother" => Some(Parent::Mother),
            "father" => Some(Parent::Father),
            _ => None,
        }
    }

    /// Its place in the reference's (mother, father) pair.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Per source, per record: the record of the child it is a parent of (in the same source)
/// and which parent; `None` for every other record.
pub type ParentOf = Vec<Vec<Option<(usize, Parent)>>>;

/// A register's parent records paired with their row's child: `rows` gives each record's
/// source row and what its role is (the event's person, a parent, or neither).
pub fn parents_of(rows: &[(u64, Option<Parent>, bool)]) -> Vec<Option<(usize, Parent)>> {
    let child_of_row: std::collections::HashMap<u64, usize> = rows.iter().enumerate().filter(|(_, r)| r.2).map(|(i, r)| (r.0, i)).collect();
    rows.iter().map(|&(row, parent, _)| Some((*child_of_row.get(&row)?, parent?))).collect()
}

/// The weight of a pair with the family's prior in place of the model's.
pub fn family_weight(model_weight: f64, model: &Model) -> f64 {
    model_weight - model.prior_weight() + FAMILY_PRIOR_BITS
}

/// What the child's family says of a parent record: `candidate` is the reference's parent of
/// the linked child and `weight` the pair's model weight. Under the family's prior, a pair that
/// reaches `match_threshold` is the record's link (the model's best other person becomes the
/// runner-up) — unless the model already matched the record to that very person; one below
/// `review_threshold` says the register names someone else. Keys `K` are whatever names a
/// reference person (a row here, a row key on Spark), so both engines decide alike.
pub fn through_family<K: Copy + PartialEq>(
    class: MatchClass,
    best: Option<K>,
    runner_up: Option<K>,
    candidate: K,
    weight: f64,
    model: &Model,
    s: &LinkSettings,
) -> Verdict<K> {
    if class == MatchClass::Match && best == Some(candidate) {
        return Verdict::Agrees;
    }
    let weight = family_weight(weight, model);
    let probability = probability(weight);
    if probability >= s.match_threshold {
        Verdict::Link(FamilyLink { weight, probability, runner_up: if best == Some(candidate) { runner_up } else { best } })
    } else if probability < s.review_threshold {
        Verdict::Disagrees
    } else {
        Verdict::Agrees
    }
}

/// What [`through_family`] decides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict<K> {
    /// The family's person is the record's link.
    Link(FamilyLink<K>),
    /// The record names someone else than the reference's parent of the child
    /// ([`RecordLink::family_disagrees`]).
    Disagrees,
    /// Nothing to change: the model's link stands (it may be the family's person already).
    Agrees,
}

/// A link through the family: the family's person with its weight and probability under the
/// family's prior, and which of the model's candidates is now the runner-up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FamilyLink<K> {
    pub weight: f64,
    pub probability: f64,
    pub runner_up: Option<K>,
}

impl LinkIndex<'_> {
    /// The one reference row holding personal ID `id`, if exactly one does.
    pub fn person_with_id(&self, id: &str) -> Option<u32> {
        let probe = super::features::Features { person_id: Some(id.into()), ..Default::default() };
        let ri = self.blocks.rules.iter().position(|&r| r == super::blocking::Rule::PersonId)?;
        let block = self.blocks.block(ri, super::blocking::key(super::blocking::Rule::PersonId, &probe)?)?;
        let mut holders = block.iter().filter(|&&j| self.people[j as usize].person_id.as_deref() == Some(id));
        let first = *holders.next()?;
        holders.next().is_none().then_some(first)
    }
}

/// The families a job's records and its reference describe.
pub struct Families<'a> {
    /// Which records are whose parents, per source (see [`parents_of`]).
    pub parent_of: ParentOf,
    /// The reference rows of a reference person's mother and father, where the extract holds
    /// them (each ID held by exactly one row: [`LinkIndex::person_with_id`]).
    pub parents: &'a dyn Fn(u32) -> [Option<u32>; 2],
    /// The reference rows whose mother (or father) is the reference person given.
    pub children: &'a dyn Fn(u32, Parent) -> Vec<u32>,
}

/// Links records through their families where that decides them (see [`through_family`]):
/// each parent through its linked child; then each child still unlinked through a linked
/// parent — the reference's children of that parent, the mother's first — and the parents
/// once more (a child just linked names them). Returns how many links the family made.
/// Records an officer decided (a person confirmed or rejected) are left as they are.
pub fn link_families(
    index: &LinkIndex,
    model: &Model,
    settings: &LinkSettings,
    sources: &[Vec<super::features::Features>],
    families: &Families,
    overrides: &Overrides,
    records: &mut [Vec<RecordLink>],
) -> u64 {
    let linker = Linker::new(index, model, settings);
    let weigh = |s: usize, i: usize, j: u32| linker.explain(&sources[s][i], j);
    let parents = |links: &[RecordLink], child: usize, parent: Parent| {
        let c = matched(&links[child])?;
        (families.parents)(c)[parent.index()].map(|j| vec![j])
    };
    let mut changed = pass(records, families, overrides, &weigh, model, settings, Pass::Parents(&parents));
    let children = |links: &[RecordLink], parent_record: usize, parent: Parent| matched(&links[parent_record]).map(|p| (families.children)(p, parent));
    changed += pass(records, families, overrides, &weigh, model, settings, Pass::Children(&children));
    changed + pass(records, families, overrides, &weigh, model, settings, Pass::Parents(&parents))
}

/// The person a record is matched to.
fn matched(l: &RecordLink) -> Option<u32> {
    (l.class == MatchClass::Match).then(|| l.best.as_ref().map(|b| b.ref_idx)).flatten()
}

/// Where a pass takes each record's family candidates from, given the source's links.
type Candidates<'a> = &'a dyn Fn(&[RecordLink], usize, Parent) -> Option<Vec<u32>>;

/// Which records a pass decides.
enum Pass<'a> {
    /// Each parent record, from its row's child (its index).
    Parents(Candidates<'a>),
    /// Each child record, from its row's parent records (their indexes), the mother's first.
    Children(Candidates<'a>),
}

/// One pass over the records (see [`link_families`]); returns the links it made.
fn pass(
    records: &mut [Vec<RecordLink>],
    families: &Families,
    overrides: &Overrides,
    weigh: &dyn Fn(usize, usize, u32) -> super::Scored,
    model: &Model,
    settings: &LinkSettings,
    which: Pass,
) -> u64 {
    let mut changed = 0;
    for (s, (links, family)) in records.iter_mut().zip(&families.parent_of).enumerate() {
        // (record, [(the record its candidates come from, which parent)]) in the order tried.
        let work: Vec<(usize, Vec<(usize, Parent)>)> = match which {
            Pass::Parents(_) => family.iter().enumerate().filter_map(|(i, f)| f.map(|(c, p)| (i, vec![(c, p)]))).collect(),
            Pass::Children(_) => {
                let mut by_child: std::collections::BTreeMap<usize, Vec<(usize, Parent)>> = Default::default();
                for (i, f) in family.iter().enumerate() {
                    if let Some((c, p)) = *f {
                        by_child.entry(c).or_default().push((i, p));
                    }
                }
                by_child
                    .into_iter()
                    .map(|(c, mut ps)| {
                        (c, {
                            ps.sort_by_key(|(i, p)| (p.index(), *i));
                            ps
                        })
                    })
                    .collect()
            }
        };
        let candidates = match which {
            Pass::Parents(f) | Pass::Children(f) => f,
        };
        let mut updates = Vec::new();
        for (i, from) in work {
            let at: RecordAt = (s, i);
            let l = &links[i];
            if overrides.force.contains_key(&at) || l.decided_by == DecidedBy::Officer {
                continue;
            }
            if matches!(which, Pass::Children(_)) && l.class == MatchClass::Match {
                continue;
            }
            let excluded = overrides.exclude.get(&at).map_or(&[][..], Vec::as_slice);
            for (k, parent) in from {
                let Some(cands) = candidates(links, k, parent) else { continue };
                let scored: Vec<super::Scored> = cands.into_iter().filter(|j| !excluded.contains(j)).map(|j| weigh(s, i, j)).collect();
                let Some((j, _)) = clear_best(scored.iter().map(|x| (x.ref_idx, x.weight)).collect(), settings) else { continue };
                let Some(best) = scored.into_iter().find(|x| x.ref_idx == j) else { continue };
                let key = |x: &Option<super::Scored>| x.as_ref().map(|b| b.ref_idx);
                match through_family(l.class, key(&l.best), key(&l.runner_up), best.ref_idx, best.weight, model, settings) {
                    Verdict::Link(d) => {
                        let runner_up = [l.best.clone(), l.runner_up.clone()].into_iter().flatten().find(|x| Some(x.ref_idx) == d.runner_up);
                        let best = super::Scored { weight: d.weight, probability: d.probability, ..best };
                        updates.push((i, RecordLink { class: MatchClass::Match, best: Some(best), runner_up, decided_by: DecidedBy::Family, ..l.clone() }));
                        break;
                    }
                    Verdict::Disagrees if matches!(which, Pass::Parents(_)) => {
                        updates.push((i, RecordLink { family_disagrees: true, ..l.clone() }));
                    }
                    _ => {}
                }
            }
        }
        changed += updates.iter().filter(|(_, l)| l.decided_by == DecidedBy::Family).count() as u64;
        for (i, l) in updates {
            links[i] = l;
        }
    }
    changed
}

/// The family candidate that stands out among (person, weight): the best by weight, unless
/// another is within `min_margin` of it (twins the values cannot tell apart). Ties go to the
/// lower person (a row here, a row key on Spark: both order people as the extract does).
pub fn clear_best<K: Ord + Copy>(mut scored: Vec<(K, f64)>, s: &LinkSettings) -> Option<(K, f64)> {
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut it = scored.into_iter();
    let best = it.next()?;
    it.next().is_none_or(|second| best.1 - second.1 >= s.min_margin).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let comparisons = crate::link::compare::default_comparisons();
        let counts: Vec<Vec<u64>> = comparisons.iter().map(|c| vec![1; c.levels.len()]).collect();
        Model { lambda: 1.0 / 300_000.0, ..Model::with_u(comparisons, &counts, 1, 1) }
    }

    #[test]
    fn the_familys_person_needs_the_comparisons_to_agree_a_little() {
        let (m, s) = (model(), LinkSettings::default());
        let prior = m.prior_weight();
        // Evidence of +1.2 bits over the family's 9:1 is a match; below even odds, someone else.
        let Verdict::Link(agree) = through_family(MatchClass::NoMatch, None, None, 7u32, prior + 1.2, &m, &s) else { panic!("a family link") };
        assert!((agree.weight - (FAMILY_PRIOR_BITS + 1.2)).abs() < 1e-9 && agree.probability >= s.match_threshold);
        assert_eq!(through_family(MatchClass::NoMatch, None, None, 7u32, prior + 1.0, &m, &s), Verdict::Agrees, "0.95 needs 1.08 bits over 9:1");
        assert_eq!(through_family(MatchClass::NoMatch, None, None, 7u32, prior - 3.0, &m, &s), Verdict::Agrees, "doubt is not disagreement");
        assert_eq!(through_family(MatchClass::NoMatch, None, None, 7u32, prior - 3.3, &m, &s), Verdict::Disagrees, "below even odds");
    }

    #[test]
    fn a_namesake_the_model_chose_becomes_the_runner_up_and_its_own_match_is_left_alone() {
        let (m, s) = (model(), LinkSettings::default());
        let w = m.prior_weight() + 20.0;
        let runner_up = |v: Verdict<u32>| match v {
            Verdict::Link(d) => d.runner_up,
            other => panic!("a family link, not {other:?}"),
        };
        assert_eq!(runner_up(through_family(MatchClass::Review, Some(3u32), Some(7), 7, w, &m, &s)), Some(3), "the model's best, now second");
        assert_eq!(runner_up(through_family(MatchClass::Review, Some(7u32), Some(3), 7, w, &m, &s)), Some(3), "the family's person was the best");
        assert_eq!(through_family(MatchClass::Match, Some(7u32), Some(3), 7, w, &m, &s), Verdict::Agrees, "the model already matched it");
        assert!(matches!(through_family(MatchClass::Match, Some(3u32), None, 7, w, &m, &s), Verdict::Link(_)), "a match to someone else yields");
    }

    #[test]
    fn a_family_candidate_must_stand_out_from_its_siblings() {
        let s = LinkSettings::default();
        assert_eq!(clear_best(vec![(4u32, 10.0)], &s), Some((4, 10.0)), "one candidate stands out");
        assert_eq!(clear_best(vec![(4u32, 10.0), (9, 2.0)], &s), Some((4, 10.0)));
        assert_eq!(clear_best(vec![(4u32, 10.0), (9, 8.0)], &s), None, "twins the values cannot tell apart");
        assert_eq!(clear_best(Vec::<(u32, f64)>::new(), &s), None);
    }

    #[test]
    fn parents_are_paired_with_their_rows_child() {
        let rows = [(5, None, true), (5, Some(Parent::Mother), false), (9, Some(Parent::Father), false), (5, Some(Parent::Father), false), (9, None, false)];
        assert_eq!(parents_of(&rows), vec![None, Some((0, Parent::Mother)), None, Some((0, Parent::Father)), None], "row 9 has no child");
    }
}
