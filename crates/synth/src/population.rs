//! A synthetic reference population: households in the real communes of one
//! province, names by population share, an age pyramid, CCCD numbers that
//! agree with sex and birth year, old CMNDs for some adults, deaths.

use super::names::*;
use crate::calendar::{PartialDate, days_in_month};
use crate::normalize::admin::AdminRegistry;
use crate::normalize::id::CCCD_PROVINCES;
use crate::normalize::sex::Sex;
use crate::rng::{Rng, cumulative};
use std::collections::HashSet;

/// Where a person lives: the 2025 commune, the address as written, the household.
#[derive(Clone, Debug)]
pub struct Home {
    pub commune: String,
    pub address: String,
    /// `u32::MAX` for a person in no household.
    pub household: u32,
}

#[derive(Clone, Debug)]
pub struct Person {
    pub family: String,
    pub middle: String,
    pub given: String,
    pub sex: Sex,
    pub dob: PartialDate,
    pub cccd: String,
    pub cmnd: Option<String>,
    /// 2025 commune code.
    pub commune: String,
    pub address: String,
    pub death: Option<PartialDate>,
    pub updated: PartialDate,
    pub household: u32,
    /// The family (clan) name stands last: Êđê names ("Y Moan Niê Kdăm").
    pub clan_last: bool,
}

/// A full name from its parts, in the order the person's people write them.
pub fn join_name(family: &str, middle: &str, given: &str, clan_last: bool) -> String {
    let parts = if clan_last { [given, middle, family] } else { [family, middle, given] };
    parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" ")
}

impl Person {
    pub fn full(&self) -> String {
        join_name(&self.family, &self.middle, &self.given, self.clan_last)
    }
    pub fn age_at(&self, year: i32) -> i32 {
        year - self.dob.year
    }
}

/// Draws people for one province.
pub struct Generator {
    pub province: String,
    pub as_of: PartialDate,
    communes: Vec<String>,
    commune_names: Vec<String>,
    commune_cum: Vec<f64>,
    family_cum: Vec<f64>,
    mid_m_cum: Vec<f64>,
    mid_f_cum: Vec<f64>,
    age_cum: Vec<f64>,
    home_cccd: Vec<u16>,
    issued: HashSet<u64>,
    issued_cmnd: HashSet<u64>,
    next_household: u32,
    /// Minority peoples of the province and their shares of households.
    minority: &'static [(&'static Naming, f64)],
}

fn age_weight(a: i32) -> f64 {
    if a < 65 { 1.0 - 0.004 * a as f64 } else { 0.74 * (-(a - 65) as f64 / 9.0).exp() }
}

impl Generator {
    pub fn new(province: &str, as_of: PartialDate, seed: u64) -> Generator {
        let reg = AdminRegistry::get();
        let communes = reg.communes_of(province).to_vec();
        let commune_names = communes.iter().map(|c| reg.unit(c, crate::normalize::admin::Era::Y2025).map(|u| u.name.clone()).unwrap_or_default()).collect();
        let mut r = Rng::fork(seed, 11);
        let weights: Vec<f64> = communes.iter().map(|_| 0.3 + r.f64() * 2.7).collect();
        let home_cccd: Vec<u16> = reg.legacy_provinces_of(province).iter().filter_map(|p| p.parse().ok()).filter(|p| CCCD_PROVINCES.contains(p)).collect();
        Generator {
            province: province.to_string(),
            as_of,
            communes,
            commune_names,
            commune_cum: cumulative(&weights),
            family_cum: cumulative(&FAMILY.iter().map(|x| x.1).collect::<Vec<_>>()),
            mid_m_cum: cumulative(&MIDDLE_MALE.iter().map(|x| x.1).collect::<Vec<_>>()),
            mid_f_cum: cumulative(&MIDDLE_FEMALE.iter().map(|x| x.1).collect::<Vec<_>>()),
            age_cum: cumulative(&(0..=100).map(age_weight).collect::<Vec<_>>()),
            home_cccd,
            issued: HashSet::new(),
            issued_cmnd: HashSet::new(),
            next_household: 0,
            minority: minority_naming(province),
        }
    }

