//! Normalize: pure functions per field, each returning the canonical value and
//! its findings, and [`run`], which normalizes every ingested record in parallel.

pub mod address;
pub mod admin;
pub mod date;
mod family;
pub mod id;
pub mod name;
pub mod phonetic;
pub mod placeholder;
pub mod sex;

use crate::calendar::PartialDate;
use crate::field::Field;
use crate::finding::{Code, Finding, SuggestedFrom};
use crate::ingest::{IngestedSource, RawRecord, Values};
use crate::text::{self, ToneStyle};
use admin::{AdminRegistry, CommuneLookup, CommuneMatch, Era};
use date::{DateOptions, DateOrder};
use name::Name;
use rayon::prelude::*;
use sex::Sex;

/// Alive or deceased, as the reference extract states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Alive,
    Deceased,
}

/// Reads "còn sống" / "đã mất" and their usual spellings and codes.
pub fn parse_status(raw: &str) -> Option<Status> {
    let f = text::fold(raw.trim());
    match f.as_str() {
        "" => None,
        "con song" | "song" | "alive" | "living" | "binh thuong" | "1" | "a" => Some(Status::Alive),
        "da mat" | "mat" | "chet" | "da chet" | "tu vong" | "da tu vong" | "deceased" | "dead" | "0" | "d" => Some(Status::Deceased),
        _ => None,
    }
}

/// Options that change how values are read.
#[derive(Clone, Debug)]
pub struct NormalizeOptions {
    pub tone_style: ToneStyle,
    pub date_order: DateOrder,
    /// 2025 province code used to narrow commune lookups.
    pub province: Option<String>,
    /// The era bare commune codes in this source belong to.
    pub commune_code_era: Era,
    /// The era this source's free-text addresses are written in, when the job says.
    pub address_era: Option<Era>,
    pub this_year: i32,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            tone_style: ToneStyle::Old,
            date_order: DateOrder::Dmy,
            province: None,
            commune_code_era: Era::Y2025,
            address_era: None,
            this_year: date::current_year(),
        }
    }
}

/// One record with every field in canonical form.
#[derive(Clone, Debug, Default)]
pub struct NormRecord {
    pub name: Option<Name>,
    pub person_id: Option<String>,
    pub old_id: Option<String>,
    pub dob: Option<PartialDate>,
    pub sex: Option<Sex>,
    pub commune: Option<CommuneMatch>,
    pub address: Option<String>,
    /// The address's parts, when the commune was placed from it (no commune column, or an unknown one).
    pub address_parts: Option<address::Address>,
    pub phone: Option<String>,
    pub health_insurance_no: Option<String>,
    pub social_insurance_no: Option<String>,
    pub tax_code: Option<String>,
    pub status: Option<Status>,
    pub death_date: Option<PartialDate>,
    pub updated_at: Option<PartialDate>,
    /// Civil status: the registration date, office, book and entry number.
    pub registration_date: Option<PartialDate>,
    pub registry_office: Option<String>,
    pub book_no: Option<String>,
    pub entry_no: Option<u32>,
    /// Reference extract: the parents' personal IDs, when it holds them.
    pub mother_id: Option<String>,
    pub father_id: Option<String>,
    pub findings: Vec<Finding>,
}

