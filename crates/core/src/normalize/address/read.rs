//! Reading an address from its right end, as a person does: the province last, the
//! district before it, the commune before that, whatever the punctuation. Each level is a
//! span of words that names a unit in the level above it ([`Gazetteer`]), with or without
//! its unit word ("Xã", "P.", "H.", "TP"); the readings that place the most are compared and
//! the best kept. Commas only say where a name cannot run across.

use super::gazetteer::{District, Gazetteer};
use super::merged;
use super::reading::{CommuneChoice, DistrictChoice, ProvinceChoice, Reading, Span};
use super::spans::{LONGEST_NAME, Spans};
use super::tokens::{Token, join, tokenize};
use super::words::{COUNTRY_WORDS, DISTRICT_ONLY_WORDS, DISTRICT_WORDS, LEVEL_WORDS, PROVINCE_WORDS, Words, commune_word_before, word_before};
use super::{Address, HAMLET_WORDS};
use crate::finding::Code;
use crate::normalize::admin::{AdminRegistry, CommuneKind, CommuneLookup, CommuneMatch, Era, ProvinceScope};

/// How many words at the end of an address are read as places.
const MOST_WORDS_READ: usize = 40;
/// How many words a misspelt name is looked for in.
const LONGEST_MISSPELT: usize = 4;

fn is_number(words: &str) -> bool {
    words.bytes().all(|b| b.is_ascii_digit())
}

/// Words `s..e` stand in one comma part (no name runs across a comma).
fn one_part(tokens: &[Token], s: usize, e: usize) -> bool {
    tokens[s].part == tokens[e - 1].part
}

/// Reads `text`; `given` is the province the job or the record gives, used when the
/// address names none. Names are first matched as written; only when that places no
/// commune written with its unit word or within a district are names a typing slip away
/// tried too (the slower search, and the rarer case: "Yên Bìnhh, H. Hữu Lũng" is no
/// commune "Hữu Lũng").
pub(super) fn read(text: &str, given: Option<&ProvinceScope>, era: Option<Era>) -> (Address, Vec<Code>) {
    let tokens = tokenize(text);
    // The units stand at the end: in a longer text only its last words are read as places,
    // the rest is the hamlet's (a hostile 1,000-character value stays cheap to read).
    if tokens.len() > MOST_WORDS_READ {
        let cut = tokens[tokens.len() - MOST_WORDS_READ].start;
        let (mut a, codes) = read(&text[cut..], given, era);
        let head = trim_separators(&text[..cut]);
        a.hamlet = Some(match a.hamlet {
            Some(h) if !head.is_empty() => format!("{head}, {h}"),
            Some(h) => h,
            None => head.to_string(),
        })
        .filter(|h| !h.is_empty());
        return (a, codes);
    }
    let spans = Spans::new(&tokens, era);
    let (score, exact) = best_reading(text, &spans, given, false);
    let settled = exact.commune.as_ref().is_some_and(|c| (c.span.unit_word || exact.district.is_some()) && matches!(c.lookup, CommuneLookup::Found(_)));
    let reading = if settled {
        exact
    } else {
        let (with_slips, slipped) = best_reading(text, &spans, given, true);
        if with_slips > score { slipped } else { exact }
    };
    address_of(text, &tokens, reading)
}

