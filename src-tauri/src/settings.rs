//! The desktop app's own settings, beside the engine's: when to notify, and the export path
//! override. Like the engine's, they come from the environment and from `.env` in the working
//! directory (the environment wins), and [`DESKTOP_SETTINGS`] declares each one once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use kitsu_telemetry_engine::config::{read_dotenv, SettingSpec};

/// Every setting the desktop app reads, in the order `.env.example` lists them.
pub const DESKTOP_SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        name: "TELEMETRY_NOTIFY_GPU_TEMP_C",
        default: "85",
        meaning: "desktop app: notify when a GPU reaches this temperature in °C (0 turns it off)",
    },
    SettingSpec {
        name: "TELEMETRY_NOTIFY_P95_MS",
        default: "1800",
        meaning: "desktop app: notify when a pipeline stage's p95 latency over 5 minutes exceeds this many ms (0 turns it off)",
    },
    SettingSpec {
        name: "TELEMETRY_NOTIFY_UPSTREAM_OFFLINE",
        default: "1",
        meaning: "desktop app: 1 notifies when the orchestrator's stream goes offline, 0 does not",
    },
    SettingSpec {
        name: "TELEMETRY_EXPORT_PATH",
        default: "",
        meaning: "desktop app: write CSV exports to this file without asking (for tests and scripts); empty opens the save dialog",
    },
];

/// The desktop app's settings, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct DesktopSettings {
    /// GPU temperature that raises a notification; `None` when off.
    pub notify_gpu_temp_c: Option<f64>,
    /// p95 latency budget per stage that raises a notification; `None` when off.
    pub notify_p95_ms: Option<f64>,
    /// Whether the orchestrator's stream going offline raises a notification.
    pub notify_upstream_offline: bool,
    /// Where exports go without a dialog; `None` asks the user each time.
    pub export_path: Option<PathBuf>,
}

impl DesktopSettings {
    /// Reads the settings from the environment and `.env` in the working directory.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_sources(
            &std::env::vars().collect(),
            &read_dotenv(Path::new(".env"))?,
        )
    }

    /// Resolves the settings from explicit maps, environment first, then `.env`.
    pub fn from_sources(
        env: &HashMap<String, String>,
        dotenv: &HashMap<String, String>,
    ) -> anyhow::Result<Self> {
        let get = |name: &str| -> String {
            let default = DESKTOP_SETTINGS
                .iter()
                .find(|spec| spec.name == name)
                .map(|spec| spec.default)
                .expect("every setting read here is declared in DESKTOP_SETTINGS");
            env.get(name)
                .or_else(|| dotenv.get(name))
                .map(|value| value.trim().to_owned())
                .unwrap_or_else(|| default.to_owned())
        };
        let threshold = |name: &str| -> anyhow::Result<Option<f64>> {
            let value = get(name);
            let number: f64 = value
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite() && *n >= 0.0)
                .with_context(|| {
                    format!("setting {name}={value:?} is invalid: expected a number, 0 or more")
                })?;
            Ok(Some(number).filter(|n| *n > 0.0))
        };
        let flag = match get("TELEMETRY_NOTIFY_UPSTREAM_OFFLINE").as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" | "" => false,
            other => anyhow::bail!(
                "setting TELEMETRY_NOTIFY_UPSTREAM_OFFLINE={other:?} is invalid: expected 1 or 0"
            ),
        };
        Ok(Self {
            notify_gpu_temp_c: threshold("TELEMETRY_NOTIFY_GPU_TEMP_C")?,
            notify_p95_ms: threshold("TELEMETRY_NOTIFY_P95_MS")?,
            notify_upstream_offline: flag,
            export_path: Some(get("TELEMETRY_EXPORT_PATH"))
                .filter(|path| !path.is_empty())
                .map(PathBuf::from),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kitsu_telemetry_engine::config::undocumented;

    fn resolve(env: &[(&str, &str)], dotenv: &[(&str, &str)]) -> anyhow::Result<DesktopSettings> {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>()
        };
        DesktopSettings::from_sources(&map(env), &map(dotenv))
    }

    #[test]
    fn defaults_notify_on_every_gate_and_ask_for_the_export_path() {
        let settings = resolve(&[], &[]).unwrap();
        assert_eq!(settings.notify_gpu_temp_c, Some(85.0), "default GPU gate");
        assert_eq!(
            settings.notify_p95_ms,
            Some(1800.0),
            "default p95 budget, the dashboard's"
        );
        assert!(
            settings.notify_upstream_offline,
            "upstream alerts on by default"
        );
        assert_eq!(settings.export_path, None, "the dialog asks by default");
    }

    #[test]
    fn zero_turns_a_gate_off_and_the_environment_beats_dotenv() {
        let settings = resolve(
            &[
                ("TELEMETRY_NOTIFY_GPU_TEMP_C", "0"),
                ("TELEMETRY_EXPORT_PATH", "/tmp/a.csv"),
            ],
            &[
                ("TELEMETRY_NOTIFY_GPU_TEMP_C", "70"),
                ("TELEMETRY_NOTIFY_P95_MS", "900"),
            ],
        )
        .unwrap();
        assert_eq!(
            settings.notify_gpu_temp_c, None,
            "0 in the environment turns it off"
        );
        assert_eq!(
            settings.notify_p95_ms,
            Some(900.0),
            ".env fills what the environment lacks"
        );
        assert_eq!(settings.export_path, Some(PathBuf::from("/tmp/a.csv")));
    }

    #[test]
    fn env_example_and_readme_list_every_desktop_setting() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for document in [".env.example", "README.md"] {
            let text = std::fs::read_to_string(root.join(document)).unwrap();
            let missing = undocumented(DESKTOP_SETTINGS, &text);
            assert!(missing.is_empty(), "{document} must list {missing:?}");
        }
    }

    #[test]
    fn bad_values_name_the_setting() {
        for (name, value) in [
            ("TELEMETRY_NOTIFY_GPU_TEMP_C", "hot"),
            ("TELEMETRY_NOTIFY_P95_MS", "-5"),
            ("TELEMETRY_NOTIFY_UPSTREAM_OFFLINE", "maybe"),
        ] {
            let error = resolve(&[(name, value)], &[]).unwrap_err().to_string();
            assert!(error.contains(name), "the error {error:?} names {name}");
        }
    }
}
