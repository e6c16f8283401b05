//! What happens on the simulated stream: conversation turns, moderator actions, snapshots.
//!
//! A turn every few seconds walks the pipeline (speech recognised, the policy answers, speech
//! generated, the avatar moves) and reports each stage's latency as `pipeline.metric`. Stage
//! latencies are log-normal around realistic medians, so the end-to-end turn sits mostly under
//! the project's goals (median 1.2 s, p95 1.8 s) with an occasional slow LLM answer above them.
//! Now and then the "moderator" mutes, switches presets or scenes, or panics; a fresh status is
//! sent every 5 s. A few events per second in all, so the demo costs next to nothing.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;

use super::orchestrator::SimOrchestrator;
use super::state::{now_secs, PRESETS};

/// How often a full status snapshot goes out, as the real orchestrator does.
pub const STATUS_EVERY: Duration = Duration::from_secs(5);

/// A latency in ms drawn from a log-normal law with this median and spread.
///
/// ```
/// let draw = kitsu_telemetry_engine::demo::scenario::log_normal_ms(500.0, 0.3);
/// assert!(draw > 0.0);
/// ```
pub fn log_normal_ms(median_ms: f64, sigma: f64) -> f64 {
    // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
    let u1 = 1.0 - fastrand::f64();
    let u2 = fastrand::f64();
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let ms = median_ms * (sigma * normal).exp();
    (ms * 10.0).round() / 10.0
}

/// One turn's stage latencies in ms.
#[derive(Debug, Clone, Copy)]
pub struct TurnLatencies {
    /// Speech recognition.
    pub asr: f64,
    /// The policy (LLM) answer.
    pub llm: f64,
    /// Speech synthesis.
    pub tts: f64,
    /// Avatar animation.
    pub avatar: f64,
    /// The whole turn, stages plus hand-over overhead.
    pub end_to_end: f64,
}

impl TurnLatencies {
    /// Draws a turn; about one in thirty has a slow LLM answer.
    pub fn draw() -> Self {
        let slow_llm = if fastrand::u8(..30) == 0 { 2.2 } else { 1.0 };
        let asr = log_normal_ms(160.0, 0.25);
        let llm = log_normal_ms(480.0, 0.3) * slow_llm;
        let tts = log_normal_ms(200.0, 0.3);
        let avatar = log_normal_ms(40.0, 0.3);
        let overhead = 20.0 + fastrand::f64() * 40.0;
        let end_to_end = ((asr + llm + tts + avatar + overhead) * 10.0).round() / 10.0;
        TurnLatencies {
            asr,
            llm,
            tts,
            avatar,
            end_to_end,
        }
    }
}

/// Sends a `status` every [`STATUS_EVERY`] until stopped.
pub async fn send_statuses(sim: Arc<SimOrchestrator>, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(STATUS_EVERY);
    loop {
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            _ = ticks.tick() => sim.emit(vec![sim.status_event()]),
        }
    }
}

/// Plays turns and moderator actions until stopped.
pub async fn play(sim: Arc<SimOrchestrator>, mut stop: watch::Receiver<bool>) {
    let mut unmute_after: Option<u64> = None;
    loop {
        let pause = Duration::from_millis(1500 + fastrand::u64(..2000));
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            _ = play_turn(&sim, pause) => {}
        }
        let turn = sim.with_state(|s| s.count_turn());
        if unmute_after.is_some_and(|t| turn >= t) {
            unmute_after = None;
            let (_, events) = sim.with_state(|s| s.mute(false));
            sim.emit(events);
        }
        moderate(&sim, turn, &mut unmute_after);
    }
}

/// One turn: a pause, then each stage's events as it finishes.
async fn play_turn(sim: &SimOrchestrator, pause: Duration) {
    tokio::time::sleep(pause).await;
    let latency = TurnLatencies::draw();
    let (text, reply) = LINES[fastrand::usize(..LINES.len())];
    sim.emit(vec![json!({"type": "asr_partial", "payload": {"text": &text[..text.len() / 2], "ts": now_secs()}})]);
    sleep_ms(latency.asr).await;
    sim.emit(vec![json!({"type": "asr_final", "payload": {
        "text": text, "latency_ms": latency.asr, "duration_ms": 900 + fastrand::u32(..2600), "confidence": 0.9,
    }})]);
    sleep_ms(latency.llm).await;
    sim.emit(vec![
        json!({"type": "policy.token", "payload": {"token": reply.split(' ').next(), "index": 0}}),
        json!({"type": "policy_final", "payload": {"text": reply, "latency_ms": latency.llm, "tokens": reply.split(' ').count()}}),
    ]);
    let muted = sim.with_state(|s| s.tts_muted());
    if !muted {
        sleep_ms(latency.tts).await;
        sim.emit(vec![json!({"type": "tts_generated", "payload": {"chars": reply.len(), "latency_ms": latency.tts, "voice": "kitsu"}})]);
    }
    record(sim, &latency, muted);
    sim.emit(stage_metrics(&latency, muted));
}