/// The best reading and its score; `slips`: names a typing slip away count too.
fn best_reading(text: &str, spans: &Spans, given: Option<&ProvinceScope>, slips: bool) -> (i32, Reading) {
    let tokens = spans.tokens;
    let mut end = tokens.len();
    if let Some((s, _)) = word_before(tokens, end, COUNTRY_WORDS) {
        end = s;
    }
    let g = Gazetteer::get();
    let mut best: Option<(i32, Reading)> = None;
    let provinces = province_choices(spans, end, g, slips);
    let province_floor = provinces.iter().filter_map(|p| p.span).filter(|s| !s.misspelt).map(|s| s.start).min();
    for province in provinces {
        if province.span.is_none() && province_floor.is_some_and(|f| !lower_name_covers(spans, f, end, given.is_some(), true)) {
            continue; // nothing else can be read there: the province found is the reading
        }
        let scope = province.scope.clone().or_else(|| given.cloned());
        let p_start = province.span.map_or(end, |s| s.start);
        let districts = district_choices(spans, text, p_start, (scope.as_ref(), province.named_legacy.as_deref()), g, slips);
        let district_floor = districts.iter().flatten().map(|d| d.span.start).min();
        for district in districts {
            if district.is_none() && district_floor.is_some_and(|f| !lower_name_covers(spans, f, p_start, true, false)) {
                continue;
            }
            let d_start = district.as_ref().map_or(p_start, |d| d.span.start);
            let commune = commune_choice(spans, text, d_start, (district.as_ref(), scope.as_ref()), g, slips);
            let highest = district.as_ref().map(|d| d.span).or(commune.as_ref().map(|c| c.span));
            // A longer name over the province's words ("Huyện Đức Huệ" over "Huệ") is read.
            let same_words = highest.zip(province_floor).is_some_and(|(h, f)| h.start == f);
            let province_passed = province.span.is_none() && province_floor.is_some() && highest.is_some();
            if (province_passed && ((given.is_none() && same_words) || !reads_all_of(highest, province_floor, end)))
                || (district.is_none() && !reads_all_of(commune.as_ref().map(|c| c.span), district_floor, p_start))
            {
                continue;
            }
            let reading = Reading::new(tokens, ProvinceChoice { span: province.span, scope: scope.clone(), named_legacy: None }, district, commune);
            let score = reading.score();
            if best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((score, reading));
            }
        }
    }
    best.unwrap_or_else(|| (0, Reading::new(tokens, ProvinceChoice { span: None, scope: given.cloned(), named_legacy: None }, None, None)))
}

/// Whether a commune's (or, with `districts`, a district's) name ends at `end` and starts at
/// `floor` (when `at_floor`) or left of it: what a reading passing over the name found at
/// `floor..end` would have to read instead.
fn lower_name_covers(spans: &Spans, floor: usize, end: usize, at_floor: bool, districts: bool) -> bool {
    let last = if at_floor { floor } else { floor.saturating_sub(1) };
    (end.saturating_sub(LONGEST_NAME)..=last).any(|s| {
        s < end && (at_floor || s < floor) && one_part(spans.tokens, s, end) && {
            let n = spans.names(s, end);
            !n.communes(spans).is_empty() || (districts && !n.districts(spans).is_empty())
        }
    })
}

/// A reading that passes over a name found at its end ("Lâm Đồng" as a province) may read
/// those words as a lower level's name ("Hòa Bình", a commune), but never only their tail
/// ("Đồng") nor words left of them: the name found is then what the address says.
fn reads_all_of(highest: Option<Span>, floor: Option<usize>, end: usize) -> bool {
    match (highest, floor) {
        (Some(span), Some(floor)) => span.end == end && span.start <= floor,
        _ => true,
    }
}

