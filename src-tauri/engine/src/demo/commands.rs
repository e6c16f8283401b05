//! The simulated orchestrator's commands: what each changes and which event it emits.
//!
//! Each returns the answer the real orchestrator gives and the events it puts on its stream, in
//! their own uneven shapes (`control.mute {muted, ts}`, `vts_expression {data}`, ...), so the
//! dashboard meets the same variety as with the real service.

use serde_json::{json, Value};

use super::state::{now_secs, preset_names, preset_persona, OrchestratorState, MODULES, PRESETS};

/// A command the simulated orchestrator refuses, with the status the real one answers.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// `POST /control/preset` with a name it does not know (404).
    #[error("Unknown preset '{0}'. Known presets: {known}", known = preset_names())]
    UnknownPreset(String),
    /// `POST /toggle/{module}` for a module it does not run (404).
    #[error("Unknown module '{0}'. Known modules: {known}", known = MODULES.join(", "))]
    UnknownModule(String),
}

/// A command's answer and the events it emits.
pub type Outcome = (Value, Vec<Value>);

impl OrchestratorState {
    /// `POST /control/mute {muted}`.
    pub fn mute(&mut self, muted: bool) -> Outcome {
        self.control.tts_muted = muted;
        let event = json!({"type": "control.mute", "muted": muted, "ts": now_secs()});
        (json!({"status": "ok", "tts_muted": muted}), vec![event])
    }

    /// `POST /control/panic {reason?}`: mutes speech and records why; there is no undo.
    pub fn panic(&mut self, reason: Option<String>) -> Outcome {
        let now = now_secs();
        self.control.panic_at = Some(now);
        self.control.panic_reason = reason.clone();
        self.control.tts_muted = true;
        let mut event = json!({"type": "control.panic", "ts": now});
        if let Some(reason) = &reason {
            event["reason"] = json!(reason);
        }
        (
            json!({"status": "ok", "panic_at": now, "reason": reason}),
            vec![event],
        )
    }

    /// `POST /control/preset {preset}`.
    pub fn preset(&mut self, preset: &str) -> Result<Outcome, CommandError> {
        if !PRESETS.iter().any(|(name, ..)| *name == preset) {
            return Err(CommandError::UnknownPreset(preset.to_string()));
        }
        let now = now_secs();
        self.persona = preset_persona(preset, now);
        self.control.active_preset = preset.to_string();
        let events = vec![
            json!({"type": "control_preset", "preset": preset, "active_preset": preset, "ts": now}),
            json!({"type": "persona_update", "persona": self.persona}),
        ];
        Ok((
            json!({"status": "ok", "active_preset": preset, "persona": self.persona}),
            events,
        ))
    }

    /// `POST /toggle/{module} {enabled}`.
    pub fn toggle(&mut self, module: &str, enabled: bool) -> Result<Outcome, CommandError> {
        let Some((name, entry)) = self.modules.iter_mut().find(|(n, _)| *n == module) else {
            return Err(CommandError::UnknownModule(module.to_string()));
        };
        entry.enabled = enabled;
        entry.state = if enabled { "online" } else { "disabled" };
        entry.latency_ms = enabled.then_some(entry.latency_ms).flatten();
        entry.last_updated = now_secs();
        let event = json!({"type": "module.toggle", "module": name, "enabled": enabled, "state": entry.state});
        Ok((
            json!({"status": "ok", "module": name, "enabled": enabled, "state": entry.state}),
            vec![event],
        ))
    }

    /// `POST /persona {style?, chaos_level?, energy?, family_mode?}`.
    pub fn persona(&mut self, update: &Value) -> Outcome {
        let persona = &mut self.persona;
        if let Some(style) = update["style"].as_str() {
            persona.style = style.to_string();
        }
        if let Some(chaos) = update["chaos_level"].as_f64() {
            persona.chaos_level = chaos.clamp(0.0, 1.0);
        }
        if let Some(energy) = update["energy"].as_f64() {
            persona.energy = energy.clamp(0.0, 1.0);
        }
        if let Some(family) = update["family_mode"].as_bool() {
            persona.family_mode = family;
        }
        persona.last_updated = now_secs();
        let event = json!({"type": "persona_update", "persona": persona});
        (json!({"status": "ok", "persona": persona}), vec![event])
    }

    /// `POST /tts {text, voice?}`.
    pub fn tts(&mut self, text: &str, voice: Option<&str>) -> Outcome {
        let data = json!({"text": text, "voice": voice.unwrap_or("kitsu"), "ts": now_secs()});
        self.last_tts = Some(data.clone());
        let event = json!({"type": "tts_request", "data": data});
        (
            json!({"status": "queued", "muted": self.control.tts_muted}),
            vec![event],
        )
    }

    /// `POST /obs/scene {scene}`.
    pub fn obs_scene(&mut self, scene: &str) -> Outcome {
        self.scene = scene.to_string();
        let event = json!({"type": "obs_scene", "scene": scene, "ts": now_secs()});
        (json!({"status": "ok", "scene": scene}), vec![event])
    }

    /// `POST /vts/expr {expression, intensity?}`.
    pub fn vts_expression(&mut self, expression: &str, intensity: Option<f64>) -> Outcome {
        let data = json!({"expression": expression, "intensity": intensity.unwrap_or(1.0), "ts": now_secs()});
        self.last_expression = Some(data.clone());
        let event = json!({"type": "vts_expression", "data": data});
        (
            json!({"status": "ok", "expression": expression}),
            vec![event],
        )
    }
}
