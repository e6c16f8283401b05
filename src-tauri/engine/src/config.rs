//! Settings: what the engine reads from the environment and from a `.env` file.
//!
//! The names are a contract with the Kitsu modules and with users' existing `.env` files (the
//! Python service used the same ones), so they are kept as they were. Every setting is declared
//! once in [`SETTINGS`], with its default and one line of meaning; the same table feeds the
//! start-up log line that says where each value came from, and a test checks that
//! `.env.example` and the README list every name.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::gpu::GpuSourceKind;

use crate::upstream::{self, UpstreamSettings};

/// One documented setting: its variable name, default, and meaning for the user.
#[derive(Debug, Clone, Copy)]
pub struct SettingSpec {
    /// Variable name, as read from the environment or `.env`.
    pub name: &'static str,
    /// Default used when the variable is absent (an empty string means "empty").
    pub default: &'static str,
    /// One line for the user who reads `.env.example`.
    pub meaning: &'static str,
}

/// The names of `specs` that `document` never mentions: what a `.env.example` or a README
/// still has to list.
///
/// ```
/// use kitsu_telemetry_engine::config::{undocumented, SETTINGS};
///
/// assert!(undocumented(SETTINGS, "API_HOST only").contains(&"API_PORT"));
/// assert!(!undocumented(SETTINGS, "API_HOST only").contains(&"API_HOST"));
/// ```
pub fn undocumented(specs: &[SettingSpec], document: &str) -> Vec<&'static str> {
    specs
        .iter()
        .map(|spec| spec.name)
        .filter(|name| !document.contains(name))
        .collect()
}

/// Every setting the engine reads, in the order `.env.example` lists them.
pub const SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        name: "API_HOST",
        default: "127.0.0.1",
        meaning: "interface the API binds to; keep loopback unless you set a key",
    },
    SettingSpec {
        name: "API_PORT",
        default: "8001",
        meaning: "TCP port of the telemetry API (0 picks a free port)",
    },
    SettingSpec {
        name: "TELEMETRY_ALLOWED_ORIGINS",
        default: "",
        meaning: "comma-separated CORS allow-list, added to the local dev origins",
    },
    SettingSpec {
        name: "TELEMETRY_DB_PATH",
        default: "./telemetry.db",
        meaning: "SQLite file that stores events",
    },
    SettingSpec {
        name: "TELEMETRY_API_KEY",
        default: "",
        meaning: "when set, every route but /health needs header X-API-KEY with this value",
    },
    SettingSpec {
        name: "TELEMETRY_RETENTION_SECONDS",
        default: "0",
        meaning: "events older than this are pruned in the background (0 keeps everything)",
    },
    SettingSpec {
        name: "TELEMETRY_MAX_BODY_BYTES",
        default: "8388608",
        meaning: "largest accepted request body; bigger bodies get 413",
    },
    SettingSpec {
        name: "TELEMETRY_SYNCHRONOUS",
        default: "normal",
        meaning: "SQLite synchronous mode in WAL: normal (survives a crash of the app) or full (also power loss)",
    },
    SettingSpec {
        name: "KITSU_LOG_ROOT",
        default: "./logs",
        meaning: "folder of the Kitsu services' JSON-lines logs served by GET /logs",
    },
    SettingSpec {
        name: "ORCH_BASE_URL",
        default: "http://127.0.0.1:8000",
        meaning: "the orchestrator's HTTP address, for /orchestrator/* commands",
    },
    SettingSpec {
        name: "ORCH_WS_URL",
        default: "",
        meaning: "the orchestrator's WebSocket base (/stream is appended); empty derives it from ORCH_BASE_URL",
    },
    SettingSpec {
        name: "CONTROL_BASE_URL",
        default: "http://127.0.0.1:8100",
        meaning: "the control backend's HTTP address, for /control/* commands",
    },
    SettingSpec {
        name: "ORCHESTRATOR_API_KEY",
        default: "",
        meaning: "sent as Authorization: Bearer to the orchestrator and the control backend when set",
    },
    SettingSpec {
        name: "TELEMETRY_DEMO",
        default: "0",
        meaning: "1 runs a simulated orchestrator and control backend inside the engine (same as serve --demo)",
    },
    SettingSpec {
        name: "PUBLIC_ORCH_BASE_URL",
        default: "",
        meaning: "old dashboard name of ORCH_BASE_URL, used when that one is not set",
    },
    SettingSpec {
        name: "PUBLIC_ORCH_WS_URL",
        default: "",
        meaning: "old dashboard name of ORCH_WS_URL, used when that one is not set",
    },
    SettingSpec {
        name: "PUBLIC_CONTROL_BASE_URL",
        default: "",
        meaning: "old dashboard name of CONTROL_BASE_URL, used when that one is not set",
    },
    SettingSpec {
        name: "TELEMETRY_GPU_SOURCE",
        default: "nvml",
        meaning: "where GPU readings come from: nvml (the NVIDIA driver), simulated (demo data) or off",
    },
    SettingSpec {
        name: "TELEMETRY_GPU_INTERVAL_SECONDS",
        default: "1.0",
        meaning: "seconds between cheap GPU readings (temperature, load, VRAM, power); at least 0.5",
    },
    SettingSpec {
        name: "TELEMETRY_GPU_SLOW_INTERVAL_SECONDS",
        default: "10",
        meaning: "seconds between expensive GPU readings (fan, per-process VRAM); at least 0.5",
    },
    SettingSpec {
        name: "TELEMETRY_UI_DIR",
        default: "./ui/build",
        meaning: "folder of the built dashboard served at / (build it with pnpm --filter ui build)",
    },
];

