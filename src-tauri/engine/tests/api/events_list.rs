//! `GET /events`: filters, limits, and walking the whole history both ways.

use serde_json::{json, Value};

use crate::support::{detail_of, iso_ago, TestEngine};

async fn seed(engine: &TestEngine, count: usize) {
    let batch: Vec<_> = (0..count)
        .map(|i| json!({"type": if i % 3 == 0 { "asr_final" } else { "pipeline.metric" }, "source": if i % 2 == 0 { "a" } else { "b" }, "payload": {"n": i}}))
        .collect();
    assert_eq!(
        engine.post_json("/events", &json!(batch)).await.status(),
        200
    );
}

fn ids(page: &Value) -> Vec<i64> {
    page.as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn before_id_walks_more_than_500_events_newest_first_without_gaps() {
    let engine = TestEngine::start().await;
    seed(&engine, 1234).await;

    let all = engine.all_ids().await;

    assert_eq!(all.len(), 1234, "every event is reachable");
    assert!(
        all.windows(2).all(|w| w[0] == w[1] + 1),
        "newest first, no gaps or repeats"
    );
}

#[tokio::test]
async fn after_id_walks_forward_oldest_first() {
    let engine = TestEngine::start().await;
    seed(&engine, 1100).await;

    let mut walked = Vec::new();
    let mut after = 0;
    loop {
        let page = ids(&engine
            .get_json(&format!("/events?limit=500&after_id={after}"))
            .await);
        let Some(&last) = page.last() else { break };
        walked.extend(page);
        after = last;
    }

    assert_eq!(walked.len(), 1100);
    assert!(
        walked.windows(2).all(|w| w[0] + 1 == w[1]),
        "oldest first when walking forward"
    );
}

#[tokio::test]
async fn type_alias_and_source_filters_combine() {
    let engine = TestEngine::start().await;
    seed(&engine, 30).await;

    let by_type = engine.get_json("/events?type=asr_final&limit=500").await;
    let by_alias = engine
        .get_json("/events?event_type=asr_final&limit=500")
        .await;
    let both = engine
        .get_json("/events?type=asr_final&source=a&limit=500")
        .await;

    assert_eq!(by_type.as_array().unwrap().len(), 10);
    assert_eq!(by_type, by_alias, "event_type is an alias of type");
    assert_eq!(both.as_array().unwrap().len(), 5);
    assert!(both
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["type"] == "asr_final" && e["source"] == "a"));
}

#[tokio::test]
async fn since_and_until_compare_instants_across_offsets() {
    let engine = TestEngine::start().await;
    let events = json!([
        {"type": "t", "ts": iso_ago(7200, -5), "payload": {"age": "2h"}},
        {"type": "t", "ts": iso_ago(60, -5), "payload": {"age": "1m"}},
        {"type": "t", "ts": iso_ago(30, 9), "payload": {"age": "30s"}},
    ]);
    assert_eq!(engine.post_json("/events", &events).await.status(), 200);
    let since = urlencode(&iso_ago(600, 2));
    let until = urlencode(&iso_ago(45, -8));

    let recent = engine.get_json(&format!("/events?since={since}")).await;
    let middle = engine
        .get_json(&format!("/events?since={since}&until={until}"))
        .await;

    let ages = |page: &Value| {
        page.as_array()
            .unwrap()
            .iter()
            .map(|e| e["payload"]["age"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ages(&recent),
        ["30s", "1m"],
        "the -05:00 event of a minute ago is inside the window"
    );
    assert_eq!(ages(&middle), ["1m"]);
}

#[tokio::test]
async fn out_of_range_parameters_are_422() {
    let engine = TestEngine::start().await;

    for query in [
        "limit=0",
        "limit=501",
        "limit=ten",
        "since=yesterday",
        "before_id=abc",
    ] {
        let detail = detail_of(engine.get(&format!("/events?{query}")).await, 422).await;
        assert!(!detail.is_empty(), "{query} must be explained");
    }
}

pub fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}
