//! The engine's own CPU time and resident memory, read from `/proc/self/stat`.
//!
//! `/metrics` exposes them under the standard `process_*` names, so the overhead of the monitor
//! itself can be watched next to the stream it must not hurt. Where `/proc` is missing (not
//! Linux) they are absent, never 0.

/// CPU time and memory of this process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessStats {
    /// User plus system CPU time since start, in seconds (all threads).
    pub cpu_seconds: f64,
    /// Resident memory, in bytes.
    pub resident_bytes: u64,
}

/// Reads this process's stats; `None` where `/proc/self/stat` is unreadable.
pub fn read_self() -> Option<ProcessStats> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(
        &stat,
        rustix::param::clock_ticks_per_second(),
        rustix::param::page_size() as u64,
    )
}

/// Parses a `/proc/<pid>/stat` line. The command name may hold spaces and parentheses, so the
/// fields are counted from the last `)`.
fn parse_stat(stat: &str, ticks_per_second: u64, page_bytes: u64) -> Option<ProcessStats> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name, field 3 (state) is at index 0: utime is field 14, stime 15, rss 24.
    let number = |index: usize| fields.get(index)?.parse::<u64>().ok();
    let ticks = number(11)? + number(12)?;
    Some(ProcessStats {
        cpu_seconds: ticks as f64 / ticks_per_second.max(1) as f64,
        resident_bytes: number(21)? * page_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_even_with_spaces_in_the_name() {
        let line = "42 (kitsu (engine) x) S 1 42 42 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 \
                    9 0 1234 104857600 2560 18446744073709551615";

        let stats = parse_stat(line, 100, 4096).expect("a well-formed line parses");

        assert_eq!(stats.cpu_seconds, 3.0, "250 + 50 ticks at 100 per second");
        assert_eq!(stats.resident_bytes, 2560 * 4096, "rss is in pages");
    }

    #[test]
    fn this_process_has_memory_and_cpu_time() {
        let stats = read_self().expect("/proc/self/stat is readable on Linux");

        assert!(
            stats.resident_bytes > 0,
            "a running process has resident pages"
        );
    }
}