/// Where a setting's value came from, for the start-up log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The process environment.
    Env,
    /// The `.env` file in the working directory.
    DotEnv,
    /// The built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Env => "env",
            Origin::DotEnv => ".env",
            Origin::Default => "default",
        })
    }
}

/// How hard SQLite syncs a commit to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// WAL with `synchronous=NORMAL`: a commit survives the app crashing, not a power cut.
    Normal,
    /// WAL with `synchronous=FULL`: every commit is fsynced.
    Full,
}

/// A setting whose value cannot be used. The engine refuses to start with one.
#[derive(Debug, thiserror::Error)]
#[error("setting {name}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    name: &'static str,
    value: String,
    reason: String,
}

/// The engine's settings, resolved from the environment, `.env` and defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Interface the HTTP API binds to (`API_HOST`).
    pub host: IpAddr,
    /// Port of the HTTP API (`API_PORT`); 0 lets the OS choose.
    pub port: u16,
    /// Extra CORS origins (`TELEMETRY_ALLOWED_ORIGINS`), beside [`DEV_ORIGINS`].
    pub allowed_origins: Vec<String>,
    /// SQLite database file (`TELEMETRY_DB_PATH`).
    pub db_path: PathBuf,
    /// API key required in `X-API-KEY`; `None` disables the check (`TELEMETRY_API_KEY`).
    pub api_key: Option<String>,
    /// Background retention window in seconds; `None` keeps everything.
    pub retention_secs: Option<u64>,
    /// Largest accepted request body in bytes (`TELEMETRY_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// SQLite durability mode (`TELEMETRY_SYNCHRONOUS`).
    pub synchronous: Synchronous,
    /// Folder of the Kitsu services' log files (`KITSU_LOG_ROOT`).
    pub log_root: PathBuf,
    /// Where GPU readings come from (`TELEMETRY_GPU_SOURCE`).
    pub gpu_source: GpuSourceKind,
    /// Time between cheap GPU readings (`TELEMETRY_GPU_INTERVAL_SECONDS`), never under 0.5 s.
    pub gpu_interval: Duration,
    /// Time between expensive GPU readings (`TELEMETRY_GPU_SLOW_INTERVAL_SECONDS`).
    pub gpu_slow_interval: Duration,
    /// Folder of the built dashboard served at `/` (`TELEMETRY_UI_DIR`).
    pub ui_dir: PathBuf,
    /// Where each setting came from, by name, for the start-up log line.
    pub origins: Vec<(&'static str, Origin)>,
    /// The Kitsu services' addresses and the timeouts used with them (`ORCH_*`, `CONTROL_*`).
    pub upstreams: UpstreamSettings,
    /// Run the simulated Kitsu stack and point the upstreams at it (`TELEMETRY_DEMO`).
    pub demo: bool,
    /// Listen on a free port when [`Config::port`] is taken, instead of failing. Not a setting:
    /// the desktop app turns it on, because a window that does not open helps nobody, while
    /// the headless engine fails so that a supervisor sees the clash.
    pub port_fallback: bool,
}

