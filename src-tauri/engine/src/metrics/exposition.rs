//! Writing the Prometheus text format: family headers, label escaping and number spelling.
//!
//! Kept apart from what the engine exposes ([`super::prometheus`]) so the format's rules live in
//! one small place.

use std::fmt::Write;

/// Builds exposition text: one `# HELP`/`# TYPE` header per family, then its samples.
///
/// ```
/// use kitsu_telemetry_engine::metrics::exposition::Exposition;
/// let mut text = Exposition::default();
/// text.family("kitsu_demo_total", "counter", "Demo events.");
/// text.sample("kitsu_demo_total", &[("type", "a\"b")], 3.0);
/// assert!(text.finish().ends_with("kitsu_demo_total{type=\"a\\\"b\"} 3\n"));
/// ```
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts a metric family.
    pub fn family(&mut self, name: &str, kind: &str, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// Writes one sample of the current family.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            let pairs: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                .collect();
            let _ = write!(self.out, "{{{}}}", pairs.join(","));
        }
        let _ = writeln!(self.out, " {}", format_value(value));
    }

    /// The text.
    pub fn finish(self) -> String {
        self.out
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn format_value(value: f64) -> String {
    match value {
        v if v.is_nan() => "NaN".into(),
        v if v == f64::INFINITY => "+Inf".into(),
        v if v == f64::NEG_INFINITY => "-Inf".into(),
        v => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_values_and_help_text_are_spelled_as_prometheus_expects() {
        let mut text = Exposition::default();

        text.family("x", "gauge", "Line one\nline two \\ done.");
        text.sample("x", &[("path", "C:\\obs\nnew")], f64::INFINITY);
        text.sample("x", &[], f64::NAN);
        text.sample("x", &[], 0.25);

        let lines: Vec<String> = text.finish().lines().map(str::to_string).collect();
        assert_eq!(
            lines[0], "# HELP x Line one\\nline two \\\\ done.",
            "help escapes newlines and backslashes"
        );
        assert_eq!(
            lines[2], "x{path=\"C:\\\\obs\\nnew\"} +Inf",
            "labels escape, infinity is +Inf"
        );
        assert_eq!((lines[3].as_str(), lines[4].as_str()), ("x NaN", "x 0.25"));
    }
}