/// Provinces the address may end with, longest name first, then "none written" (unless a
/// province was written with its unit word: "Tỉnh Gia Lai" leaves no doubt).
fn province_choices(spans: &Spans, end: usize, g: &Gazetteer, slips: bool) -> Vec<ProvinceChoice> {
    let tokens = spans.tokens;
    let mut out = Vec::new();
    for len in (1..=LONGEST_NAME.min(end)).rev() {
        let s = end - len;
        if !one_part(tokens, s, end) {
            continue;
        }
        let Some((words, scope)) = spans.names(s, end).province(spans) else { continue };
        // "Phường Bình Định", "Huyện Hà Nam"? The unit word says it is a commune or district.
        if commune_word_before(tokens, s).is_some() || word_before(tokens, s, DISTRICT_ONLY_WORDS).is_some() {
            continue;
        }
        let unit = word_before(tokens, s, PROVINCE_WORDS);
        // "Thành phố Tuyên Quang" is a city in the province: only a province named
        // "Thành phố" officially (Hà Nội, Huế …) is written so.
        if unit.is_some_and(|(_, w)| PROVINCE_WORDS[w] != ["tỉnh"] && PROVINCE_WORDS[w] != ["t"])
            && !AdminRegistry::get().official_province_name(scope).is_some_and(|n| n.starts_with("Thành phố"))
        {
            continue;
        }
        let named_legacy = g.legacy_province(words).map(str::to_string);
        out.push(ProvinceChoice { span: Some(Span::at(s, end, unit.map(|(u, _)| u), false)), scope: Some((*scope).clone()), named_legacy });
    }
    if out.is_empty() && slips {
        for len in (1..=LONGEST_MISSPELT.min(end)).rev() {
            let s = end - len;
            if one_part(tokens, s, end)
                && commune_word_before(tokens, s).is_none()
                && word_before(tokens, s, DISTRICT_WORDS).is_none()
                && let Some(scope) = g.province_misspelt(&join(&tokens[s..end]))
            {
                let unit = word_before(tokens, s, PROVINCE_WORDS).map(|(u, _)| u);
                out.push(ProvinceChoice { span: Some(Span::at(s, end, unit, true)), scope: Some(scope.clone()), named_legacy: None });
                break;
            }
        }
    }
    if !out.iter().any(|p| p.span.is_some_and(|s| s.unit_word && !s.misspelt)) {
        out.push(ProvinceChoice { span: None, scope: None, named_legacy: None });
    }
    out
}

/// Keeps the items `keep` accepts, when it accepts any.
fn narrow<T>(items: &mut Vec<T>, keep: impl Fn(&T) -> bool) {
    if items.iter().any(&keep) {
        items.retain(keep);
    }
}

/// The start of a district's official name its unit word says ("huyện" → "huyện").
fn district_kind(word: Words) -> &'static str {
    match word {
        ["thành", "phố"] | ["tp"] | ["t", "p"] => "thành phố",
        ["thị", "xã"] | ["thị", "x"] | ["tx"] | ["t", "x"] => "thị xã",
        ["quận"] | ["q"] => "quận",
        _ => "huyện",
    }
}

/// Words `s..end` end a commune's name that opens with a commune word a few words before.
fn ends_commune_name(spans: &Spans, s: usize, end: usize) -> bool {
    let tokens = spans.tokens;
    (1..=3.min(s)).any(|k| {
        end - (s - k) <= LONGEST_NAME
            && commune_word_before(tokens, s - k).is_some()
            && one_part(tokens, s - k, end)
            && !spans.names(s - k, end).communes(spans).is_empty()
    })
}

/// The pre-2025 provinces a scope covers (a 2025 province covers those that merged into it).
fn legacy_provinces(scope: &ProvinceScope) -> Vec<String> {
    match &scope.legacy {
        Some(l) => vec![l.clone()],
        None => AdminRegistry::get().legacy_provinces_of(&scope.current),
    }
}