/// Origins the original service always allowed: the dashboard's dev servers.
pub const DEV_ORIGINS: &[&str] = &[
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:5174",
    "http://127.0.0.1:5174",
];

impl Config {
    /// Reads the settings from the process environment and from `.env` in the working
    /// directory (the environment wins). A missing `.env` is fine; an unreadable one is not.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_sources(std::env::vars().collect(), &read_dotenv(Path::new(".env"))?)
    }

    /// Resolves the settings from explicit maps, environment first, then `.env`.
    pub fn from_sources(
        env: HashMap<String, String>,
        dotenv: &HashMap<String, String>,
    ) -> anyhow::Result<Self> {
        let resolver = Resolver { env, dotenv };
        let mut origins = Vec::new();
        let mut get = |name: &'static str| {
            let (value, origin) = resolver.lookup(name);
            origins.push((name, origin));
            (name, value)
        };
        let host = parse(get("API_HOST"), |v| {
            v.parse::<IpAddr>().map_err(|e| e.to_string())
        })?;
        let port = parse(get("API_PORT"), |v| {
            v.parse::<u16>().map_err(|e| e.to_string())
        })?;
        let allowed_origins = split_list(&get("TELEMETRY_ALLOWED_ORIGINS").1);
        let db_path = PathBuf::from(get("TELEMETRY_DB_PATH").1);
        let api_key = Some(get("TELEMETRY_API_KEY").1).filter(|k| !k.is_empty());
        let retention = parse(get("TELEMETRY_RETENTION_SECONDS"), parse_u64)?;
        let max_body_bytes = parse(get("TELEMETRY_MAX_BODY_BYTES"), parse_body_limit)?;
        let synchronous = parse(get("TELEMETRY_SYNCHRONOUS"), parse_synchronous)?;
        let log_root = PathBuf::from(get("KITSU_LOG_ROOT").1);
        let demo = parse(get("TELEMETRY_DEMO"), parse_flag)?;
        let gpu_source = parse(get("TELEMETRY_GPU_SOURCE"), |v| v.parse())?;
        let gpu_interval = parse(get("TELEMETRY_GPU_INTERVAL_SECONDS"), parse_gpu_interval)?;
        let gpu_slow_interval = parse(
            get("TELEMETRY_GPU_SLOW_INTERVAL_SECONDS"),
            parse_gpu_interval,
        )?;
        let ui_dir = PathBuf::from(get("TELEMETRY_UI_DIR").1);
        let upstreams = resolve_upstreams(&resolver, &mut origins)?;
        Ok(Config {
            host,
            port,
            allowed_origins,
            db_path,
            api_key,
            retention_secs: Some(retention).filter(|&s| s > 0),
            max_body_bytes,
            synchronous,
            log_root,
            gpu_source,
            gpu_interval,
            gpu_slow_interval,
            ui_dir,
            origins,
            upstreams,
            demo,
            port_fallback: false,
        })
    }

    /// Settings for tests and embedding: defaults everywhere, the database at `db_path`, and
    /// an OS-chosen port.
    pub fn for_db(db_path: impl Into<PathBuf>) -> Self {
        let mut config = Self::from_sources(HashMap::new(), &HashMap::new())
            .expect("the built-in defaults are valid");
        config.port = 0;
        config.db_path = db_path.into();
        config
    }

    /// Every CORS origin the API accepts: the dev origins and the configured ones.
    pub fn cors_origins(&self) -> Vec<String> {
        let mut all: Vec<String> = DEV_ORIGINS.iter().map(|o| o.to_string()).collect();
        for origin in &self.allowed_origins {
            if !all.contains(origin) {
                all.push(origin.clone());
            }
        }
        all
    }

    /// Where the setting `name` came from, if it is one of [`SETTINGS`].
    pub fn origin_of(&self, name: &str) -> Option<Origin> {
        self.origins
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, origin)| *origin)
    }

    /// A compact "NAME=origin" list of the settings that did not come from defaults.
    pub fn describe_origins(&self) -> String {
        let set: Vec<String> = self
            .origins
            .iter()
            .filter(|(_, origin)| *origin != Origin::Default)
            .map(|(name, origin)| format!("{name}={origin}"))
            .collect();
        if set.is_empty() {
            "all defaults".to_string()
        } else {
            set.join(",")
        }
    }
}

