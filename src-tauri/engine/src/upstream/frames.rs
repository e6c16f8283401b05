//! Cutting the orchestrator's WebSocket frames into messages, without any I/O.
//!
//! The orchestrator sometimes packs several JSON objects into one text frame, separated by
//! newlines, and its shapes are not uniform. The relay passes every object on unchanged, as its
//! own message, and only looks at the `type` field to remember the last `status` snapshot.
//! Text that is not JSON is dropped and counted, never relayed.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;

/// One JSON message cut out of an upstream frame, as the upstream wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameMessage<'a> {
    /// The message text, unchanged apart from surrounding whitespace.
    pub text: &'a str,
    /// Whether it is a `{"type":"status", ...}` snapshot.
    pub is_status: bool,
}

/// What one upstream frame held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SplitFrame<'a> {
    /// The JSON messages, in frame order.
    pub messages: Vec<FrameMessage<'a>>,
    /// Lines that were not JSON and were dropped.
    pub rejected: usize,
}

/// Cuts a text frame into messages: the whole frame when it is one JSON value (even one
/// spread over several lines), otherwise each non-blank line that is JSON on its own.
///
/// ```
/// use kitsu_telemetry_engine::upstream::frames::split_frame;
///
/// let split = split_frame("{\"type\":\"status\",\"payload\":{}}\n{\"type\":\"control.mute\"}\nnope");
/// assert_eq!(split.messages.len(), 2);
/// assert!(split.messages[0].is_status);
/// assert_eq!(split.messages[1].text, "{\"type\":\"control.mute\"}");
/// assert_eq!(split.rejected, 1);
/// ```
pub fn split_frame(frame: &str) -> SplitFrame<'_> {
    let whole = frame.trim();
    if whole.is_empty() {
        return SplitFrame::default();
    }
    if let Some(message) = read_message(whole) {
        return SplitFrame {
            messages: vec![message],
            rejected: 0,
        };
    }
    let mut split = SplitFrame::default();
    for line in whole.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match read_message(line) {
            Some(message) => split.messages.push(message),
            None => split.rejected += 1,
        }
    }
    split
}

/// The fields the relay looks at; everything else is left as the upstream wrote it.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
}

fn read_message(text: &str) -> Option<FrameMessage<'_>> {
    if let Ok(head) = serde_json::from_str::<Head>(text) {
        let is_status = head.kind.as_deref() == Some("status");
        return Some(FrameMessage { text, is_status });
    }
    // Valid JSON that is not an object with a string `type` is still relayed as it is.
    serde_json::from_str::<IgnoredAny>(text)
        .ok()
        .map(|_| FrameMessage {
            text,
            is_status: false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pretty_printed_object_stays_one_message() {
        let frame = "{\n  \"type\": \"status\",\n  \"payload\": {\"status\": \"online\"}\n}\n";

        let split = split_frame(frame);

        assert_eq!(
            split.messages.len(),
            1,
            "one value over several lines is one message"
        );
        assert!(split.messages[0].is_status, "its type is read");
    }

    #[test]
    fn blank_lines_and_padding_between_objects_are_ignored() {
        let split = split_frame("  {\"a\":1}\r\n\r\n  [1,2]  \n");

        let texts: Vec<&str> = split.messages.iter().map(|m| m.text).collect();
        assert_eq!(
            texts,
            ["{\"a\":1}", "[1,2]"],
            "non-object JSON is relayed too"
        );
        assert_eq!(split.rejected, 0, "blank lines are not rejections");
    }

    #[test]
    fn a_type_that_is_not_a_string_does_not_make_a_status() {
        let split = split_frame("{\"type\":5}");

        assert_eq!(split.messages.len(), 1, "the message is still relayed");
        assert!(
            !split.messages[0].is_status,
            "only the string status counts"
        );
    }

    #[test]
    fn garbage_alone_is_rejected_whole() {
        let split = split_frame("\u{1}\u{2} not json {");

        assert!(split.messages.is_empty(), "nothing is relayed");
        assert_eq!(split.rejected, 1, "the line is counted");
    }
}