impl NormRecord {
    /// The cleaned value of a field as text, for the records output: borrowed where the
    /// record holds it as text (a records output has tens of millions of cells).
    pub fn cleaned(&self, f: Field) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow::{Borrowed, Owned};
        fn text(v: &Option<String>) -> Option<std::borrow::Cow<'_, str>> {
            v.as_deref().map(std::borrow::Cow::Borrowed)
        }
        let date = |d: Option<PartialDate>| d.map(|d| Owned(d.iso()));
        match f {
            Field::PersonId => text(&self.person_id),
            Field::OldId => text(&self.old_id),
            Field::FullName => self.name.as_ref().map(|n| Borrowed(n.full())),
            Field::Dob => date(self.dob),
            Field::Sex => self.sex.map(|s| Borrowed(s.as_str())),
            Field::Commune => self.commune.as_ref().and_then(|c| c.current_code.as_deref()).map(Borrowed),
            Field::Province => self.commune.as_ref().and_then(|c| c.current_province.as_deref()).map(Borrowed),
            Field::Address => text(&self.address),
            Field::Phone => text(&self.phone),
            Field::HealthInsuranceNo => text(&self.health_insurance_no),
            Field::SocialInsuranceNo => text(&self.social_insurance_no),
            Field::TaxCode => text(&self.tax_code),
            Field::Status => self.status.map(|s| {
                Borrowed(match s {
                    Status::Alive => "alive",
                    Status::Deceased => "deceased",
                })
            }),
            Field::DeathDate => date(self.death_date),
            Field::UpdatedAt => date(self.updated_at),
            Field::RegistrationDate => date(self.registration_date),
            Field::RegistryOffice => text(&self.registry_office),
            Field::BookNo => text(&self.book_no),
            Field::EntryNo => self.entry_no.map(|n| Owned(n.to_string())),
            Field::MotherId => text(&self.mother_id),
            Field::FatherId => text(&self.father_id),
        }
    }
}

fn push_codes(out: &mut Vec<Finding>, field: Field, codes: impl IntoIterator<Item = Code>) {
    out.extend(codes.into_iter().map(|c| Finding::new(field, c)));
}

/// Cleans free text (an address): legacy-encoding repair, NFC, spacing.
pub fn normalize_text(raw: &str, field: Field, findings: &mut Vec<Finding>) -> Option<String> {
    let repaired = crate::text::mojibake::repair_mojibake(raw);
    let c = text::clean(repaired.as_ref().map(|r| r.0.as_str()).unwrap_or(raw));
    if c.text.is_empty() {
        return None;
    }
    if repaired.is_some() {
        findings.push(Finding::new(field, Code::TextLegacyEncoding).suggest(c.text.clone(), SuggestedFrom::Normalizer));
    }
    // Spacing and NFC in free text are not worth a finding; a removed control character or look-alike is.
    push_codes(findings, field, c.codes().filter(|code| matches!(code, Code::TextControlChars | Code::TextLookalikeChars)));
    Some(c.text)
}

/// Longer values than this are `VALUE_TOO_LONG`: no field of a person is.
pub const MAX_VALUE_CHARS: usize = 1_000;

/// Normalizes one record. Pure: the same values and options give the same result.
pub fn normalize_record(values: &Values, opts: &NormalizeOptions) -> NormRecord {
    normalize_record_cached(values, opts, &mut name::NameCache::new(opts.tone_style, 0))
}

/// [`normalize_record`] with a cache of normalized names.
pub fn normalize_record_cached(values: &Values, opts: &NormalizeOptions, names: &mut name::NameCache) -> NormRecord {
    let mut r = NormRecord::default();
    flag_long_values(values, &mut r.findings);
    if let Some(v) = values.get(Field::FullName) {
        normalize_name_field(v, names, &mut r);
    }
    let dopts = DateOptions::for_year(opts.date_order, opts.this_year);
    r.dob = date_field(values, Field::Dob, &dopts, &mut r.findings);
    r.death_date = date_field(values, Field::DeathDate, &dopts, &mut r.findings);
    r.updated_at = date_field(values, Field::UpdatedAt, &dopts, &mut r.findings);
    r.registration_date = date_field(values, Field::RegistrationDate, &dopts, &mut r.findings);
    normalize_book(values, &mut r);
    // A parent's ID is only compared with a link: a well-formed 12 digits, or nothing.
    r.mother_id = values.get(Field::MotherId).and_then(|v| id::normalize_person_id(v, None, None).cccd);
    r.father_id = values.get(Field::FatherId).and_then(|v| id::normalize_person_id(v, None, None).cccd);
    if let Some(v) = values.get(Field::Sex) {
        let (s, codes) = sex::parse_sex(v);
        r.sex = s;
        push_codes(&mut r.findings, Field::Sex, codes);
    }
    normalize_ids(values, &mut r);
    normalize_numbers(values, &mut r);
    if let Some(v) = values.get(Field::Address) {
        r.address = normalize_text(v, Field::Address, &mut r.findings);
    }
    if let Some(v) = values.get(Field::Status) {
        r.status = parse_status(v);
    }
    if r.death_date.is_some() && r.status.is_none() {
        r.status = Some(Status::Deceased);
    }
    place(values, opts, &mut r);
    r
}