struct Resolver<'a> {
    env: HashMap<String, String>,
    dotenv: &'a HashMap<String, String>,
}

impl Resolver<'_> {
    fn lookup(&self, name: &'static str) -> (String, Origin) {
        if let Some(value) = self.env.get(name) {
            return (value.trim().to_string(), Origin::Env);
        }
        if let Some(value) = self.dotenv.get(name) {
            return (value.trim().to_string(), Origin::DotEnv);
        }
        let spec = SETTINGS
            .iter()
            .find(|spec| spec.name == name)
            .expect("every looked-up setting is declared in SETTINGS");
        (spec.default.to_string(), Origin::Default)
    }
}

/// Reads a `.env` file into a map without touching the process environment.
/// Reads the `KEY=value` lines of a `.env` file; a missing file gives an empty map.
pub fn read_dotenv(path: &Path) -> anyhow::Result<HashMap<String, String>> {
    if !path.exists() {
        return Ok(HashMap::new());
    }
    let mut values = HashMap::new();
    for item in dotenvy::from_path_iter(path)? {
        let (key, value) =
            item.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        values.insert(key, value);
    }
    Ok(values)
}

fn parse<T>(
    (name, value): (&'static str, String),
    parser: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    parser(&value).map_err(|reason| ConfigError {
        name,
        value,
        reason,
    })
}

fn parse_u64(value: &str) -> Result<u64, String> {
    value.parse::<u64>().map_err(|e| e.to_string())
}

fn parse_body_limit(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_synchronous(value: &str) -> Result<Synchronous, String> {
    match value.to_ascii_lowercase().as_str() {
        "normal" => Ok(Synchronous::Normal),
        "full" => Ok(Synchronous::Full),
        _ => Err("expected normal or full".into()),
    }
}

fn parse_flag(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err("expected 0 or 1".into()),
    }
}

/// The upstream settings; each clear name wins over its old `PUBLIC_*` dashboard name.
fn resolve_upstreams(
    resolver: &Resolver,
    origins: &mut Vec<(&'static str, Origin)>,
) -> Result<UpstreamSettings, ConfigError> {
    let mut get = |name: &'static str, legacy: &'static str| {
        let (value, origin) = resolver.lookup(name);
        let (legacy_value, legacy_origin) = resolver.lookup(legacy);
        origins.push((name, origin));
        origins.push((legacy, legacy_origin));
        let use_legacy = origin == Origin::Default && !legacy_value.is_empty();
        if use_legacy {
            (legacy, legacy_value)
        } else {
            (name, value)
        }
    };
    let base = parse(get("ORCH_BASE_URL", "PUBLIC_ORCH_BASE_URL"), url_parser)?;
    let (ws_name, ws_value) = get("ORCH_WS_URL", "PUBLIC_ORCH_WS_URL");
    let control = parse(
        get("CONTROL_BASE_URL", "PUBLIC_CONTROL_BASE_URL"),
        url_parser,
    )?;
    let stream = parse((ws_name, ws_value), |v| {
        upstream::stream_url(&base, Some(v)).map_err(|e| e.to_string())
    })?;
    let mut settings = UpstreamSettings::new(&base, &control);
    settings.orchestrator_stream_url = stream;
    settings.orchestrator_api_key =
        Some(resolver.lookup("ORCHESTRATOR_API_KEY")).and_then(|(key, origin)| {
            origins.push(("ORCHESTRATOR_API_KEY", origin));
            Some(key).filter(|k| !k.is_empty())
        });
    Ok(settings)
}

fn url_parser(value: &str) -> Result<String, String> {
    upstream::http_base_url(value).map_err(|e| e.to_string())
}

/// Shortest GPU sampling interval: NVML calls take the driver lock, and sampling faster than
/// this makes games and the stream stutter.
pub const MIN_GPU_INTERVAL: Duration = Duration::from_millis(500);

fn parse_gpu_interval(value: &str) -> Result<Duration, String> {
    let secs = value.parse::<f64>().map_err(|e| e.to_string())?;
    if !secs.is_finite() || secs < MIN_GPU_INTERVAL.as_secs_f64() {
        return Err("must be a number of seconds, at least 0.5".into());
    }
    Ok(Duration::from_secs_f64(secs.min(86_400.0)))
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| item.trim_end_matches('/').to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_the_original_service() {
        let config = Config::from_sources(HashMap::new(), &HashMap::new()).unwrap();

        assert_eq!(config.host.to_string(), "127.0.0.1", "loopback by default");
        assert_eq!(config.port, 8001);
        assert_eq!(config.db_path, PathBuf::from("./telemetry.db"));
        assert_eq!(config.api_key, None, "an empty key disables the check");
        assert_eq!(config.retention_secs, None, "0 keeps everything");
        assert_eq!(config.max_body_bytes, 8 * 1024 * 1024);
        assert_eq!(config.describe_origins(), "all defaults");
    }

    #[test]
    fn environment_wins_over_dotenv_and_origins_are_reported() {
        let env = map(&[("API_PORT", "9000")]);
        let dotenv = map(&[("API_PORT", "9100"), ("TELEMETRY_API_KEY", "secret")]);

        let config = Config::from_sources(env, &dotenv).unwrap();

        assert_eq!(config.port, 9000, "the environment overrides .env");
        assert_eq!(
            config.api_key.as_deref(),
            Some("secret"),
            ".env fills what env lacks"
        );
        assert_eq!(
            config.describe_origins(),
            "API_PORT=env,TELEMETRY_API_KEY=.env"
        );
    }

    #[test]
    fn invalid_values_name_the_setting() {
        let env = map(&[("API_PORT", "eighty")]);

        let error = Config::from_sources(env, &HashMap::new())
            .unwrap_err()
            .to_string();

        assert!(
            error.contains("API_PORT"),
            "the error must name the setting: {error}"
        );
    }

    #[test]
    fn gpu_settings_default_to_nvml_every_second_and_refuse_faster_than_half_a_second() {
        let config = Config::from_sources(HashMap::new(), &HashMap::new()).unwrap();
        assert_eq!(config.gpu_source, GpuSourceKind::Nvml, "NVML by default");
        assert_eq!(config.gpu_interval, Duration::from_secs(1));
        assert_eq!(config.gpu_slow_interval, Duration::from_secs(10));

        for (name, value) in [
            ("TELEMETRY_GPU_INTERVAL_SECONDS", "0.4"),
            ("TELEMETRY_GPU_SLOW_INTERVAL_SECONDS", "NaN"),
            ("TELEMETRY_GPU_SOURCE", "cuda"),
        ] {
            let error = Config::from_sources(map(&[(name, value)]), &HashMap::new()).unwrap_err();
            assert!(
                error.to_string().contains(name),
                "{value} must be refused: {error}"
            );
        }
        let simulated = map(&[("TELEMETRY_GPU_SOURCE", "Simulated")]);
        let config = Config::from_sources(simulated, &HashMap::new()).unwrap();
        assert_eq!(
            config.gpu_source,
            GpuSourceKind::Simulated,
            "case is ignored"
        );
    }

    #[test]
    fn cors_origins_keep_the_dev_servers_and_add_configured_ones() {
        let env = map(&[(
            "TELEMETRY_ALLOWED_ORIGINS",
            "http://obs.local:8080/, ,http://localhost:5173",
        )]);

        let origins = Config::from_sources(env, &HashMap::new())
            .unwrap()
            .cors_origins();

        assert_eq!(
            origins.len(),
            DEV_ORIGINS.len() + 1,
            "duplicates and blanks are dropped"
        );
        assert!(origins.contains(&"http://obs.local:8080".to_string()));
    }

    #[test]
    fn env_example_and_readme_list_every_setting() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");

        for document in [".env.example", "README.md"] {
            let text = std::fs::read_to_string(root.join(document)).unwrap();
            let missing = undocumented(SETTINGS, &text);
            assert!(missing.is_empty(), "{document} must list {missing:?}");
        }
    }

    #[test]
    fn upstream_urls_default_to_the_local_kitsu_services() {
        let config = Config::from_sources(HashMap::new(), &HashMap::new()).unwrap();

        let upstreams = &config.upstreams;
        assert_eq!(upstreams.orchestrator_url, "http://127.0.0.1:8000");
        assert_eq!(
            upstreams.orchestrator_stream_url,
            "ws://127.0.0.1:8000/stream"
        );
        assert_eq!(upstreams.control_url, "http://127.0.0.1:8100");
        assert_eq!(upstreams.orchestrator_api_key, None, "no bearer by default");
        assert!(!config.demo, "the demo is off unless asked for");
    }

    #[test]
    fn the_old_dashboard_names_are_used_only_when_the_clear_ones_are_absent() {
        let dotenv = map(&[
            ("PUBLIC_ORCH_BASE_URL", "http://kitsu.lan:8000/"),
            ("PUBLIC_ORCH_WS_URL", "wss://kitsu.lan:8443"),
            ("PUBLIC_CONTROL_BASE_URL", "http://old:8100"),
        ]);
        let env = map(&[
            ("CONTROL_BASE_URL", "http://new:8100"),
            ("TELEMETRY_DEMO", "1"),
        ]);

        let config = Config::from_sources(env, &dotenv).unwrap();

        let upstreams = &config.upstreams;
        assert_eq!(
            upstreams.orchestrator_url, "http://kitsu.lan:8000",
            "legacy fills in"
        );
        assert_eq!(
            upstreams.orchestrator_stream_url,
            "wss://kitsu.lan:8443/stream"
        );
        assert_eq!(
            upstreams.control_url, "http://new:8100",
            "the clear name wins"
        );
        assert!(config.demo);
    }

    #[test]
    fn an_upstream_url_without_a_scheme_names_its_setting() {
        let env = map(&[("ORCH_BASE_URL", "127.0.0.1:8000")]);

        let error = Config::from_sources(env, &HashMap::new())
            .unwrap_err()
            .to_string();

        assert!(
            error.contains("ORCH_BASE_URL"),
            "the error names the setting: {error}"
        );
        assert!(
            error.contains("http://"),
            "and says what is expected: {error}"
        );
    }
}
