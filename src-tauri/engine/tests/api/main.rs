//! End-to-end tests of the HTTP API: each test starts the real server on an ephemeral loopback
//! port over a real SQLite file, and talks to it with an HTTP client.

mod auth;
mod dashboard;
mod events_ingest;
mod events_list;
mod export;
mod metrics;
mod prune;
mod support;