/// Districts that may end right before `end`, longest name first, then "none written".
/// `province` is the scope and the pre-2025 province its words name, if any.
fn district_choices(
    spans: &Spans,
    text: &str,
    end: usize,
    province: (Option<&ProvinceScope>, Option<&str>),
    g: &Gazetteer,
    slips: bool,
) -> Vec<Option<DistrictChoice>> {
    let tokens = spans.tokens;
    let (scope, named_legacy) = province;
    let provinces = scope.map(legacy_provinces);
    let in_scope = |d: &District| provinces.as_ref().is_none_or(|ps| ps.contains(&d.province));
    let mut out = Vec::new();
    for len in (1..=LONGEST_NAME.min(end)).rev() {
        let s = end - len;
        if !one_part(tokens, s, end) {
            continue;
        }
        let names = spans.names(s, end);
        let words = &names.words;
        let mut districts: Vec<District> = names.districts(spans).iter().filter(|d| in_scope(d)).cloned().collect();
        if districts.is_empty() {
            continue;
        }
        let unit = word_before(tokens, s, DISTRICT_WORDS);
        let seat = if unit.is_none() { seat_written_as_town(spans, text, s, end, scope) } else { None };
        // A bare number is a house number; a name after a commune word is the commune's,
        // and so is one that ends a commune's name ("Xã Nam Ban Lâm Hà" is no Lâm Hà); in a
        // source the job says is written in 2025 units, a bare name is no district.
        if unit.is_none()
            && seat.is_none()
            && (is_number(words) || commune_word_before(tokens, s).is_some() || ends_commune_name(spans, s, end) || spans.era == Some(Era::Y2025))
        {
            continue;
        }
        // Several districts of one name: the one of the kind, marks and old province written.
        if districts.len() > 1 {
            if let Some((_, w)) = unit {
                let kind = district_kind(DISTRICT_WORDS[w]);
                narrow(&mut districts, |d| d.name.to_lowercase().starts_with(kind));
            }
            let written = text[tokens[s].start..tokens[end - 1].end].to_lowercase();
            narrow(&mut districts, |d| d.name.to_lowercase().ends_with(&written));
            narrow(&mut districts, |d| Some(d.province.as_str()) == named_legacy);
        }
        out.push(Some(DistrictChoice { span: Span::at(s, end, unit.map(|(u, _)| u).or(seat), false), districts, seat: seat.is_some() }));
    }
    if out.is_empty()
        && slips
        && let Some(provinces) = &provinces
    {
        // A misspelt district is read only after its unit word ("H. Gò Dầ6u").
        for len in (1..=LONGEST_MISSPELT.min(end)).rev() {
            let s = end - len;
            if let Some((u, _)) = word_before(tokens, s, DISTRICT_WORDS)
                && one_part(tokens, s, end)
                && let Some(d) = g.district_misspelt(&join(&tokens[s..end]), provinces)
            {
                out.push(Some(DistrictChoice { span: Span::at(s, end, Some(u), true), districts: vec![d.clone()], seat: false }));
                break;
            }
        }
    }
    out.push(None);
    out
}

/// Where words `s..end` follow "Thị trấn" yet no pre-2025 unit of the province is so named,
/// the start of that word: people name a district's seat after the district ("Thị trấn Đại
/// Từ" for the seat of Đại Từ, officially Hùng Sơn).
fn seat_written_as_town(spans: &Spans, text: &str, s: usize, end: usize, scope: Option<&ProvinceScope>) -> Option<usize> {
    let (at, kind) = commune_word_before(spans.tokens, s)?;
    if kind != CommuneKind::ThiTran {
        return None;
    }
    let written = &text[spans.tokens[s].start..spans.tokens[end - 1].end];
    let reg = AdminRegistry::get();
    let listed = spans.names(s, end).communes(spans).iter().any(
        |official| matches!(reg.find_commune(Some(CommuneKind::ThiTran), official, written, None, scope), CommuneLookup::Found(m) if m.era == Era::Legacy),
    );
    (!listed).then_some(at)
}

/// The commune: a name ending right before `end` (the district or province), longest first;
/// else a name after a commune word further left; else a misspelt name right before `end`.
fn commune_choice(
    spans: &Spans,
    text: &str,
    end: usize,
    within: (Option<&DistrictChoice>, Option<&ProvinceScope>),
    g: &Gazetteer,
    slips: bool,
) -> Option<CommuneChoice> {
    let tokens = spans.tokens;
    let (district, scope) = within;
    let place = |s: usize, e: usize| commune_at(spans, text, s, e, district, scope);
    for len in (1..=LONGEST_NAME.min(end)).rev() {
        let s = end - len;
        if one_part(tokens, s, end)
            && let Some(c) = place(s, end)
        {
            return Some(c);
        }
    }
    for at in (1..end).rev() {
        // Not across a district's or province's word: "Xã A, Huyện B, …" with B unread is
        // no place to take A from.
        if word_before(tokens, at, LEVEL_WORDS).is_some() {
            break;
        }
        if commune_word_before(tokens, at).is_none() {
            continue;
        }
        for e in (at + 1..=end.min(at + LONGEST_NAME)).rev() {
            if one_part(tokens, at, e)
                && let Some(c) = place(at, e)
            {
                return Some(c);
            }
        }
    }
    if !slips || (district.is_none() && scope.is_none()) {
        return None;
    }
    for len in (1..=LONGEST_MISSPELT.min(end)).rev() {
        let s = end - len;
        if !one_part(tokens, s, end) || is_hamlet_name(tokens, s) {
            continue;
        }
        let words = join(&tokens[s..end]);
        let only_district = district.filter(|d| d.districts.len() == 1).map(|d| &d.districts[0]);
        if let Some(official) = g.commune_misspelt(&words, only_district, scope.map(|s| s.current.as_str()))
            && let Some(mut c) = lookup(spans, text, s, end, official, district, scope)
        {
            c.span.misspelt = true;
            return Some(c);
        }
    }
    None
}

