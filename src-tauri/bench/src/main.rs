//! `kitsu-telemetry-bench`: the engine's speed and memory, measured the way clients meet it.
//!
//! It starts the release `kitsu-telemetry serve` binary on a fresh database and drives it over
//! loopback HTTP, then measures SQLite's raw floor on the same schema in the same run, so the
//! figures can be compared on one machine. It prints a report; it asserts nothing. Run it with
//! `pnpm bench` (add `-- --quick` for a smaller run).

// A benchmark's output is its report, so printing is the point here.
#![allow(clippy::print_stdout)]

mod engine_process;
mod floor;
mod load;
mod overhead;
mod workload;

use std::time::Duration;

use engine_process::EngineProcess;

/// Sizes of one run.
struct Plan {
    floor_rows: usize,
    load_secs: Duration,
    large_window_events: usize,
    overhead_phase: Duration,
}

fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let plan = if quick {
        Plan {
            floor_rows: 200_000,
            load_secs: Duration::from_secs(2),
            large_window_events: 300_000,
            overhead_phase: Duration::from_secs(10),
        }
    } else {
        Plan {
            floor_rows: 1_000_000,
            load_secs: Duration::from_secs(5),
            large_window_events: 1_000_000,
            overhead_phase: Duration::from_secs(30),
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(plan))
}

async fn run(plan: Plan) -> anyhow::Result<()> {
    println!(
        "# kitsu-telemetry benchmark ({} cores)",
        std::thread::available_parallelism()?
    );

    let floor = floor::measure(plan.floor_rows)?;
    println!(
        "raw floor: {:>10.0} prepared inserts/s into the events table ({} rows, one transaction)",
        floor.inserts_per_sec, plan.floor_rows
    );
    println!(
        "raw floor: {:>10.0} inserts/s into a bare table without indexes",
        floor.bare_inserts_per_sec
    );
    println!(
        "raw floor: {:>10.0} rows/s full scan",
        floor.scan_rows_per_sec
    );

    let engine = EngineProcess::start(&[("TELEMETRY_RETENTION_SECONDS", "86400")]).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("idle memory: {:.1} MiB RSS", engine.rss_mib()?);

    for connections in [4, 16] {
        let rate = load::single_events(engine.addr, connections, plan.load_secs).await?;
        println!(
            "single-event POST, {connections:>2} connections, retention on: {rate:>9.0} events/s"
        );
    }
    for connections in [4, 16] {
        let rate = load::batches(engine.addr, connections, 100, plan.load_secs).await?;
        println!(
            "batch POST (100 events), {connections:>2} connections: {rate:>9.0} events/s ({:.0} % of the raw insert floor)",
            100.0 * rate / floor.inserts_per_sec
        );
    }

    let client = reqwest::Client::new();
    let base = format!("http://{}", engine.addr);
    for target in [100_000, plan.large_window_events] {
        workload::fill_window(&client, &base, target).await?;
        let latency = load::latency(
            &client,
            &format!("{base}/metrics/latest?window_seconds=7200"),
            30,
        )
        .await?;
        println!("/metrics/latest with {target} events in the window: {latency}");
    }
    let list = load::latency(&client, &format!("{base}/events?limit=500"), 30).await?;
    println!("GET /events?limit=500: {list}");

    let export = load::export(&client, &base, &engine).await?;
    println!(
        "CSV export: {} rows in {:.2} s = {:.0} rows/s ({:.0} % of the raw scan), {:.1} MiB, memory growth {:.1} MiB",
        export.rows,
        export.elapsed.as_secs_f64(),
        export.rows as f64 / export.elapsed.as_secs_f64(),
        100.0 * export.rows as f64 / export.elapsed.as_secs_f64() / floor.scan_rows_per_sec,
        export.bytes as f64 / 1048576.0,
        export.rss_growth_mib,
    );
    println!("memory after the run: {:.1} MiB RSS", engine.rss_mib()?);
    engine.stop().await?;

    let (idle, ingesting) = overhead::measure(plan.overhead_phase, 100).await?;
    println!(
        "self-overhead, idle with the GPU sampler at 1 s (simulated GPU): {:.2} % of one core, {:.1} MiB",
        idle.cpu_pct_of_one_core, idle.rss_mib
    );
    println!(
        "self-overhead, ingesting 100 events/s: {:.2} % of one core, {:.1} MiB",
        ingesting.cpu_pct_of_one_core, ingesting.rss_mib
    );
    Ok(())
}