    pub fn communes(&self) -> &[String] {
        &self.communes
    }

    pub fn commune_name(&self, code: &str) -> &str {
        self.communes.iter().position(|c| c == code).map(|i| self.commune_names[i].as_str()).unwrap_or("")
    }

    pub fn random_commune(&self, r: &mut Rng) -> String {
        self.communes[r.weighted(&self.commune_cum)].clone()
    }

    pub fn family_name(&self, r: &mut Rng) -> String {
        FAMILY[r.weighted(&self.family_cum)].0.to_string()
    }

    pub fn middle_name(&self, r: &mut Rng, sex: Sex) -> String {
        match sex {
            Sex::Male => MIDDLE_MALE[r.weighted(&self.mid_m_cum)].0.to_string(),
            Sex::Female => MIDDLE_FEMALE[r.weighted(&self.mid_f_cum)].0.to_string(),
        }
    }

    pub fn given_name(&self, r: &mut Rng, sex: Sex) -> String {
        match sex {
            Sex::Male => r.pick(GIVEN_MALE).to_string(),
            Sex::Female => r.pick(GIVEN_FEMALE).to_string(),
        }
    }

    fn dob_with_age(&self, r: &mut Rng, age: i32) -> PartialDate {
        let year = self.as_of.year - age;
        let month = 1 + r.below(12) as u8;
        let day = 1 + r.below(days_in_month(year, month) as u64) as u8;
        PartialDate::ymd(year, month, day)
    }

    fn random_age(&self, r: &mut Rng) -> i32 {
        r.weighted(&self.age_cum) as i32
    }

    fn cccd(&mut self, r: &mut Rng, sex: Sex, year: i32) -> String {
        let prov = if !self.home_cccd.is_empty() && r.chance(0.88) { *r.pick(&self.home_cccd) } else { *r.pick(&CCCD_PROVINCES) };
        let century = (year - 1900).div_euclid(100).clamp(0, 4) as u64;
        let d4 = century * 2 + if sex == Sex::Female { 1 } else { 0 };
        let yy = year.rem_euclid(100) as u64;
        loop {
            let n = prov as u64 * 1_000_000_000 + d4 * 100_000_000 + yy * 1_000_000 + r.below(1_000_000);
            if self.issued.insert(n) {
                return format!("{n:012}");
            }
        }
    }

    fn cmnd(&mut self, r: &mut Rng) -> String {
        loop {
            let n = 210_000_000 + r.below(60_000_000);
            if self.issued_cmnd.insert(n) {
                return format!("{n:09}");
            }
        }
    }

    /// One person (not placed in a household).
    pub fn person(&mut self, r: &mut Rng, sex: Sex, age: i32, family: String, home: Home) -> Person {
        let Home { commune, address, household } = home;
        let dob = self.dob_with_age(r, age);
        let cccd = self.cccd(r, sex, dob.year);
        let cmnd = (age >= 25 && dob.year < 2000 && r.chance(0.4)).then(|| self.cmnd(r));
        // Yearly mortality grows with age; deaths fall in the last ten years.
        let p_dead = if age < 50 {
            0.004
        } else if age < 70 {
            0.03
        } else {
            0.15
        };
        let death = r.chance(p_dead).then(|| {
            let back = r.below(3650) as i32;
            let day = self.as_of.days_since_epoch().unwrap_or(0) - back;
            PartialDate::from_days(day.max(dob.days_since_epoch().unwrap_or(0) + 1))
        });
        let updated = PartialDate::from_days(self.as_of.days_since_epoch().unwrap_or(0) - r.below(3 * 365) as i32);
        Person {
            family,
            middle: self.middle_name(r, sex),
            given: self.given_name(r, sex),
            sex,
            dob,
            cccd,
            cmnd,
            commune,
            address,
            death,
            updated,
            household,
            clan_last: false,
        }
    }

