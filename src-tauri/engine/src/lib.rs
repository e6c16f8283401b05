//! Kitsu Telemetry's engine: everything that is not a window.
//!
//! It serves the telemetry HTTP API on a loopback port, stores events in SQLite through a
//! single group-committing writer, keeps window aggregates in memory, and reads the Kitsu
//! services' logs. It builds and runs without any GUI crate; the desktop shell and the headless
//! `kitsu-telemetry serve` binary both start it through [`server::start`].

pub mod api;
pub mod config;
pub mod demo;
pub mod gpu;
pub mod ingest;
pub mod live;
pub mod logs;
pub mod metrics;
pub mod server;
pub mod store;
pub mod time;
pub mod upstream;

pub use config::Config;
pub use server::{start, start_with_gpu, RunningEngine};
