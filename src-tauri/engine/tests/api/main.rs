//! End-to-end tests of the HTTP API: each test starts the real server on an ephemeral loopback
//! port over a real SQLite file, and talks to it with an HTTP client.

mod auth;
mod dashboard;
mod demo;
mod events_ingest;
mod events_list;
mod export;
mod fake_upstream;
mod gpu;
mod link_auth;
mod metrics;
mod port;
mod prometheus;
mod prometheus_scrape;
mod prune;
mod relay;
mod series;
mod soak;
mod stream;
mod support;
mod upstream_proxy;