async fn sleep_ms(ms: f64) {
    tokio::time::sleep(Duration::from_micros((ms * 1000.0) as u64)).await;
}

fn record(sim: &SimOrchestrator, latency: &TurnLatencies, muted: bool) {
    sim.with_state(|s| {
        s.record_latency("asr_worker", latency.asr);
        s.record_latency("policy_worker", latency.llm);
        if !muted {
            s.record_latency("tts_worker", latency.tts);
        }
        s.record_latency("avatar_controller", latency.avatar);
        s.record_latency("obs_controller", log_normal_ms(12.0, 0.4));
        s.record_latency("twitch_ingest", log_normal_ms(8.0, 0.5));
    });
}

/// The turn's `pipeline.metric` events, in one frame as the real stream sometimes packs them.
fn stage_metrics(latency: &TurnLatencies, muted: bool) -> Vec<Value> {
    let stages = [
        ("asr", Some(latency.asr)),
        ("llm", Some(latency.llm)),
        ("tts", (!muted).then_some(latency.tts)),
        ("avatar", Some(latency.avatar)),
        ("end_to_end", Some(latency.end_to_end)),
    ];
    stages
        .into_iter()
        .filter_map(|(stage, ms)| ms.map(|ms| (stage, ms)))
        .map(|(stage, ms)| json!({"type": "pipeline.metric", "payload": {"stage": stage, "latency_ms": ms, "mode": "live"}}))
        .collect()
}

/// Now and then, what a moderator or the show does between turns.
fn moderate(sim: &SimOrchestrator, turn: u64, unmute_after: &mut Option<u64>) {
    if turn % 8 == 0 {
        sim.emit(vec![json!({"type": "memory_summary", "summary": format!("{turn} turns so far; chat is mostly asking about the stream schedule.")})]);
    }
    let (_, events) = match fastrand::u16(..1000) {
        0..=39 if unmute_after.is_none() => {
            *unmute_after = Some(turn + 3);
            sim.with_state(|s| s.mute(true))
        }
        40..=69 => {
            let (preset, ..) = PRESETS[fastrand::usize(..PRESETS.len())];
            sim.with_state(|s| s.preset(preset)).unwrap_or_default()
        }
        70..=149 => {
            let expression = ["happy", "surprised", "smug", "sleepy"][fastrand::usize(..4)];
            sim.with_state(|s| s.vts_expression(expression, Some(0.8)))
        }
        150..=199 => {
            let scene = ["Just Chatting", "Gaming", "BRB"][fastrand::usize(..3)];
            sim.with_state(|s| s.obs_scene(scene))
        }
        200..=203 => sim.with_state(|s| s.panic(Some("demo: chat flood".into()))),
        _ => return,
    };
    sim.emit(events);
}

/// Things chat says, and what Kitsu answers.
const LINES: [(&str, &str); 5] = [
    (
        "what game are we playing today",
        "We are speedrunning cozy farming, obviously.",
    ),
    (
        "kitsu say hi to my cat",
        "Hi cat! You have excellent taste in streams.",
    ),
    (
        "can you sing something",
        "Only if chat promises not to clip it.",
    ),
    (
        "how long is the stream",
        "Until the fox gets sleepy, so about three hours.",
    ),
    ("are you an ai", "I am a fox with a very good microphone."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_turns_meet_the_latency_goals_but_not_all() {
        let mut turns: Vec<f64> = (0..4000)
            .map(|_| TurnLatencies::draw().end_to_end)
            .collect();
        turns.sort_by(f64::total_cmp);

        let median = turns[turns.len() / 2];
        let p95 = turns[turns.len() * 95 / 100];
        let slowest = turns[turns.len() - 1];
        assert!(
            median < 1200.0,
            "the median turn meets the 1.2 s goal: {median}"
        );
        assert!(p95 < 1800.0, "the p95 turn meets the 1.8 s goal: {p95}");
        assert!(
            slowest > 1800.0,
            "some turns are slow, or the charts show nothing: {slowest}"
        );
    }

    #[test]
    fn a_muted_turn_reports_no_speech_stage() {
        let latency = TurnLatencies::draw();

        let stages: Vec<Value> = stage_metrics(&latency, true)
            .iter()
            .map(|m| m["payload"]["stage"].clone())
            .collect();

        assert_eq!(
            stages,
            ["asr", "llm", "avatar", "end_to_end"],
            "no tts while muted"
        );
    }
}
