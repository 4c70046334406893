//! The class of a record's link: match, review or no match, from its best candidate's
//! probability and its lead over the runner-up.

use super::LinkSettings;
use serde::{Deserialize, Serialize};

/// The decision for one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchClass {
    Match,
    Review,
    NoMatch,
}

impl MatchClass {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchClass::Match => "match",
            MatchClass::Review => "review",
            MatchClass::NoMatch => "no_match",
        }
    }
}

/// The class of a record from its best candidate (probability, weight), the runner-up's
/// weight and whether the link is `unsure` (a cut block, an ID two reference rows share). A match needs a lead over the runner-up that
/// shrinks as the probability grows: `decisive_margin` at `review_threshold`, `min_margin`
/// at `match_threshold` and above, in a straight line between. Monotone: more probability
/// or a larger lead never lowers the class, and a lone candidate leads by any margin. A
/// record whose block was cut at `max_block` is at most `review`: the right person may be
/// in the part left out.
pub fn decide(best: Option<(f64, f64)>, runner_up: Option<f64>, unsure: bool, s: &LinkSettings) -> MatchClass {
    let Some((probability, weight)) = best else { return MatchClass::NoMatch };
    let lead = runner_up.map_or(f64::INFINITY, |r| weight - r);
    let span = (s.match_threshold - s.review_threshold).max(f64::EPSILON);
    let short_of_match = ((s.match_threshold - probability) / span).clamp(0.0, 1.0);
    let needed = s.min_margin + (s.decisive_margin - s.min_margin) * short_of_match;
    let matched = probability >= s.review_threshold && lead >= needed;
    if matched && !unsure {
        MatchClass::Match
    } else if probability >= s.review_threshold {
        MatchClass::Review
    } else {
        MatchClass::NoMatch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_never_rises_when_a_runner_up_appears() {
        let s = LinkSettings::default();
        let p = (s.review_threshold + s.match_threshold) / 2.0; // between the thresholds
        let w = 0.0;
        let alone = decide(Some((p, w)), None, false, &s);
        let far = decide(Some((p, w)), Some(w - s.decisive_margin - 1.0), false, &s);
        let near = decide(Some((p, w)), Some(w - 1.0), false, &s);
        assert_eq!(far, MatchClass::Match);
        assert_eq!(alone, MatchClass::Match, "a lone candidate leads by more than any runner-up");
        assert_eq!(near, MatchClass::Review);
        // The lead needed falls from decisive_margin to min_margin as the probability rises.
        let halfway = (s.min_margin + s.decisive_margin) / 2.0;
        assert_eq!(decide(Some((p, w)), Some(w - halfway - 0.01), false, &s), MatchClass::Match);
        assert_eq!(decide(Some((p, w)), Some(w - halfway + 0.01), false, &s), MatchClass::Review);
        for lead in [0.0, 2.0, 3.5, 6.0, 9.0, 13.0] {
            let mut last = MatchClass::NoMatch;
            for k in 0..=20 {
                let c = decide(Some((k as f64 / 20.0, w)), Some(w - lead), false, &s);
                assert!(rank(c) >= rank(last), "lead {lead}: class fell as the probability rose");
                last = c;
            }
        }
        assert_eq!(decide(Some((0.99, 20.0)), None, false, &s), MatchClass::Match);
        assert_eq!(decide(Some((0.1, -5.0)), None, false, &s), MatchClass::NoMatch);
    }

    fn rank(c: MatchClass) -> u8 {
        match c {
            MatchClass::NoMatch => 0,
            MatchClass::Review => 1,
            MatchClass::Match => 2,
        }
    }

    #[test]
    fn a_cut_block_is_at_most_review() {
        let s = LinkSettings::default();
        assert_eq!(decide(Some((0.999, 25.0)), None, true, &s), MatchClass::Review);
        assert_eq!(decide(Some((0.999, 25.0)), None, false, &s), MatchClass::Match);
    }
}