/// Words right after a hamlet's word name the hamlet ("Thôn Cát Tường"), not a commune.
fn is_hamlet_name(tokens: &[Token], s: usize) -> bool {
    s > 0 && HAMLET_WORDS.contains(&tokens[s - 1].key.as_str())
}

/// "Phố Ngọc Lâm, Quận Long Biên": a street named after a ward of the district, the street's
/// name ending its part (a street is named for the ward it runs through).
fn names_street_of_ward(tokens: &[Token], s: usize, e: usize) -> bool {
    matches!(tokens[s - 1].key.as_str(), "pho" | "duong") && (e == tokens.len() || tokens[e].part != tokens[e - 1].part)
}

/// The commune words `s..e` name, within the district or province read.
fn commune_at(spans: &Spans, text: &str, s: usize, e: usize, district: Option<&DistrictChoice>, scope: Option<&ProvinceScope>) -> Option<CommuneChoice> {
    let listed = listed_commune_at(spans, text, s, e, district, scope);
    // Within the district read, a name no listed unit of it has may be an old one ("Phường 10,
    // Quận 3": its Phường 10 was merged at the start of 2025, though other districts keep one).
    match (&listed, district) {
        (Some(CommuneChoice { lookup: CommuneLookup::Found(_), .. }), _) | (_, None) => listed,
        (_, Some(d)) => merged_commune_at(spans, s, e, d).or(listed),
    }
}

/// Words `s..e` as the old name of a commune of the district read, merged away before 2025
/// ("Phường Ngã Tư Sở, Đống Đa"; a bare number or a hamlet's or street's name is none).
fn merged_commune_at(spans: &Spans, s: usize, e: usize, district: &DistrictChoice) -> Option<CommuneChoice> {
    let tokens = spans.tokens;
    let unit = commune_word_before(tokens, s);
    let glued: String = tokens[s..e].iter().map(|t| t.key.as_str()).collect();
    if unit.is_none() && (is_number(&glued) || is_hamlet_name(tokens, s)) {
        return None;
    }
    let m = merged::successor(&glued, unit.map(|(_, k)| k), &district.districts)?;
    Some(CommuneChoice { span: Span::at(s, e, unit.map(|(u, _)| u), false), lookup: CommuneLookup::Found(m), merged: true })
}