/// A civil-status book's identifiers: the office and book as clean text (the book's spacing
/// folded: "01 / 2015" is "01/2015"), the entry number as a number ("Số 0125" is 125).
fn normalize_book(values: &Values, r: &mut NormRecord) {
    if let Some(v) = values.get(Field::RegistryOffice) {
        r.registry_office = normalize_text(v, Field::RegistryOffice, &mut r.findings);
    }
    if let Some(v) = values.get(Field::BookNo) {
        r.book_no = normalize_text(v, Field::BookNo, &mut r.findings).map(|b| b.split_whitespace().collect());
    }
    if let Some(v) = values.get(Field::EntryNo) {
        r.entry_no = entry_number(v);
        if r.entry_no.is_none() {
            r.findings.push(Finding::new(Field::EntryNo, Code::EntryNoNotNumber));
        }
    }
}

/// An entry number as written in a book: digits, maybe after "Số" or "No." and with
/// leading zeros; anything else is not a number.
pub fn entry_number(v: &str) -> Option<u32> {
    let folded = crate::text::fold(v);
    let t = folded.trim().trim_start_matches("so").trim_start_matches("no.").trim_start_matches(':').trim();
    (!t.is_empty() && t.len() <= 9 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
}

/// A pasted note or a broken export: kept whole, flagged, shortened in the worklist.
fn flag_long_values(values: &Values, findings: &mut Vec<Finding>) {
    for f in Field::ALL {
        if let Some(v) = values.get(f)
            && v.len() > MAX_VALUE_CHARS
            && v.chars().count() > MAX_VALUE_CHARS
        {
            findings.push(Finding::new(f, Code::ValueTooLong));
        }
    }
}

fn normalize_name_field(v: &str, names: &mut name::NameCache, r: &mut NormRecord) {
    let Some((n, codes)) = names.normalize(v) else { return };
    for c in codes {
        let f = Finding::new(Field::FullName, c);
        r.findings.push(match c {
            Code::NameLegacyEncoding | Code::NameToneStyle | Code::NameHonorific | Code::TextNotNfc => {
                f.suggest(n.full().to_string(), SuggestedFrom::Normalizer)
            }
            _ => f,
        });
    }
    r.name = Some(n);
}

fn date_field(values: &Values, f: Field, dopts: &DateOptions, findings: &mut Vec<Finding>) -> Option<PartialDate> {
    let v = values.get(f)?;
    let p = date::parse_date(v, dopts);
    for c in p.codes {
        let fnd = Finding::new(f, c);
        findings.push(match (c, p.date) {
            (Code::DateOrderSwapped | Code::DateExcelSerial, Some(d)) => fnd.suggest(d.display_vi(), SuggestedFrom::Normalizer),
            _ => fnd,
        });
    }
    p.date
}

/// The personal ID (CCCD, or an old CMND written in its column) and the old ID.
fn normalize_ids(values: &Values, r: &mut NormRecord) {
    if let Some(v) = values.get(Field::PersonId) {
        let id = id::normalize_person_id(v, r.sex, r.dob);
        for c in &id.codes {
            let f = Finding::new(Field::PersonId, *c);
            r.findings.push(match (c, &id.cccd) {
                (Code::IdLeadingZeroLost | Code::IdScientificNotation, Some(cccd)) => f.suggest(cccd.clone(), SuggestedFrom::Normalizer),
                _ => f,
            });
        }
        r.person_id = id.cccd;
        if r.old_id.is_none() {
            r.old_id = id.cmnd;
        }
    }
    if let Some(v) = values.get(Field::OldId) {
        let (o, codes) = id::normalize_old_id(v);
        if o.is_some() {
            r.old_id = o;
        }
        push_codes(&mut r.findings, Field::OldId, codes);
    }
}

/// Phone, health and social insurance numbers, tax code.
fn normalize_numbers(values: &Values, r: &mut NormRecord) {
    if let Some(v) = values.get(Field::Phone) {
        let (p, codes) = id::normalize_phone(v);
        for c in codes {
            let f = Finding::new(Field::Phone, c);
            r.findings.push(match (&p, c) {
                (Some(p), Code::PhoneConverted) => f.suggest(p.clone(), SuggestedFrom::Normalizer),
                _ => f,
            });
        }
        r.phone = p;
    }
    if let Some(v) = values.get(Field::HealthInsuranceNo) {
        let (x, codes) = id::normalize_health_insurance(v);
        r.health_insurance_no = x;
        push_codes(&mut r.findings, Field::HealthInsuranceNo, codes);
    }
    if let Some(v) = values.get(Field::SocialInsuranceNo) {
        let (x, codes) = id::normalize_social_insurance(v);
        r.social_insurance_no = x;
        push_codes(&mut r.findings, Field::SocialInsuranceNo, codes);
    }
    if let Some(v) = values.get(Field::TaxCode) {
        let (x, codes) = id::normalize_tax_code(v);
        r.tax_code = x;
        push_codes(&mut r.findings, Field::TaxCode, codes);
    }
}

/// The findings a found commune carries: a pre-2025 unit (with its 2025 unit as the
/// suggestion) and a split one.
pub fn commune_findings(m: &CommuneMatch) -> Vec<Finding> {
    let mut out = Vec::new();
    if m.era == Era::Legacy {
        let f = Finding::new(Field::Commune, Code::CommunePre2025);
        out.push(match &m.current_code {
            Some(c) => f.suggest(c.clone(), SuggestedFrom::Normalizer),
            None => f,
        });
    }
    if m.split {
        out.push(Finding::new(Field::Commune, Code::CommuneSplit));
    }
    out
}

/// The commune from its column, else from the free-text address (most registers give
/// an address and no commune code).
fn place(values: &Values, opts: &NormalizeOptions, r: &mut NormRecord) {
    let reg = AdminRegistry::get();
    let province = values
        .get(Field::Province)
        .and_then(|p| reg.province_scope(p))
        .or_else(|| opts.province.clone().map(|current| admin::ProvinceScope { current, legacy: None }));
    if let Some(v) = values.get(Field::Commune) {
        let repaired = crate::text::mojibake::repair_mojibake(v).map(|x| x.0);
        let value = repaired.as_deref().unwrap_or(v);
        match reg.lookup_commune(value, province.as_ref(), opts.commune_code_era) {
            CommuneLookup::Found(m) => {
                r.findings.extend(commune_findings(&m));
                r.commune = Some(m);
            }
            CommuneLookup::Ambiguous(_) => r.findings.push(Finding::new(Field::Commune, Code::CommuneAmbiguous)),
            CommuneLookup::Unknown => r.findings.push(Finding::new(Field::Commune, Code::CommuneUnknown)),
        }
    }
    if r.commune.is_none()
        && let Some(text) = &r.address
    {
        let (a, codes) = address::parse_address_in(text, province.as_ref(), opts.address_era);
        for c in codes {
            let f = Finding::new(Field::Address, c);
            r.findings.push(match (c, a.commune.as_ref().and_then(|m| m.current_code.as_ref())) {
                (Code::AddressPre2025, Some(code)) => f.suggest(code.clone(), SuggestedFrom::Normalizer),
                _ => f,
            });
        }
        r.commune = a.commune.clone();
        r.address_parts = Some(a);
    }
}

/// Records per parallel task: large enough that each task's name cache pays off.
const CHUNK_RECORDS: usize = 8192;
/// Names a task remembers: registers repeat names, so most lookups hit.
const NAME_CACHE_ENTRIES: usize = 100_000;

/// Normalizes records in parallel (each task with its own name cache) and maps each
/// normalized record with `keep`; collected, the items are in the records' order. An
/// iterator, so a caller can collect or unzip straight into what it keeps (at 10M
/// reference people an intermediate vector is gigabytes).
pub fn map_records<'a, T: Send + 'a>(
    records: &'a [RawRecord],
    opts: &'a NormalizeOptions,
    keep: impl Fn(&RawRecord, NormRecord) -> T + Sync + Send + 'a,
) -> impl IndexedParallelIterator<Item = T> + 'a {
    // Indexed, so that `collect` writes each item in its place: a flat map of per-task
    // vectors moved every normalized record twice (3.6 s of CPU for 1.7M records, per perf).
    records
        .par_iter()
        .with_min_len(CHUNK_RECORDS)
        .map_init(|| name::NameCache::new(opts.tone_style, NAME_CACHE_ENTRIES), move |cache, raw| keep(raw, normalize_record_cached(&raw.values, opts, cache)))
}

