//! `GET /events/export`: the CSV contract and its filters.

use serde_json::{json, Value};

use crate::events_list::urlencode;
use crate::support::{detail_of, iso_ago, TestEngine};

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.expect("every row is valid CSV")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn export_streams_every_event_as_csv_with_the_original_header() {
    let engine = TestEngine::start().await;
    let batch: Vec<_> = (0..1500)
        .map(|i| json!({"type": "t", "payload": {"n": i, "quote": "say \"hi\", ok"}}))
        .collect();
    assert_eq!(
        engine.post_json("/events", &json!(batch)).await.status(),
        200
    );

    let response = engine.get("/events/export").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=telemetry_events.csv"
    );
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with("ts,type,json_payload\n"),
        "the header is kept from the original"
    );
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 1500);
    let first: Value = serde_json::from_str(&rows[0][2]).expect("the payload column is JSON");
    assert_eq!(
        first,
        json!({"n": 0, "quote": "say \"hi\", ok"}),
        "oldest first, quoting intact"
    );
}

#[tokio::test]
async fn export_applies_type_source_and_time_filters() {
    let engine = TestEngine::start().await;
    let events = json!([
        {"type": "a", "source": "x", "ts": iso_ago(5, -5)},
        {"type": "a", "source": "y", "ts": iso_ago(5, 0)},
        {"type": "b", "source": "x", "ts": iso_ago(5, 0)},
        {"type": "a", "source": "x", "ts": iso_ago(5000, 0)},
    ]);
    assert_eq!(engine.post_json("/events", &events).await.status(), 200);
    let since = urlencode(&iso_ago(60, 0));

    let text = engine
        .get(&format!("/events/export?type=a&source=x&since={since}"))
        .await
        .text()
        .await
        .unwrap();

    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 1, "only the fresh a/x event: {rows:?}");
    assert!(rows[0][0].ends_with('Z'), "times are ISO UTC");
}

#[tokio::test]
async fn export_refuses_a_bad_time_filter() {
    let engine = TestEngine::start().await;

    detail_of(engine.get("/events/export?until=soon").await, 422).await;
}

#[tokio::test]
async fn a_client_hanging_up_mid_export_leaves_the_engine_serving() {
    let engine = TestEngine::start().await;
    let batch: Vec<_> = (0..20_000)
        .map(|i| json!({"type": "t", "payload": {"n": i, "pad": "x".repeat(40)}}))
        .collect();
    assert_eq!(
        engine.post_json("/events", &json!(batch)).await.status(),
        200
    );

    let mut partial = engine.get("/events/export").await;
    let first_chunk = partial
        .chunk()
        .await
        .unwrap()
        .expect("the export starts streaming");
    drop(partial);

    assert!(!first_chunk.is_empty());
    let full = engine.get("/events/export").await.text().await.unwrap();
    assert_eq!(parse_csv(&full).len(), 20_000, "a later export is complete");
}
