//! Turning `POST /events` bodies into validated events, before anything touches the store.
//!
//! A body is one event object or a non-empty array of them. Each item is in the current form
//! (`type`, `ts`, `payload`, `source`), the legacy form (`event_type`, `created_at`, `payload`,
//! `source`), or either with `service` standing in for `source`. The whole body is validated
//! first, so one bad item rejects the batch and nothing of it is stored; errors name the item's
//! index and the problem. Unknown fields are dropped with a warning, once per field name.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::metrics::MetricFields;
use crate::time::{self, Micros};

/// Longest accepted event type, in bytes.
const MAX_TYPE_LEN: usize = 256;

/// One event as a client sends it. Exactly one of `type` (current form) or `event_type`
/// (legacy form) is needed; everything else is optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// Event type, such as `pipeline.metric` or `hardware.gpu`; trimmed, non-empty.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Legacy name of `type`.
    pub event_type: Option<String>,
    /// Event time: ISO-8601 (any offset; none means UTC) or epoch seconds as a number.
    /// Missing means the time the engine received it.
    #[schema(value_type = Option<String>, example = "2026-12-03T15:04:05.250Z")]
    pub ts: Option<Value>,
    /// Legacy name of `ts`.
    #[schema(value_type = Option<String>)]
    pub created_at: Option<Value>,
    /// Free-form JSON object; numeric fields ending in `_ms`, `_pct`, `_c`, `_w` or `_mb` are
    /// aggregated by `/metrics/latest`. Defaults to `{}`.
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Value>,
    /// Module that sent the event, such as `orchestrator` or `telemetry.gpu`.
    pub source: Option<String>,
    /// Taken as `source` when `source` is absent.
    pub service: Option<String>,
}

/// Field names [`EventIn`] knows; anything else is dropped with a warning.
const KNOWN_FIELDS: &[&str] = &[
    "type",
    "event_type",
    "ts",
    "created_at",
    "payload",
    "source",
    "service",
];

/// A validated event, ready for the writer.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Trimmed, non-empty event type.
    pub event_type: String,
    /// Event time.
    pub ts: Micros,
    /// Sending module, if given.
    pub source: Option<String>,
    /// The payload object as compact JSON text.
    pub payload_json: String,
    /// The numeric fields `/metrics/latest` aggregates, extracted once here.
    pub metric_fields: MetricFields,
}

/// Whether the client sent one object or an array; the reply mirrors it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    /// One event object: the answer is `{"id": n}`.
    Single,
    /// An array of events: the answer is `{"ids": [...]}`.
    Batch,
}

/// Why a body was refused. Each variant maps to one HTTP status.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IngestError {
    /// The body is not JSON at all (this includes NaN, Infinity and numbers beyond f64).
    #[error("request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The body is `[]`.
    #[error("empty batch: send at least one event")]
    EmptyBatch,
    /// The body is JSON but neither an object nor an array.
    #[error("request body must be an event object or an array of event objects")]
    WrongShape,
    /// One item is invalid; `at` names it (`event` or `event[3]`).
    #[error("{at}: {problem}")]
    InvalidEvent {
        /// `event` for a single object, `event[i]` inside a batch.
        at: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// Parses and validates a whole request body. `received_at` stands in for missing times.
pub fn parse_body(
    body: &[u8],
    received_at: Micros,
) -> Result<(BodyShape, Vec<NewEvent>), IngestError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| IngestError::MalformedJson(e.to_string()))?;
    match value {
        Value::Object(item) => {
            let event =
                parse_item(item, received_at).map_err(|problem| IngestError::InvalidEvent {
                    at: "event".into(),
                    problem,
                })?;
            Ok((BodyShape::Single, vec![event]))
        }
        Value::Array(items) if items.is_empty() => Err(IngestError::EmptyBatch),
        Value::Array(items) => {
            let events = items
                .into_iter()
                .enumerate()
                .map(|(index, item)| parse_batch_item(index, item, received_at))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((BodyShape::Batch, events))
        }
        _ => Err(IngestError::WrongShape),
    }
}

fn parse_batch_item(
    index: usize,
    item: Value,
    received_at: Micros,
) -> Result<NewEvent, IngestError> {
    let at = || format!("event[{index}]");
    let Value::Object(item) = item else {
        return Err(IngestError::InvalidEvent {
            at: at(),
            problem: "must be a JSON object".into(),
        });
    };
    parse_item(item, received_at).map_err(|problem| IngestError::InvalidEvent { at: at(), problem })
}

fn parse_item(mut item: Map<String, Value>, received_at: Micros) -> Result<NewEvent, String> {
    drop_unknown_fields(&mut item);
    let raw: EventIn = serde_path_to_error::deserialize(Value::Object(item))
        .map_err(|e| format!("{}: {}", e.path(), e.inner()))?;

    let event_type = raw
        .kind
        .or(raw.event_type)
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    if event_type.is_empty() {
        return Err("type must be a non-empty string".into());
    }
    if event_type.len() > MAX_TYPE_LEN {
        return Err(format!("type is longer than {MAX_TYPE_LEN} bytes"));
    }
    let ts = match raw.ts.or(raw.created_at) {
        None | Some(Value::Null) => received_at,
        Some(value) => parse_ts(&value)?,
    };
    let payload = match raw.payload {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => return Err("payload must be a JSON object".into()),
    };
    let source = raw
        .source
        .or(raw.service)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());

    Ok(NewEvent {
        metric_fields: MetricFields::from_payload(&payload).with_source(source.as_deref()),
        payload_json: Value::Object(payload).to_string(),
        event_type,
        ts,
        source,
    })
}

