//! Realistic events for the benchmark: pipeline latencies, GPU readings and ASR results, with
//! times spread over the last two hours so the metrics window holds many seconds.

use kitsu_telemetry_engine::time;
use serde_json::json;

/// Spread of event times back from now, in seconds (inside the 7,200 s window).
const SPREAD_SECS: f64 = 7000.0;

/// A small deterministic generator of events.
pub struct Workload {
    seed: u64,
    now_us: i64,
}

impl Workload {
    pub fn new(seed: u64) -> Self {
        Workload {
            seed,
            now_us: time::now_micros(),
        }
    }

    fn next_unit(&mut self) -> f64 {
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.seed >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One event as a JSON value for `POST /events`.
    pub fn event_json(&mut self) -> serde_json::Value {
        let ts = (self.now_us as f64 / 1e6) - self.next_unit() * SPREAD_SECS;
        let (event_type, payload) = self.payload();
        json!({"type": event_type, "ts": ts, "source": "bench", "payload": payload})
    }

    /// One event as the `(type, ts_us, payload)` the raw floor inserts.
    pub fn event_row(&mut self) -> (&'static str, i64, String) {
        let ts = self.now_us - (self.next_unit() * SPREAD_SECS * 1e6) as i64;
        let (event_type, payload) = self.payload();
        (event_type, ts, payload.to_string())
    }

    fn payload(&mut self) -> (&'static str, serde_json::Value) {
        let u = self.next_unit();
        let v = self.next_unit();
        match (u * 10.0) as u32 {
            0..=5 => {
                let stage = ["asr", "llm", "tts", "avatar", "end_to_end"][(v * 5.0) as usize];
                (
                    "pipeline.metric",
                    json!({"stage": stage, "latency_ms": 150.0 + v * v * 1500.0, "mode": "stream"}),
                )
            }
            6..=7 => (
                "hardware.gpu",
                json!({
                    "index": 0, "name": "NVIDIA GeForce RTX 4080", "temperature_c": 55 + (v * 25.0) as i64,
                    "utilization_pct": (u * 1000.0) % 100.0, "memory_used_mb": 9000.0 + v * 4000.0,
                    "memory_total_mb": 16376, "memory_pct": 55.0 + v * 25.0, "power_w": 120.0 + v * 180.0,
                    "fan_speed_pct": null
                }),
            ),
            _ => (
                "asr_final",
                json!({"latency_ms": 80.0 + v * 400.0, "duration_ms": 900.0 + v * 4000.0, "text": "hello chat"}),
            ),
        }
    }
}

/// Posts events in batches of 1,000 until `target` events have been sent by this function in
/// total over the run (so calling it with 100k then 1M adds 900k the second time).
pub async fn fill_window(
    client: &reqwest::Client,
    base: &str,
    target: usize,
) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static SENT: AtomicUsize = AtomicUsize::new(0);
    let mut workload = Workload::new(11 + SENT.load(Ordering::Relaxed) as u64);
    while SENT.load(Ordering::Relaxed) < target {
        let batch: Vec<_> = (0..1000).map(|_| workload.event_json()).collect();
        let response = client
            .post(format!("{base}/events"))
            .json(&batch)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "filling failed: {}",
            response.status()
        );
        SENT.fetch_add(batch.len(), Ordering::Relaxed);
    }
    Ok(())
}