    /// A household: a head, often a spouse, children with the head's family name.
    pub fn household(&mut self, r: &mut Rng) -> Vec<Person> {
        let h = self.next_household;
        self.next_household += 1;
        let commune = self.random_commune(r);
        let address = format!("Số {}, Tổ {}, {}", 1 + r.below(300), 1 + r.below(25), self.commune_name(&commune));
        let home = Home { commune, address, household: h };
        let size = [1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6][r.below(12) as usize];
        let head_age = 22 + (self.random_age(r) % 70);
        let head_sex = if r.chance(0.75) { Sex::Male } else { Sex::Female };
        // A minority household names its members in its people's way.
        let naming = if self.minority.is_empty() {
            None
        } else {
            let mut u = r.f64();
            self.minority
                .iter()
                .find(|(_, share)| {
                    u -= share;
                    u < 0.0
                })
                .map(|x| x.0)
        };
        let family = match naming {
            Some(n) => r.pick(n.clans).to_string(),
            None => self.family_name(r),
        };
        let mut out = vec![self.member(r, naming, head_sex, head_age, family.clone(), &home)];
        if size >= 2 {
            let sex = if head_sex == Sex::Male { Sex::Female } else { Sex::Male };
            let age = (head_age + r.below(9) as i32 - 4).max(18);
            let fam = match naming {
                Some(n) => r.pick(n.clans).to_string(),
                None => self.family_name(r),
            };
            out.push(self.member(r, naming, sex, age, fam, &home));
        }
        for k in 2..size {
            let age = (head_age - 20 - r.below(20) as i32).max(0);
            let sex = if r.chance(0.5) { Sex::Male } else { Sex::Female };
            let fam = if head_sex == Sex::Male || naming.is_some() { family.clone() } else { self.family_name(r) };
            let mut child = self.member(r, naming, sex, age, fam, &home);
            // Twins: same family, birth date and commune, another given name.
            if k > 2 && r.chance(0.03) {
                child.dob = out[k - 1].dob;
            }
            out.push(child);
        }
        out
    }

    /// One household member, named the Kinh way or in a minority people's way.
    fn member(&mut self, r: &mut Rng, naming: Option<&'static Naming>, sex: Sex, age: i32, family: String, home: &Home) -> Person {
        let mut p = self.person(r, sex, age, family, home.clone());
        if let Some(n) = naming {
            let (prefix, given) = match sex {
                Sex::Male => (n.male_prefix, r.pick(n.given_male)),
                Sex::Female => (n.female_prefix, r.pick(n.given_female)),
            };
            p.middle = String::new();
            p.given = format!("{prefix}{given}");
            p.clan_last = n.clan_last;
        }
        p
    }

    /// A population of exactly `n` people.
    pub fn population(&mut self, n: usize, seed: u64) -> Vec<Person> {
        let mut r = Rng::fork(seed, 1);
        let mut people = Vec::with_capacity(n + 8);
        while people.len() < n {
            people.extend(self.household(&mut r));
        }
        people.truncate(n);
        // Namesakes: one person in 200 shares another's full name, birth year and commune
        // (common names make many in a province); the linker must keep them apart.
        for _ in 0..n / 200 {
            let (i, j) = (r.below(n as u64) as usize, r.below(n as u64) as usize);
            if i == j {
                continue;
            }
            let (a, b) = (people[i].clone(), &mut people[j]);
            (b.family, b.middle, b.given, b.clan_last) = (a.family, a.middle, a.given, a.clan_last);
            (b.commune, b.address) = (a.commune, a.address);
            if b.dob.year != a.dob.year {
                let day = b.dob.day.min(days_in_month(a.dob.year, b.dob.month));
                b.dob = PartialDate::ymd(a.dob.year, b.dob.month, day);
                let (sex, year) = (b.sex, b.dob.year);
                people[j].cccd = self.cccd(&mut r, sex, year);
            }
        }
        people
    }

    /// People who are not in the reference (moved in, never registered).
    pub fn outsider(&mut self, r: &mut Rng) -> Person {
        let sex = if r.chance(0.5) { Sex::Male } else { Sex::Female };
        let age = 18 + r.below(60) as i32;
        let commune = self.random_commune(r);
        let address = format!("Số {}, Tổ {}, {}", 1 + r.below(300), 1 + r.below(25), self.commune_name(&commune));
        let family = self.family_name(r);
        let mut p = self.person(r, sex, age, family, Home { commune, address, household: u32::MAX });
        p.death = None;
        p
    }
}
