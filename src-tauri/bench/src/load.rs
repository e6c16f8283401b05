//! Load over loopback: a minimal keep-alive HTTP/1.1 client for throughput (so the client costs
//! the shared cores as little as possible), and latency and export timings through reqwest.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::engine_process::EngineProcess;
use crate::workload::Workload;

/// Events per second of single-event POSTs over `connections` keep-alive connections.
pub async fn single_events(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    let body = r#"{"type":"pipeline.metric","source":"bench","payload":{"stage":"llm","latency_ms":812.5,"mode":"stream"}}"#;
    let requests = drive(addr, connections, duration, post_request(body)).await?;
    Ok(requests as f64 / duration.as_secs_f64())
}

/// Events per second of POSTs carrying `batch` events each.
pub async fn batches(
    addr: SocketAddr,
    connections: usize,
    batch: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    let mut workload = Workload::new(3);
    let events: Vec<_> = (0..batch).map(|_| workload.event_json()).collect();
    let body = serde_json::to_string(&events)?;
    let requests = drive(addr, connections, duration, post_request(&body)).await?;
    Ok((requests as usize * batch) as f64 / duration.as_secs_f64())
}

fn post_request(body: &str) -> Arc<Vec<u8>> {
    let head = format!(
        "POST /events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    Arc::new([head.as_bytes(), body.as_bytes()].concat())
}

/// Sends `request` in a loop on each connection until `duration` is over; returns how many
/// requests were answered with 200.
async fn drive(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    request: Arc<Vec<u8>>,
) -> anyhow::Result<u64> {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            tokio::spawn(connection_loop(
                addr,
                request.clone(),
                deadline,
                done.clone(),
            ))
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    Ok(done.load(Ordering::Relaxed))
}

async fn connection_loop(
    addr: SocketAddr,
    request: Arc<Vec<u8>>,
    deadline: Instant,
    done: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut buffer = vec![0u8; 64 * 1024];
    while Instant::now() < deadline {
        stream.write_all(&request).await?;
        let status = read_response(&mut stream, &mut buffer).await?;
        if status != 200 {
            bail!("the engine answered {status}");
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Reads one response with a Content-Length body; returns its status.
async fn read_response(stream: &mut TcpStream, buffer: &mut [u8]) -> anyhow::Result<u16> {
    let mut filled = 0;
    loop {
        let read = stream.read(&mut buffer[filled..]).await?;
        if read == 0 {
            bail!("the engine closed the connection");
        }
        filled += read;
        let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = std::str::from_utf8(&buffer[..end])?;
        let status = head.get(9..12).context("short status line")?.parse()?;
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_string())
            })
            .context("no content-length")?
            .parse()?;
        while filled < end + 4 + length {
            filled += stream.read(&mut buffer[filled..]).await?;
        }
        return Ok(status);
    }
}

/// Median, 95th percentile and worst of repeated GETs.
pub struct Latency {
    median: Duration,
    p95: Duration,
    worst: Duration,
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "median {:.2} ms, p95 {:.2} ms, worst {:.2} ms",
            ms(self.median),
            ms(self.p95),
            ms(self.worst)
        )
    }
}

/// Times `count` sequential GETs of `url` (after one warm-up request).
pub async fn latency(client: &reqwest::Client, url: &str, count: usize) -> anyhow::Result<Latency> {
    client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        client
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        samples.push(started.elapsed());
    }
    samples.sort();
    Ok(Latency {
        median: samples[count / 2],
        p95: samples[count * 95 / 100],
        worst: samples[count - 1],
    })
}

/// What a full export measured.
pub struct Export {
    pub rows: usize,
    pub bytes: usize,
    pub elapsed: Duration,
    pub rss_growth_mib: f64,
}

/// Downloads the whole CSV export while sampling the engine's memory.
pub async fn export(
    client: &reqwest::Client,
    base: &str,
    engine: &EngineProcess,
) -> anyhow::Result<Export> {
    let before = engine.rss_mib()?;
    let mut peak = before;
    let started = Instant::now();
    let mut body = client
        .get(format!("{base}/events/export"))
        .send()
        .await?
        .error_for_status()?
        .bytes_stream();
    let (mut rows, mut bytes) = (0, 0);
    let mut last_sample = Instant::now();
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        bytes += chunk.len();
        rows += chunk.iter().filter(|&&b| b == b'\n').count();
        if last_sample.elapsed() >= Duration::from_millis(5) {
            peak = peak.max(engine.rss_mib()?);
            last_sample = Instant::now();
        }
    }
    let elapsed = started.elapsed();
    peak = peak.max(engine.rss_mib()?);
    Ok(Export {
        rows: rows.saturating_sub(1),
        bytes,
        elapsed,
        rss_growth_mib: peak - before,
    })
}
