//! The comparable features of one person, pre-folded once per record.

use crate::calendar::PartialDate;
use crate::normalize::NormRecord;
use crate::normalize::name::Name;
use crate::normalize::sex::Sex;
use compact_str::CompactString;

/// What the linker compares. Strings are folded (ASCII, lower case) so the
/// comparison kernel works on bytes with no allocation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Features {
    /// The normalized name with its folded and phonetic keys (empty when unknown).
    pub name: Name,
    pub person_id: Option<CompactString>,
    pub old_id: Option<CompactString>,
    pub dob: Option<PartialDate>,
    pub sex: Option<Sex>,
    /// Current (2025) commune code.
    pub commune: Option<CompactString>,
    /// For a pre-2025 commune split across several 2025 units: the others it may be
    /// (`commune` holds the crosswalk's default). Empty otherwise.
    pub commune_alt: Box<[CompactString]>,
    /// Current (2025) province code.
    pub province: Option<CompactString>,
    /// Hash of the address's part below the commune (house, street, hamlet), when it has one.
    pub hamlet: Option<u64>,
}

impl Features {
    /// A record's features, with the sex its role says when it wrote none (a wife, a mother:
    /// [`crate::schema::Schema::sex_of_role`]).
    pub fn from_record_in_role(r: &NormRecord, role_sex: Option<crate::normalize::sex::Sex>) -> Features {
        let mut f = Features::from_record(r);
        f.sex = f.sex.or(role_sex);
        f
    }

    pub fn from_record(r: &NormRecord) -> Features {
        let mut f = Features {
            person_id: r.person_id.as_deref().map(CompactString::from),
            old_id: r.old_id.as_deref().map(CompactString::from),
            dob: r.dob,
            sex: r.sex,
            commune: r.commune.as_ref().and_then(|c| c.current_code.as_deref()).map(CompactString::from),
            commune_alt: r.commune.as_ref().map(|c| c.other_targets.iter().map(|t| CompactString::from(t.as_str())).collect()).unwrap_or_default(),
            province: r.commune.as_ref().and_then(|c| c.current_province.as_deref()).map(CompactString::from),
            hamlet: r.address.as_deref().and_then(crate::normalize::address::hamlet_key).map(|k| KeyHasher::new(5).bytes(k.as_bytes()).finish()),
            ..Default::default()
        };
        if let Some(n) = &r.name {
            f.set_name(n);
        }
        f
    }

    /// Copies a normalized name's display form and keys.
    pub fn set_name(&mut self, n: &Name) {
        self.name = n.clone();
    }

    /// Features of a raw full name alone (tests, benchmarks, what-if tools).
    pub fn from_name(raw: &str) -> Features {
        let mut f = Features::default();
        if let Some((n, _)) = crate::normalize::name::normalize_name(raw, Default::default()) {
            f.set_name(&n);
        }
        f
    }

    pub fn has_name(&self) -> bool {
        !self.name.folded().is_empty()
    }
}

/// A fast 64-bit hash (FxHash's multiply-rotate) for blocking keys and term frequencies.
#[derive(Clone, Copy)]
pub struct KeyHasher(u64);

impl KeyHasher {
    pub fn new(seed: u64) -> Self {
        KeyHasher(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
    #[inline]
    pub fn u64(mut self, v: u64) -> Self {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        self
    }
    #[inline]
    pub fn bytes(mut self, b: &[u8]) -> Self {
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            self = self.u64(u64::from_le_bytes(c.try_into().unwrap()));
        }
        let mut tail = [0u8; 8];
        let r = chunks.remainder();
        tail[..r.len()].copy_from_slice(r);
        self.u64(u64::from_le_bytes(tail) ^ ((b.len() as u64) << 56))
    }
    #[inline]
    pub fn finish(self) -> u64 {
        // Final avalanche so that nearby keys spread over the map.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51afd7ed558ccd);
        x ^= x >> 33;
        x
    }
}

/// A hasher for maps whose keys are already [`KeyHasher`] outputs.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | *b as u64;
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

pub type KeyMap<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<IdentityHasher>>;