/// The commune of the official lists words `s..e` name, within the district or province read.
fn listed_commune_at(spans: &Spans, text: &str, s: usize, e: usize, district: Option<&DistrictChoice>, scope: Option<&ProvinceScope>) -> Option<CommuneChoice> {
    let tokens = spans.tokens;
    let names = spans.names(s, e);
    let (words, officials) = (&names.words, names.communes(spans));
    if officials.is_empty() {
        return None;
    }
    let unit = commune_word_before(tokens, s);
    // A bare number is a house number; a name after a hamlet's, district's or province's
    // word is theirs ("Thôn Cát Tường", "Huyện Mỹ Đức").
    if unit.is_none()
        && (is_number(words)
            || (is_hamlet_name(tokens, s) && !(district.is_some() && names_street_of_ward(tokens, s, e)))
            || word_before(tokens, s, DISTRICT_WORDS).is_some()
            || word_before(tokens, s, &[&["tỉnh"]]).is_some())
    {
        return None;
    }
    // Names that read alike ("Văn Miếu - Quốc Tử Giám", "Văn Miếu Quốc Tử Giám"): as
    // `find_commune` does within one name, one 2025 unit is taken over pre-2025 ones.
    let mut span = None;
    let mut found: Vec<CommuneMatch> = Vec::new();
    let mut ambiguous = 0;
    for official in officials {
        let Some(c) = lookup(spans, text, s, e, official, district, scope) else { continue };
        span = Some(c.span);
        match c.lookup {
            CommuneLookup::Found(m) if !found.contains(&m) => found.push(m),
            CommuneLookup::Ambiguous(n) => ambiguous += n,
            _ => {}
        }
    }
    let span = span?;
    if ambiguous == 0 && found.len() > 1 && district.is_none() {
        narrow(&mut found, |m| m.era == Era::Y2025);
    }
    let lookup = match (found.len(), ambiguous) {
        (1, 0) => CommuneLookup::Found(found.remove(0)),
        (n, a) => CommuneLookup::Ambiguous(n + a),
    };
    Some(CommuneChoice { span, lookup, merged: false })
}

/// The commune `official` (a code-list key) in the district read, or in the province.
fn lookup(
    spans: &Spans,
    text: &str,
    s: usize,
    e: usize,
    official: &str,
    district: Option<&DistrictChoice>,
    scope: Option<&ProvinceScope>,
) -> Option<CommuneChoice> {
    let (reg, tokens) = (AdminRegistry::get(), spans.tokens);
    let unit = commune_word_before(tokens, s);
    let kind = unit.map(|(_, k)| k);
    let written = &text[tokens[s].start..tokens[e - 1].end];
    let span = Span::at(s, e, unit.map(|(u, _)| u), false);
    let Some(district) = district else {
        return match reg.find_commune(kind, official, written, None, scope) {
            CommuneLookup::Unknown => None,
            // A province that is no more ("Bình Định"), or the job, says the text is older than
            // 2025: a bare name there is no 2025 commune ("Phù Cát, Bình Định" is the old district).
            CommuneLookup::Found(m)
                if m.era == Era::Y2025 && unit.is_none() && (spans.era == Some(Era::Legacy) || scope.is_some_and(|s| s.legacy.is_some())) =>
            {
                None
            }
            l => Some(CommuneChoice { span, lookup: l, merged: false }),
        };
    };
    // Within a district: only that district's pre-2025 units.
    let mut hits: Vec<CommuneMatch> = Vec::new();
    for d in &district.districts {
        let Some(current) = reg.current_province_of_legacy(&d.province) else { continue };
        let scope = ProvinceScope { current: current.to_string(), legacy: Some(d.province.clone()) };
        match reg.find_commune(kind, official, written, Some(&d.key), Some(&scope)) {
            CommuneLookup::Found(m) if m.era == Era::Legacy && reg.unit(&m.code, Era::Legacy).is_some_and(|u| u.district == d.key) => hits.push(m),
            CommuneLookup::Ambiguous(n) => return Some(CommuneChoice { span, lookup: CommuneLookup::Ambiguous(n), merged: false }),
            _ => {}
        }
    }
    hits.dedup();
    match hits.len() {
        0 => None,
        1 => Some(CommuneChoice { span, lookup: CommuneLookup::Found(hits.remove(0)), merged: false }),
        n => Some(CommuneChoice { span, lookup: CommuneLookup::Ambiguous(n), merged: false }),
    }
}

