//! The next nights of a generated province (`lamsach synth --day N`): what a register and the
//! reference extract look like after N − 1 nights of ordinary change — records added,
//! removed and edited, registers re-exported in another order; people born, dead, moved and
//! corrected in the reference — so anyone can reproduce a nightly run's figures.

use super::population::{Generator, Person};
use super::registers::RowOut;
use super::specs::Spec;
use super::{Picker, Province};
use crate::calendar::PartialDate;
use crate::normalize::sex::Sex;
use crate::rng::Rng;
use std::collections::HashSet;

/// The shares of a night's change (of records in each register, of people in the extract).
#[derive(Clone, Copy, Debug)]
pub struct Shares {
    pub records: f64,
    pub reference: f64,
}

impl Province<'_> {
    /// One night's change to each register: a share of its rows removed, as many edited (an
    /// address or phone updated) and as many added (people newly listed), then the rows
    /// re-exported in another order. Multi-subject registers are edited and reordered only.
    #[expect(clippy::too_many_arguments, reason = "a generated night's inputs: the province, its registers and the rates, each read once")]
    pub(super) fn next_night(
        &self,
        specs: &[Spec],
        registers: &mut [Vec<RowOut>],
        shares: Shares,
        picker: &mut Picker,
        g: &mut Generator,
        r: &mut Rng,
        died: &mut HashSet<usize>,
    ) {
        for (spec, rows) in specs.iter().zip(registers.iter_mut()) {
            let k = ((rows.len() as f64 * shares.records / 3.0).round() as usize).max(1);
            for _ in 0..k.min(rows.len() / 2) {
                let i = r.below(rows.len() as u64) as usize;
                rows.remove(i);
            }
            for _ in 0..k {
                let i = r.below(rows.len().max(1) as u64) as usize;
                if let Some(row) = rows.get_mut(i) {
                    let p = &mut row.people[0].1;
                    if let Some(a) = p.cells.get_mut("address") {
                        a.push_str(if r.chance(0.5) { " (chuyển đến)" } else { " (cập nhật)" });
                    }
                    if let Some(ph) = p.cells.get_mut("phone") {
                        *ph = format!("09{:08}", r.below(100_000_000));
                    }
                }
            }
            if !spec.births && !spec.marriage && spec.schema != "civil_death" {
                picker.start_register();
                rows.extend(self.rows(spec, k, picker, g, r, died));
            }
            // Re-exported in another order.
            for i in (1..rows.len()).rev() {
                rows.swap(i, r.below(i as u64 + 1) as usize);
            }
        }
    }
}

/// One night's change to the reference extract: a share of its people changed, in five equal
/// parts — babies born (new people), deaths recorded, moves to another commune, corrections of
/// a date of birth, and people taken out of the extract (emigrated, or a duplicate identity
/// cancelled), whose indices join `removed` (the extract is written without them).
pub fn change_reference(people: &mut Vec<Person>, share: f64, g: &mut Generator, r: &mut Rng, removed: &mut HashSet<usize>) {
    let k = ((people.len() as f64 * share / 5.0).round() as usize).max(1);
    let today = g.as_of.days_since_epoch().unwrap_or(0);
    for _ in 0..k {
        let commune = g.random_commune(r);
        let address = format!("Số {}, Tổ {}, {}", 1 + r.below(300), 1 + r.below(25), g.commune_name(&commune));
        let sex = if r.chance(0.5) { Sex::Male } else { Sex::Female };
        let family = g.family_name(r);
        let mut baby = g.person(r, sex, 0, family, super::population::Home { commune, address, household: u32::MAX });
        baby.death = None;
        baby.dob = PartialDate::from_days(today - r.below(30) as i32);
        people.push(baby);
    }
    let n = people.len() as u64;
    for part in 0..3 {
        for _ in 0..k {
            let p = &mut people[r.below(n) as usize];
            match part {
                0 if p.death.is_none() => p.death = Some(PartialDate::from_days(today - 1 - r.below(20) as i32)),
                1 => {
                    p.commune = g.random_commune(r);
                    p.address = format!("Số {}, Tổ {}, {}", 1 + r.below(300), 1 + r.below(25), g.commune_name(&p.commune));
                }
                _ if p.dob.day > 0 => p.dob = PartialDate::ymd(p.dob.year, p.dob.month, 1 + (p.dob.day % 28)),
                _ => {}
            }
            p.updated = PartialDate::from_days(today);
        }
    }
    for _ in 0..k {
        let i = r.below(n) as usize;
        removed.insert(i);
    }
}
