//! What the words of an address name at each level (province, district, commune), looked
//! up once per span of words however many readings ask: every reading tries the same
//! words under each province and district it considers.

use super::gazetteer::{District, Gazetteer};
use super::tokens::{Token, join, join_glued};
use crate::normalize::admin::{Era, ProvinceScope};

/// The most words a unit's name has (without its unit word).
pub(super) const LONGEST_NAME: usize = 6;

/// The name the words give: as written, glued back where a capital cut a word
/// ("Kon PLông"), else with an initial for a first word ("T.Giang").
fn name_at<T>(tokens: &[Token], exact: impl Fn(&str) -> Option<T>, initial: impl Fn(&str) -> Option<T>) -> Option<(String, T)> {
    let words = join(tokens);
    if let Some(t) = exact(&words) {
        return Some((words, t));
    }
    if let Some(glued) = join_glued(tokens)
        && let Some(t) = exact(&glued)
    {
        return Some((glued, t));
    }
    initial(&words).map(|t| (words, t))
}

/// What the words of one span name at each level, each looked up when first asked.
pub(super) struct Names {
    pub(super) words: String,
    /// The province and the words it was found under (glued back, or as written).
    province: std::cell::OnceCell<Option<(String, &'static ProvinceScope)>>,
    districts: std::cell::OnceCell<&'static [District]>,
    communes: std::cell::OnceCell<&'static [String]>,
    tokens: (usize, usize),
}

impl Names {
    pub(super) fn province<'s>(&'s self, spans: &Spans) -> Option<&'s (String, &'static ProvinceScope)> {
        let g = Gazetteer::get();
        let tokens = &spans.tokens[self.tokens.0..self.tokens.1];
        self.province
            .get_or_init(|| if fewest_words(tokens) > g.longest_name().0 { None } else { name_at(tokens, |w| g.province(w), |w| g.province_by_initial(w)) })
            .as_ref()
    }

    pub(super) fn districts(&self, spans: &Spans) -> &'static [District] {
        let g = Gazetteer::get();
        let tokens = &spans.tokens[self.tokens.0..self.tokens.1];
        let not_empty = |x: &'static [District]| Some(x).filter(|x| !x.is_empty());
        self.districts.get_or_init(|| {
            if fewest_words(tokens) > g.longest_name().1 {
                return &[];
            }
            name_at(tokens, |w| not_empty(g.districts(w)), |w| not_empty(g.districts_by_initial(w))).map_or(&[][..], |(_, d)| d)
        })
    }

    pub(super) fn communes(&self, spans: &Spans) -> &'static [String] {
        let g = Gazetteer::get();
        let tokens = &spans.tokens[self.tokens.0..self.tokens.1];
        self.communes.get_or_init(|| {
            if fewest_words(tokens) > g.longest_name().2 {
                return &[];
            }
            name_at(tokens, |w| Some(g.communes(w)).filter(|c| !c.is_empty()), |_| None).map_or(&[][..], |(_, c)| c)
        })
    }
}

/// The fewest words these tokens are read as (words cut at a capital glued back).
fn fewest_words(tokens: &[Token]) -> usize {
    1 + tokens.iter().skip(1).filter(|t| !t.glued).count()
}

pub(super) struct Spans<'t> {
    pub(super) tokens: &'t [Token],
    /// The era the source's addresses are written in, when the job says.
    pub(super) era: Option<Era>,
    memo: Vec<std::cell::OnceCell<Names>>,
}

impl<'t> Spans<'t> {
    pub(super) fn new(tokens: &'t [Token], era: Option<Era>) -> Spans<'t> {
        Spans { tokens, era, memo: (0..tokens.len() * LONGEST_NAME).map(|_| std::cell::OnceCell::new()).collect() }
    }

    /// The names words `s..e` (at most [`LONGEST_NAME`] of them) give.
    pub(super) fn names(&self, s: usize, e: usize) -> &Names {
        self.memo[s * LONGEST_NAME + (e - s - 1)].get_or_init(|| Names {
            words: join(&self.tokens[s..e]),
            province: std::cell::OnceCell::new(),
            districts: std::cell::OnceCell::new(),
            communes: std::cell::OnceCell::new(),
            tokens: (s, e),
        })
    }
}
