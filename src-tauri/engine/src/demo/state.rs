//! The simulated orchestrator's state: what `GET /status` shows and what commands change.
//!
//! Field names and nesting follow the real orchestrator's `/status` (see the contract notes in
//! the README) and times are epoch seconds as floats. The commands that change this state live in
//! `commands.rs` beside it.

use serde::Serialize;
use serde_json::{json, Value};

use crate::time;

/// The modules the orchestrator supervises, in the order `/status` lists them.
pub const MODULES: [&str; 6] = [
    "asr_worker",
    "policy_worker",
    "tts_worker",
    "avatar_controller",
    "obs_controller",
    "twitch_ingest",
];

/// Persona presets: name, style, chaos level, energy.
pub const PRESETS: [(&str, &str, f64, f64); 4] = [
    ("default", "playful", 0.3, 0.6),
    ("cozy", "calm", 0.1, 0.3),
    ("hype", "energetic", 0.6, 0.95),
    ("chaos", "unhinged", 0.9, 0.9),
];

pub(super) fn preset_names() -> String {
    PRESETS.map(|(name, ..)| name).join(", ")
}

/// Epoch seconds now, as the orchestrator writes times.
pub fn now_secs() -> f64 {
    time::now_micros() as f64 / 1e6
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct Persona {
    pub(super) style: String,
    pub(super) chaos_level: f64,
    pub(super) energy: f64,
    pub(super) family_mode: bool,
    pub(super) last_updated: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct Module {
    pub(super) state: &'static str,
    pub(super) enabled: bool,
    pub(super) latency_ms: Option<f64>,
    pub(super) last_updated: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct Control {
    pub(super) tts_muted: bool,
    pub(super) panic_at: Option<f64>,
    pub(super) panic_reason: Option<String>,
    pub(super) active_preset: String,
}

/// Everything the simulated orchestrator knows.
#[derive(Debug, Clone)]
pub struct OrchestratorState {
    pub(super) persona: Persona,
    pub(super) modules: Vec<(&'static str, Module)>,
    pub(super) scene: String,
    pub(super) last_expression: Option<Value>,
    pub(super) last_tts: Option<Value>,
    pub(super) turns: u64,
    pub(super) control: Control,
}

impl OrchestratorState {
    /// A freshly started orchestrator: every module online, the default preset, not muted.
    pub fn new() -> Self {
        let now = now_secs();
        let module = |latency_ms| Module {
            state: "online",
            enabled: true,
            latency_ms: Some(latency_ms),
            last_updated: now,
        };
        OrchestratorState {
            persona: preset_persona("default", now),
            modules: MODULES
                .iter()
                .zip([160.0, 520.0, 210.0, 45.0, 12.0, 8.0])
                .map(|(name, latency)| (*name, module(latency)))
                .collect(),
            scene: "Starting Soon".into(),
            last_expression: None,
            last_tts: None,
            turns: 0,
            control: Control {
                tts_muted: false,
                panic_at: None,
                panic_reason: None,
                active_preset: "default".into(),
            },
        }
    }

    /// The `GET /status` body.
    pub fn status(&self) -> Value {
        let modules: serde_json::Map<String, Value> = self
            .modules
            .iter()
            .map(|(name, module)| (name.to_string(), json!(module)))
            .collect();
        json!({
            "status": if self.degraded() { "degraded" } else { "online" },
            "persona": self.persona,
            "persona_presets": {"active": self.control.active_preset, "available": preset_names().split(", ").collect::<Vec<_>>()},
            "modules": modules,
            "scene": self.scene,
            "last_expression": self.last_expression,
            "last_tts": self.last_tts,
            "memory": {"turns": self.turns, "summary_every": 8, "last_summary_turn": self.turns / 8 * 8},
            "restore_context": false,
            "control": self.control,
        })
    }

    /// The `GET /health` body.
    pub fn health(&self, uptime_seconds: f64) -> Value {
        let modules: serde_json::Map<String, Value> = self
            .modules
            .iter()
            .map(|(name, module)| (name.to_string(), json!(module.state)))
            .collect();
        json!({
            "status": if self.degraded() { "degraded" } else { "online" },
            "uptime_seconds": (uptime_seconds * 10.0).round() / 10.0,
            "modules": modules,
            "tts_muted": self.control.tts_muted,
            "panic_reason": self.control.panic_reason,
            "panic_active": self.control.panic_at.is_some(),
        })
    }

    fn degraded(&self) -> bool {
        self.modules.iter().any(|(_, m)| !m.enabled)
    }

    /// Whether speech is muted; the scenario skips speech while it is.
    pub fn tts_muted(&self) -> bool {
        self.control.tts_muted
    }

    /// Records a stage's latest latency on the module that runs it.
    pub fn record_latency(&mut self, module: &str, latency_ms: f64) {
        if let Some((_, m)) = self
            .modules
            .iter_mut()
            .find(|(n, m)| *n == module && m.enabled)
        {
            m.latency_ms = Some((latency_ms * 10.0).round() / 10.0);
            m.last_updated = now_secs();
        }
    }

    /// Counts a finished conversation turn.
    pub fn count_turn(&mut self) -> u64 {
        self.turns += 1;
        self.turns
    }
}

impl Default for OrchestratorState {
    fn default() -> Self {
        Self::new()
    }
}

pub(super) fn preset_persona(preset: &str, now: f64) -> Persona {
    let (_, style, chaos_level, energy) = PRESETS
        .iter()
        .find(|(name, ..)| *name == preset)
        .copied()
        .unwrap_or(PRESETS[0]);
    Persona {
        style: style.to_string(),
        chaos_level,
        energy,
        family_mode: false,
        last_updated: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_has_the_six_modules_and_the_control_block() {
        let status = OrchestratorState::new().status();

        for module in MODULES {
            assert_eq!(
                status["modules"][module]["state"], "online",
                "{module} is listed"
            );
        }
        assert_eq!(status["control"]["tts_muted"], false, "not muted at start");
        assert_eq!(status["persona_presets"]["active"], "default");
    }

    #[test]
    fn muting_changes_the_status_and_emits_control_mute() {
        let mut state = OrchestratorState::new();

        let (_, events) = state.mute(true);

        assert_eq!(
            state.status()["control"]["tts_muted"],
            true,
            "the status follows"
        );
        assert_eq!(events[0]["type"], "control.mute");
        assert_eq!(events[0]["muted"], true);
    }

    #[test]
    fn an_unknown_preset_names_the_known_ones() {
        let error = OrchestratorState::new().preset("loud").unwrap_err();

        assert_eq!(
            error.to_string(),
            "Unknown preset 'loud'. Known presets: default, cozy, hype, chaos",
            "the user learns what to type"
        );
    }

    #[test]
    fn disabling_a_module_degrades_the_health() {
        let mut state = OrchestratorState::new();

        state.toggle("tts_worker", false).unwrap();

        let health = state.health(3.0);
        assert_eq!(health["status"], "degraded", "a disabled module degrades");
        assert_eq!(health["modules"]["tts_worker"], "disabled");
    }
}
