//! `Tz` in the browser: zone names and offsets from the browser's tz database through
//! `Intl.DateTimeFormat`, so the WASM carries no zone tables (it builds a zone's offsets for a
//! year from about 100 readings the first time it needs them). Same API as `chrono_tz::Tz` for
//! what the app uses (`parse`, `from_str_insensitive`, `name`, `chrono::TimeZone`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{
    Datelike, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
    Utc,
};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `Intl.DateTimeFormat`.
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type DateTimeFormat;

    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "DateTimeFormat", catch)]
    fn new(locale: &str, options: &JsValue) -> Result<DateTimeFormat, JsValue>;

    #[wasm_bindgen(method)]
    fn format(this: &DateTimeFormat, epoch_ms: f64) -> String;

    #[wasm_bindgen(method, js_name = resolvedOptions)]
    fn resolved_options(this: &DateTimeFormat) -> JsValue;
}

/// An IANA zone the browser knows.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Tz {
    name: &'static str,
}

/// The UTC zone.
pub const UTC: Tz = Tz { name: "UTC" };

/// A name the browser's tz database does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownZone;

impl fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown time zone")
    }
}

/// A zone's offsets through a year: `(from, seconds east of UTC)`, sorted by `from` (Unix s).
type Spans = Vec<(i64, i32)>;