fn parse_ts(value: &Value) -> Result<Micros, String> {
    let parsed = match value {
        Value::Number(n) => n.as_f64().map(time::from_epoch_secs),
        Value::String(text) => Some(time::parse_time(text)),
        _ => None,
    };
    match parsed {
        Some(Ok(ts)) => Ok(ts),
        Some(Err(e)) => Err(format!("ts: {e}")),
        None => Err("ts must be ISO-8601 text or epoch seconds".into()),
    }
}

fn drop_unknown_fields(item: &mut Map<String, Value>) {
    let unknown: Vec<String> = item
        .keys()
        .filter(|k| !KNOWN_FIELDS.contains(&k.as_str()))
        .cloned()
        .collect();
    for name in unknown {
        item.remove(&name);
        warn_unknown_field_once(name);
    }
}

/// Warns about each unknown field name once per process, so a module that always sends an
/// extra field does not flood the log.
fn warn_unknown_field_once(name: String) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    let first = seen
        .lock()
        .map(|mut set| set.insert(name.clone()))
        .unwrap_or(false);
    if first {
        tracing::warn!(field = %name, "dropped unknown event field (warned once per name)");
    } else {
        tracing::trace!(field = %name, "dropped unknown event field");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Micros = 1_767_225_600_000_000;

    fn parse(body: &str) -> Result<(BodyShape, Vec<NewEvent>), IngestError> {
        parse_body(body.as_bytes(), NOW)
    }

    fn invalid_at(body: &str) -> (String, String) {
        match parse(body) {
            Err(IngestError::InvalidEvent { at, problem }) => (at, problem),
            other => panic!("expected an invalid event, got {other:?}"),
        }
    }

    #[test]
    fn current_form_with_iso_time_and_payload() {
        let (shape, events) =
            parse(r#"{"type":" pipeline.metric ","ts":"2026-01-01T00:00:01Z","payload":{"latency_ms":12.5}}"#)
                .unwrap();

        assert_eq!(shape, BodyShape::Single);
        assert_eq!(events[0].event_type, "pipeline.metric", "type is trimmed");
        assert_eq!(events[0].ts, NOW + 1_000_000);
        assert_eq!(events[0].payload_json, r#"{"latency_ms":12.5}"#);
    }

    #[test]
    fn epoch_seconds_as_sent_by_time_time() {
        let (_, events) = parse(r#"[{"type":"a","ts":1767225600.5}]"#).unwrap();

        assert_eq!(events[0].ts, NOW + 500_000);
    }

    #[test]
    fn legacy_form_without_created_at_means_now() {
        let (_, events) =
            parse(r#"{"event_type":"asr_final","source":"asr","payload":{}}"#).unwrap();

        assert_eq!(events[0].event_type, "asr_final");
        assert_eq!(
            events[0].ts, NOW,
            "a missing created_at is the receive time"
        );
        assert_eq!(events[0].source.as_deref(), Some("asr"));
    }

    #[test]
    fn service_stands_in_for_a_missing_source_and_unknown_fields_are_dropped() {
        let (_, events) = parse(r#"{"type":"a","service":"tts_worker","colour":"red"}"#).unwrap();

        assert_eq!(events[0].source.as_deref(), Some("tts_worker"));
        assert_eq!(
            events[0].payload_json, "{}",
            "a missing payload is an empty object"
        );
    }

    #[test]
    fn batch_errors_name_the_item_index() {
        let (at, problem) = invalid_at(r#"[{"type":"a"},{"type":"b"},{"type":""}]"#);

        assert_eq!(at, "event[2]");
        assert!(problem.contains("type"), "{problem}");
    }

    #[test]
    fn wrong_field_types_name_the_field() {
        let (_, problem) = invalid_at(r#"{"type":5}"#);
        assert!(problem.starts_with("type:"), "{problem}");

        let (_, problem) = invalid_at(r#"{"type":"a","payload":[1]}"#);
        assert!(problem.contains("payload"), "{problem}");

        let (_, problem) = invalid_at(r#"{"type":"a","ts":"last tuesday"}"#);
        assert!(problem.contains("ts"), "{problem}");

        let (at, _) = invalid_at(r#"[{"type":"a"}, 7]"#);
        assert_eq!(at, "event[1]");
    }

    #[test]
    fn non_finite_numbers_and_bad_shapes_are_refused() {
        for body in [
            r#"{"type":"a","payload":{"x":NaN}}"#,
            r#"{"type":"a","payload":{"x":1e400}}"#,
        ] {
            assert!(
                matches!(parse(body), Err(IngestError::MalformedJson(_))),
                "{body}"
            );
        }
        assert_eq!(parse("[]").unwrap_err(), IngestError::EmptyBatch);
        assert_eq!(parse("\"hello\"").unwrap_err(), IngestError::WrongShape);
    }
}