/// The address a reading gives, with its findings.
fn address_of(text: &str, tokens: &[Token], r: Reading) -> (Address, Vec<Code>) {
    let reg = AdminRegistry::get();
    let mut a = Address::default();
    let mut codes = Vec::new();
    let mut first_used =
        r.commune.as_ref().map(|c| c.span.start).or(r.district.as_ref().map(|d| d.span.start)).or(r.province.span.map(|p| p.start)).unwrap_or(tokens.len());
    if r.commune.is_none() {
        // A commune written with its word but not placed ("Xã Cát Tiếnn") is no hamlet.
        if let Some(s) = (1..first_used).rev().find_map(|at| commune_word_before(tokens, at).map(|(s, _)| s)) {
            first_used = s;
        }
    }
    let mut hamlet = vec![before(text, tokens, first_used)];
    if let Some(c) = &r.commune {
        // Words left between the commune and the district ("Xã A, Xóm 3, Huyện B").
        let next = r.district.as_ref().map(|d| d.span.start).or(r.province.span.map(|p| p.start)).unwrap_or(tokens.len());
        if c.span.end < next {
            hamlet.push(between(text, tokens, c.span.end, next));
        }
    }
    let hamlet: Vec<&str> = hamlet.into_iter().filter(|h| !h.is_empty()).collect();
    a.hamlet = (!hamlet.is_empty()).then(|| hamlet.join(", "));
    if let Some(d) = &r.district
        && d.districts.iter().all(|x| x.key == d.districts[0].key)
    {
        a.district = Some(d.districts[0].key.clone());
    }
    let misspelt = r.commune.as_ref().is_some_and(|c| c.span.misspelt)
        || r.district.as_ref().is_some_and(|d| d.span.misspelt)
        || r.province.span.is_some_and(|p| p.misspelt);
    // A district written as its town: its commune is that town, when the district has one.
    let seat = r.district.as_ref().filter(|d| d.seat && d.districts.len() == 1).and_then(|d| reg.only_town_of(&d.districts[0].province, &d.districts[0].key));
    let merged = r.commune.as_ref().is_some_and(|c| c.merged);
    match r.commune.map(|c| c.lookup).or(seat.map(CommuneLookup::Found)) {
        Some(CommuneLookup::Found(m)) => {
            if m.era == Era::Legacy
                && let Some(u) = reg.unit(&m.code, Era::Legacy)
            {
                a.district = Some(u.district.clone());
            }
            a.province = m.current_province.clone();
            a.commune = Some(m);
        }
        Some(CommuneLookup::Ambiguous(n)) => {
            a.ambiguous = n;
            codes.push(Code::CommuneAmbiguous);
        }
        _ => codes.push(Code::AddressUnplaced),
    }
    if misspelt {
        codes.push(Code::AddressUnitMisspelt);
    }
    if merged {
        codes.push(Code::AddressUnitMerged);
    }
    let scope = r.province.scope;
    if a.province.is_none() {
        a.province = scope.as_ref().map(|s| s.current.clone());
    }
    // "186 Đường 30/4, TP Tây Ninh": a district of one province names that province.
    if a.province.is_none()
        && let Some(d) = &r.district
        && d.districts.iter().all(|x| x.province == d.districts[0].province)
    {
        a.province = reg.current_province_of_legacy(&d.districts[0].province).map(str::to_string);
    }
    let legacy = a.district.is_some() || a.commune.as_ref().is_some_and(|m| m.era == Era::Legacy) || scope.as_ref().is_some_and(|s| s.legacy.is_some());
    a.era = if legacy { Some(Era::Legacy) } else { a.commune.as_ref().map(|m| m.era) };
    if legacy {
        codes.push(Code::AddressPre2025);
    }
    (a, codes)
}

/// The address as written before token `at`, without the separators at its ends.
fn before<'t>(text: &'t str, tokens: &[Token], at: usize) -> &'t str {
    let end = tokens.get(at).map_or(text.len(), |t| t.start);
    trim_separators(&text[..end])
}

fn between<'t>(text: &'t str, tokens: &[Token], from: usize, to: usize) -> &'t str {
    let start = tokens[from - 1].end;
    let end = tokens.get(to).map_or(text.len(), |t| t.start);
    trim_separators(&text[start..end])
}

fn trim_separators(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '-' | '–' | '.' | '|'))
}