/// The normalize stage: one normalized record per raw record of a source, in order,
/// with the findings ingest made on the raw row.
pub fn run(source: &IngestedSource, opts: &NormalizeOptions) -> Vec<NormRecord> {
    run_records(&source.records, opts)
}

/// [`run`] on raw records held apart from their source (a binding's batch: all of one
/// source's records, since the days a register overuses are judged on the whole register).
pub fn run_records(records: &[RawRecord], opts: &NormalizeOptions) -> Vec<NormRecord> {
    let mut norm = each_record(records, opts);
    for (p, dates) in placeholder::read_placeholders(&mut norm) {
        tracing::info!(day = p.day, month = p.month, dates, "dates of birth on a day the register overuses read at the precision it has");
    }
    norm
}

/// Each record normalized on its own, with the findings ingest made on its row: what
/// [`run_records`] does before it looks at the register as a whole (a part of a register
/// read elsewhere is normalized this way, then given the whole register's placeholder days).
pub fn each_record(records: &[RawRecord], opts: &NormalizeOptions) -> Vec<NormRecord> {
    map_records(records, opts, |raw, mut n| {
        n.findings.extend(raw.findings.iter().cloned());
        n
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(pairs: &[(Field, &str)]) -> Values {
        Values::of(pairs)
    }

    #[test]
    fn normalizes_a_register_row() {
        let r = normalize_record(
            &rec(&[
                (Field::FullName, "NGUYỄN THỊ HOÀ"),
                (Field::PersonId, "52190012345"),
                (Field::Dob, "05/03/1990"),
                (Field::Sex, "Nữ"),
                (Field::Commune, "P. Quy Nhơn Bắc"),
                (Field::Phone, "01662345678"),
            ]),
            &NormalizeOptions { province: Some("52".into()), ..Default::default() },
        );
        assert_eq!(r.name.as_ref().unwrap().full(), "Nguyễn Thị Hòa");
        assert_eq!(r.person_id.as_deref(), Some("052190012345"));
        assert_eq!(r.dob, Some(PartialDate::ymd(1990, 3, 5)));
        assert_eq!(r.commune.as_ref().unwrap().code, "21553");
        assert_eq!(r.phone.as_deref(), Some("0362345678"));
        let codes: Vec<Code> = r.findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&Code::IdLeadingZeroLost));
        assert!(codes.contains(&Code::PhoneConverted));
        assert!(codes.contains(&Code::NameAllCaps));
        assert!(!codes.contains(&Code::IdSexMismatch));
    }

    #[test]
    fn statuses() {
        assert_eq!(parse_status("Đã mất"), Some(Status::Deceased));
        assert_eq!(parse_status("còn sống"), Some(Status::Alive));
        assert_eq!(parse_status("?"), None);
    }
}
