//! Starting the release engine binary on a fresh database, and reading its memory.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `kitsu-telemetry serve` over a temporary database.
pub struct EngineProcess {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
    _dir: tempfile::TempDir,
}

impl EngineProcess {
    /// Starts the binary beside this one (or `KITSU_ENGINE_BIN`) with `env` on top of a clean
    /// environment, and waits for its "listening on" log line.
    pub async fn start(env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut child = Command::new(engine_binary()?)
            .arg("serve")
            .env_clear()
            .env("RUST_LOG", "info")
            .env("API_PORT", "0")
            .env("TELEMETRY_DB_PATH", dir.path().join("bench.db"))
            .envs(env.iter().copied())
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the engine; build it with `pnpm bench`")?;
        let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
        let addr = loop {
            let Some(line) = lines.next_line().await? else {
                bail!("the engine exited before listening")
            };
            if let Some(at) = line.find("listening on http://") {
                let rest = &line[at + "listening on http://".len()..];
                break rest.split_whitespace().next().unwrap_or_default().parse()?;
            }
        };
        // Keep draining the log so the engine never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(EngineProcess {
            addr,
            child,
            _dir: dir,
        })
    }

    /// Resident memory of the engine process, in MiB.
    pub fn rss_mib(&self) -> anyhow::Result<f64> {
        let pid = self.child.id().context("the engine has exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .context("no VmRSS line")?
            .parse()?;
        Ok(kib / 1024.0)
    }

    /// CPU time (user + system) the engine has used so far, in seconds.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let pid = self.child.id().context("the engine has exited")?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Fields after the parenthesised command name start at field 3 (state); utime and
        // stime are fields 14 and 15.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .context("odd stat line")?
            .1
            .split_whitespace()
            .collect();
        let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
        Ok(ticks / clock_ticks_per_second()?)
    }

    /// Stops the engine with SIGTERM and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()?;
        }
        let status = self.child.wait().await?;
        if !status.success() {
            bail!("the engine exited with {status}");
        }
        Ok(())
    }
}

fn clock_ticks_per_second() -> anyhow::Result<f64> {
    let output = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()?;
    Ok(String::from_utf8(output.stdout)?.trim().parse()?)
}

fn engine_binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("KITSU_ENGINE_BIN") {
        return Ok(path.into());
    }
    Ok(std::env::current_exe()?.with_file_name("kitsu-telemetry"))
}
