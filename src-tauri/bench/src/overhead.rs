//! Self-overhead: what the engine costs the streaming PC while it only watches (GPU sampler on a
//! simulated GPU at 1 s) and while a Kitsu stack sends it 100 events a second.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::engine_process::EngineProcess;

/// CPU and memory of one phase.
pub struct Overhead {
    /// Share of one core used over the phase, in percent.
    pub cpu_pct_of_one_core: f64,
    /// Resident memory at the end of the phase, in MiB.
    pub rss_mib: f64,
}

/// Measures `phase` seconds idle, then `phase` seconds at `rate` single-event POSTs per second.
pub async fn measure(phase: Duration, rate: u32) -> anyhow::Result<(Overhead, Overhead)> {
    let engine = EngineProcess::start(&[
        ("TELEMETRY_GPU_SOURCE", "simulated"),
        ("TELEMETRY_GPU_INTERVAL_SECONDS", "1"),
        ("TELEMETRY_RETENTION_SECONDS", "86400"),
    ])
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let idle = over_phase(&engine, phase, async {
        tokio::time::sleep(phase).await;
        Ok(())
    })
    .await?;
    let client = reqwest::Client::new();
    let url = format!("http://{}/events", engine.addr);
    let ingesting = over_phase(&engine, phase, paced_posts(&client, &url, rate, phase)).await?;

    engine.stop().await?;
    Ok((idle, ingesting))
}

async fn over_phase(
    engine: &EngineProcess,
    phase: Duration,
    work: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<Overhead> {
    let before = engine.cpu_seconds()?;
    let started = Instant::now();
    work.await?;
    let elapsed = started.elapsed().max(phase);
    let used = engine.cpu_seconds()? - before;
    Ok(Overhead {
        cpu_pct_of_one_core: 100.0 * used / elapsed.as_secs_f64(),
        rss_mib: engine.rss_mib()?,
    })
}

/// Posts one pipeline event every `1/rate` seconds for `phase`.
async fn paced_posts(
    client: &reqwest::Client,
    url: &str,
    rate: u32,
    phase: Duration,
) -> anyhow::Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate);
    let deadline = Instant::now() + phase;
    let body = serde_json::json!({"type": "pipeline.metric", "source": "bench", "payload": {"stage": "tts", "latency_ms": 240.0}});
    while Instant::now() < deadline {
        tick.tick().await;
        client
            .post(url)
            .json(&body)
            .send()
            .await
            .context("posting an event")?
            .error_for_status()?;
    }
    Ok(())
}
