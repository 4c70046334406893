//! The job's wall clock. The run date, the run folder's name, archive names and the store's
//! times are read in the job's time zone (`[job] timezone`, Vietnam's by default), whatever
//! the machine's clock is set to: a night run at 01:30 in Vietnam is that day's run, not
//! yesterday's in UTC.
//!
//! Vietnam has kept UTC+07:00 without daylight saving since 1975, so a zone is a fixed offset:
//! the zone's name or the offset itself (`"+07:00"`).

use chrono::{DateTime, FixedOffset, Utc};
use std::sync::atomic::{AtomicI32, Ordering};

/// The default zone, `Asia/Ho_Chi_Minh`: UTC+07:00.
pub const VIETNAM: Zone = Zone { seconds_east: 7 * 3600 };

/// A time zone as its offset from UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    seconds_east: i32,
}

impl Default for Zone {
    fn default() -> Self {
        VIETNAM
    }
}

impl Zone {
    /// `"Asia/Ho_Chi_Minh"` (or its old name `"Asia/Saigon"`, or another zone of UTC+07:00
    /// without daylight saving), `"UTC"`, or an offset `"+07:00"` / `"-03:30"`.
    pub fn parse(text: &str) -> Option<Zone> {
        let t = text.trim();
        match t {
            "Asia/Ho_Chi_Minh" | "Asia/Saigon" | "Asia/Bangkok" | "Asia/Phnom_Penh" | "Asia/Vientiane" | "Asia/Jakarta" => return Some(VIETNAM),
            "UTC" | "Etc/UTC" | "Z" => return Some(Zone { seconds_east: 0 }),
            _ => {}
        }
        let (sign, rest) = match t.as_bytes().first()? {
            b'+' => (1, &t[1..]),
            b'-' => (-1, &t[1..]),
            _ => return None,
        };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
        ((0..=14).contains(&h) && (0..60).contains(&m)).then_some(Zone { seconds_east: sign * (h * 3600 + m * 60) })
    }

    fn offset(self) -> FixedOffset {
        FixedOffset::east_opt(self.seconds_east).unwrap_or(FixedOffset::east_opt(0).expect("UTC"))
    }

    /// `at` read on this zone's clock.
    pub fn at(self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        at.with_timezone(&self.offset())
    }
}

/// The zone of this process's run (set once the job is loaded; Vietnam's until then).
static ZONE: AtomicI32 = AtomicI32::new(VIETNAM.seconds_east);

/// Makes `zone` the clock every later [`now`] reads.
pub fn use_zone(zone: Zone) {
    ZONE.store(zone.seconds_east, Ordering::Relaxed);
}

/// Now, on the job's clock.
pub fn now() -> DateTime<FixedOffset> {
    Zone { seconds_east: ZONE.load(Ordering::Relaxed) }.at(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn half_past_one_in_vietnam_on_new_years_day_is_that_day_not_utcs_last_one() {
        let utc = Utc.with_ymd_and_hms(2026, 12, 31, 18, 30, 0).unwrap();
        assert_eq!(VIETNAM.at(utc).format("%Y-%m-%d %H:%M").to_string(), "2027-01-01 01:30");
        assert_eq!(Zone::parse("UTC").unwrap().at(utc).format("%Y-%m-%d").to_string(), "2026-12-31");
    }

    #[test]
    fn zones_are_read_by_name_or_offset() {
        assert_eq!(Zone::parse("Asia/Ho_Chi_Minh"), Some(VIETNAM));
        assert_eq!(Zone::parse("Asia/Saigon"), Some(VIETNAM));
        assert_eq!(Zone::parse("+07:00"), Some(VIETNAM));
        assert_eq!(Zone::parse("+7"), Some(VIETNAM));
        assert_eq!(Zone::parse("-03:30"), Some(Zone { seconds_east: -(3 * 3600 + 1800) }));
        for bad in ["", "Europe/Nowhere", "+25:00", "+07:75", "07:00"] {
            assert_eq!(Zone::parse(bad), None, "{bad}");
        }
    }
}