thread_local! {
    /// Names looked up so far and the zone each named (leaked once each: `Tz` is `Copy`).
    static NAMES: RefCell<HashMap<String, &'static str>> = RefCell::new(HashMap::new());
    /// A formatter per zone.
    static FORMATS: RefCell<HashMap<&'static str, DateTimeFormat>> = RefCell::new(HashMap::new());
    /// Each zone's offsets through a UTC year, built on first use (`year_table`).
    static TABLES: RefCell<HashMap<(&'static str, i32), Spans>> = RefCell::new(HashMap::new());
}

/// A formatter that writes an instant's wall-clock fields in `zone`: `3/8/2026, 07:30:00`.
fn formatter(zone: &str) -> Option<DateTimeFormat> {
    let options = js_sys::Object::new();
    for (key, value) in [
        ("timeZone", zone),
        ("hourCycle", "h23"),
        ("year", "numeric"),
        ("month", "numeric"),
        ("day", "numeric"),
        ("hour", "numeric"),
        ("minute", "numeric"),
        ("second", "numeric"),
    ] {
        js_sys::Reflect::set(&options, &key.into(), &value.into()).ok()?;
    }
    DateTimeFormat::new("en-US-u-ca-gregory-nu-latn", &options).ok()
}

impl Tz {
    /// The zone's IANA name.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The zone named `raw` in any letter case (the browser's lookup ignores case).
    pub fn from_str_insensitive(raw: &str) -> Result<Tz, UnknownZone> {
        if raw.eq_ignore_ascii_case("utc") {
            return Ok(UTC);
        }
        if let Some(name) = NAMES.with(|n| n.borrow().get(raw).copied()) {
            return Ok(Tz { name });
        }
        let format = formatter(raw).ok_or(UnknownZone)?;
        let resolved = js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        // The browser's canonical spelling when it only differs in case; otherwise (a link
        // such as Asia/Kolkata, which some browsers resolve to Asia/Calcutta) the name given.
        let name = if resolved.eq_ignore_ascii_case(raw) {
            resolved
        } else {
            raw.to_owned()
        };
        let name: &'static str = Box::leak(name.into_boxed_str());
        NAMES.with(|n| n.borrow_mut().insert(raw.to_owned(), name));
        FORMATS.with(|f| f.borrow_mut().insert(name, format));
        Ok(Tz { name })
    }

    /// The offset from UTC at `utc`, from this zone's table for the instant's (UTC) year.
    fn fixed_at(self, utc: &NaiveDateTime) -> FixedOffset {
        let zero = Utc.fix();
        if self.name == "UTC" {
            return zero;
        }
        let t = utc.and_utc().timestamp();
        let year = utc.year();
        let secs = TABLES.with(|tables| {
            let mut tables = tables.borrow_mut();
            let spans = tables
                .entry((self.name, year))
                .or_insert_with(|| year_table(self.name, year));
            // The last span starting at or before `t` (the first starts at the year's start).
            let i = spans.partition_point(|&(from, _)| from <= t);
            spans
                .get(i.saturating_sub(1))
                .map_or(0, |&(_, offset)| offset)
        });
        FixedOffset::east_opt(secs).unwrap_or(zero)
    }
}

/// The browser's offset (seconds east of UTC) in `zone` at `t` (Unix seconds).
fn browser_offset(zone: &'static str, t: i64) -> Option<i32> {
    let text = FORMATS.with(|f| {
        let mut formats = f.borrow_mut();
        if !formats.contains_key(zone) {
            formats.insert(zone, formatter(zone)?);
        }
        formats.get(zone).map(|f| f.format(t as f64 * 1000.0))
    })?;
    let local = parse_wall_clock(&text)?.and_utc().timestamp();
    i32::try_from(local - t).ok()
}

/// The offsets of `zone` through one UTC year as `(from, offset)` spans, from the browser: a
/// reading every 7 days, and a binary search to the second wherever two readings differ. A
/// zone changes offset at most a few times a year, never twice within a week (Morocco's
/// Ramadan break, the shortest, lasts about a month), so about 100 readings find them all.
fn year_table(zone: &'static str, year: i32) -> Spans {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .map_or(0, |d| d.and_time(NaiveTime::MIN).and_utc().timestamp());
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .map_or(start, |d| d.and_time(NaiveTime::MIN).and_utc().timestamp());
    let read = |t: i64| browser_offset(zone, t).unwrap_or(0);
    const WEEK: i64 = 7 * 86_400;
    let mut spans = vec![(start, read(start))];
    let (mut a, mut offset_a) = (start, spans[0].1);
    while a < end {
        let b = (a + WEEK).min(end);
        let offset_b = read(b);
        if offset_b != offset_a {
            // Invariant: the offset at `lo` is not `offset_b`; at `hi` it is.
            let (mut lo, mut hi) = (a, b);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if read(mid) == offset_b {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            spans.push((hi, offset_b));
        }
        (a, offset_a) = (b, offset_b);
    }
    spans
}

/// `3/8/2026, 07:30:00` (month, day, year, hour, minute, second) as a wall-clock time.
fn parse_wall_clock(text: &str) -> Option<NaiveDateTime> {
    let mut numbers = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u32>().ok());
    let mut next = || numbers.next().flatten();
    let (month, day, year) = (next()?, next()?, next()?);
    let (hour, minute, second) = (next()?, next()?, next()?);
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
        .and_hms_opt(hour, minute, second)
}

impl FromStr for Tz {
    type Err = UnknownZone;

    fn from_str(raw: &str) -> Result<Tz, UnknownZone> {
        Tz::from_str_insensitive(raw)
    }
}

impl fmt::Display for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// A zone's offset at some instant.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ZoneOffset {
    tz: Tz,
    fix: FixedOffset,
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fix
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::zone_label(self.fix))
    }
}

impl TimeZone for Tz {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Tz {
        offset.tz
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
    }

    /// The offsets a day before and after bracket any transition near `local`; each that maps
    /// `local` back onto itself is a reading (two in a fold, none in a gap).
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset> {
        let day = chrono::Duration::days(1);
        let before = self.fixed_at(&(*local - day));
        let after = self.fixed_at(&(*local + day));
        let fits = |fix: FixedOffset| {
            let utc = *local - chrono::Duration::seconds(i64::from(fix.local_minus_utc()));
            self.fixed_at(&utc) == fix
        };
        let offset = |fix| ZoneOffset { tz: *self, fix };
        match (fits(before), before != after && fits(after)) {
            (true, true) => MappedLocalTime::Ambiguous(offset(before), offset(after)),
            (true, false) => MappedLocalTime::Single(offset(before)),
            (false, true) => MappedLocalTime::Single(offset(after)),
            (false, false) => MappedLocalTime::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        ZoneOffset {
            tz: *self,
            fix: self.fixed_at(utc),
        }
    }
}
