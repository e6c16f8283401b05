//! Event time: parsing what clients send and formatting what we answer.
//!
//! Event times are stored as instants, microseconds since the Unix epoch in UTC, so windows and
//! retention compare instants rather than text. Clients send ISO-8601 (with any offset, `Z`, or
//! none, which means UTC) or epoch seconds as a number, because the real Kitsu client sends
//! `time.time()`. Answers are always ISO-8601 in UTC.

use std::fmt::Write;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

const MICROS_PER_SEC: f64 = 1_000_000.0;

/// Latest accepted instant: the start of year 10000, in epoch seconds.
const MAX_EPOCH_SECS: f64 = 253_402_300_800.0;

/// Why a time value was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TimeError {
    /// The text is not ISO-8601.
    #[error("{0:?} is not an ISO-8601 time or epoch seconds")]
    Unparseable(String),
    /// The number is NaN, infinite, negative or past year 9999.
    #[error("{0} is outside the accepted range of epoch seconds (0 to 253402300799)")]
    OutOfRange(f64),
}

/// The current instant.
pub fn now_micros() -> Micros {
    Utc::now().timestamp_micros()
}

/// Converts epoch seconds (as `time.time()` sends them) to an instant.
///
/// ```
/// use kitsu_telemetry_engine::time::from_epoch_secs;
/// assert_eq!(from_epoch_secs(1.5), Ok(1_500_000));
/// assert!(from_epoch_secs(f64::NAN).is_err());
/// ```
pub fn from_epoch_secs(secs: f64) -> Result<Micros, TimeError> {
    if !secs.is_finite() || !(0.0..MAX_EPOCH_SECS).contains(&secs) {
        return Err(TimeError::OutOfRange(secs));
    }
    Ok((secs * MICROS_PER_SEC).round() as Micros)
}

/// Parses ISO-8601 with an offset, with `Z`, or without either (taken as UTC), or a number of
/// epoch seconds written as text (as in a query string).
///
/// ```
/// use kitsu_telemetry_engine::time::parse_time;
/// let offset = parse_time("2026-01-01T07:00:00-05:00").unwrap();
/// assert_eq!(offset, parse_time("2026-01-01T12:00:00Z").unwrap());
/// assert_eq!(offset, parse_time("2026-01-01T12:00:00").unwrap());
/// ```
pub fn parse_time(text: &str) -> Result<Micros, TimeError> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return from_epoch_secs(secs);
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.timestamp_micros());
    }
    let naive_formats = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ];
    for format in naive_formats {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(naive.and_utc().timestamp_micros());
        }
    }
    // Python's isoformat() writes "+00:00" offsets but also a space separator; RFC 3339 parsing
    // needs the 'T', so retry with it.
    if text.len() > 10 && text.as_bytes()[10] == b' ' {
        let with_t = format!("{}T{}", &text[..10], &text[11..]);
        if let Ok(instant) = DateTime::parse_from_rfc3339(&with_t) {
            return Ok(instant.timestamp_micros());
        }
    }
    Err(TimeError::Unparseable(text.to_string()))
}

/// Formats an instant as ISO-8601 UTC with `Z`, with as many fraction digits as it needs.
///
/// ```
/// use kitsu_telemetry_engine::time::format_time;
/// assert_eq!(format_time(1_500_000), "1970-01-01T00:00:01.500Z");
/// ```
pub fn format_time(micros: Micros) -> String {
    match DateTime::<Utc>::from_timestamp_micros(micros) {
        Some(instant) => instant.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => micros.to_string(),
    }
}

/// Formats many instants like [`format_time`] into one reused buffer, without a date library:
/// the CSV export formats a million of them.
#[derive(Debug, Default)]
pub struct TimeFormatter {
    text: String,
}

impl TimeFormatter {
    /// The ISO-8601 UTC text of `micros`, exactly as [`format_time`] writes it.
    ///
    /// ```
    /// use kitsu_telemetry_engine::time::{format_time, TimeFormatter};
    /// let mut formatter = TimeFormatter::default();
    /// assert_eq!(formatter.format(1_767_225_600_250_000), format_time(1_767_225_600_250_000));
    /// ```
    pub fn format(&mut self, micros: Micros) -> &str {
        self.text.clear();
        if micros < 0 {
            self.text.push_str(&format_time(micros));
            return &self.text;
        }
        let (days, micros_of_day) = (micros / 86_400_000_000, micros % 86_400_000_000);
        let (year, month, day) = civil_from_days(days);
        let secs = micros_of_day / 1_000_000;
        let _ = write!(
            self.text,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        let _ = match micros_of_day % 1_000_000 {
            0 => Ok(()),
            f if f % 1000 == 0 => write!(self.text, ".{:03}", f / 1000),
            f => write!(self.text, ".{f:06}"),
        };
        self.text.push('Z');
        &self.text
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Start of the whole second that holds `micros`.
pub fn floor_to_second(micros: Micros) -> Micros {
    micros.div_euclid(1_000_000) * 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_converted_to_the_same_instant() {
        let cases = [
            "2026-03-01T10:00:00Z",
            "2026-03-01T05:00:00-05:00",
            "2026-03-01T11:00:00+01:00",
            "2026-03-01T10:00:00",
            "2026-03-01 10:00:00+00:00",
            "2026-03-01T10:00:00.000000",
        ];

        let instants: Vec<_> = cases.iter().map(|c| parse_time(c).unwrap()).collect();

        assert!(
            instants.windows(2).all(|w| w[0] == w[1]),
            "all name one instant: {instants:?}"
        );
    }

    #[test]
    fn epoch_text_is_accepted_in_queries() {
        assert_eq!(parse_time("1767225600.25").unwrap(), 1_767_225_600_250_000);
    }

    #[test]
    fn garbage_and_impossible_numbers_are_refused() {
        assert!(matches!(
            parse_time("yesterday"),
            Err(TimeError::Unparseable(_))
        ));
        assert!(matches!(
            from_epoch_secs(-1.0),
            Err(TimeError::OutOfRange(_))
        ));
        assert!(matches!(
            from_epoch_secs(1.7e12 * 1000.0),
            Err(TimeError::OutOfRange(_))
        ));
        assert!(matches!(
            from_epoch_secs(f64::INFINITY),
            Err(TimeError::OutOfRange(_))
        ));
    }

    #[test]
    fn the_reusing_formatter_writes_what_format_time_writes() {
        let mut formatter = TimeFormatter::default();
        let base = 1_767_225_600_000_000;
        let steps = [
            0,
            1,
            999,
            1_000,
            120_000,
            999_999,
            1_000_000,
            1_000_001,
            59_999_000,
            86_400_000_000,
        ];

        for step in steps {
            let instant = base + step;
            assert_eq!(
                formatter.format(instant),
                format_time(instant),
                "at +{step} us"
            );
        }
    }

    #[test]
    fn formatting_round_trips_through_parsing() {
        let instant = 1_767_225_600_123_456;

        let text = format_time(instant);

        assert_eq!(text, "2026-01-01T00:00:00.123456Z");
        assert_eq!(parse_time(&text).unwrap(), instant);
    }
}
