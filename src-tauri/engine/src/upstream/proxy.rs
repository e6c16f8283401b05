//! HTTP calls to one Kitsu service, with timeouts and failures that say what happened.
//!
//! Each upstream gets one [`UpstreamClient`]: a pooled `reqwest` client (rustls, no OpenSSL)
//! with a connect timeout and a total timeout. Bodies go out unchanged and answers come back
//! unchanged; a refused or dropped connection, a timeout and an error status are three distinct
//! [`ProxyError`]s, so the API can answer 502, 504 or the upstream's own status.

use axum::http::{HeaderValue, StatusCode};
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use super::ProxyTimeouts;

/// Longest piece of a non-JSON error body quoted in a detail.
const MAX_QUOTED_BODY_CHARS: usize = 300;

/// Why a proxied call did not produce a successful answer.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// No connection, or the connection broke before a whole answer arrived.
    #[error("{upstream} unreachable at {url}: {reason}")]
    Unreachable {
        /// The service, e.g. `orchestrator`.
        upstream: &'static str,
        /// Its configured base URL.
        url: String,
        /// The root cause, e.g. `Connection refused (os error 111)`.
        reason: String,
    },
    /// Connected, but the whole exchange took longer than the total timeout.
    #[error("{upstream} at {url} did not answer within {timeout_ms} ms")]
    Timeout {
        /// The service.
        upstream: &'static str,
        /// Its configured base URL.
        url: String,
        /// The total timeout that ran out.
        timeout_ms: u128,
    },
    /// The service answered with an error status.
    #[error("{upstream} answered {status}: {detail}")]
    Status {
        /// The service.
        upstream: &'static str,
        /// Its status, kept for our answer.
        status: StatusCode,
        /// Its `detail` (as text), or the start of its body when it sent no JSON detail.
        detail: String,
    },
    /// The HTTP client could not be built (bad TLS setup); only at start.
    #[error("cannot build the HTTP client for {upstream}: {reason}")]
    Client {
        /// The service.
        upstream: &'static str,
        /// Why.
        reason: String,
    },
}

/// A successful answer, passed on as it came.
#[derive(Debug)]
pub struct UpstreamReply {
    /// The upstream's 2xx status (202 for a panic on the control backend, for instance).
    pub status: StatusCode,
    /// Its `Content-Type`, if any.
    pub content_type: Option<HeaderValue>,
    /// Its body, unchanged.
    pub body: Bytes,
}

/// The HTTP client of one upstream service.
#[derive(Debug, Clone)]
pub struct UpstreamClient {
    name: &'static str,
    base_url: String,
    bearer: Option<String>,
    timeouts: ProxyTimeouts,
    http: reqwest::Client,
}

impl UpstreamClient {
    /// A client for the service `name` at `base_url` (no trailing slash), sending
    /// `Authorization: Bearer <bearer>` when given. Fails only if TLS cannot be set up.
    pub fn new(
        name: &'static str,
        base_url: &str,
        bearer: Option<String>,
        timeouts: ProxyTimeouts,
    ) -> Result<Self, ProxyError> {
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .build()
            .map_err(|e| ProxyError::Client {
                upstream: name,
                reason: root_cause(&e),
            })?;
        Ok(UpstreamClient {
            name,
            base_url: base_url.to_string(),
            bearer,
            timeouts,
            http,
        })
    }

    /// The service's name, as error details write it.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `GET <base><path>`.
    pub async fn get(&self, path: &str) -> Result<UpstreamReply, ProxyError> {
        self.send(self.http.get(self.url(path))).await
    }

    /// `POST <base><path>` with `body` unchanged (sent as JSON; an empty body is sent empty).
    pub async fn post(&self, path: &str, body: Bytes) -> Result<UpstreamReply, ProxyError> {
        let mut request = self.http.post(self.url(path));
        if !body.is_empty() {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        self.send(request).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn send(
        &self,
        mut request: reqwest::RequestBuilder,
    ) -> Result<UpstreamReply, ProxyError> {
        if let Some(key) = &self.bearer {
            request = request.header(AUTHORIZATION, format!("Bearer {key}"));
        }
        let response = request.send().await.map_err(|e| self.failure(&e))?;
        let status = response.status();
        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        let body = response.bytes().await.map_err(|e| self.failure(&e))?;
        if !status.is_success() {
            return Err(ProxyError::Status {
                upstream: self.name,
                status,
                detail: error_detail(status, &body),
            });
        }
        Ok(UpstreamReply {
            status,
            content_type,
            body,
        })
    }

    fn failure(&self, error: &reqwest::Error) -> ProxyError {
        if error.is_timeout() && !error.is_connect() {
            return ProxyError::Timeout {
                upstream: self.name,
                url: self.base_url.clone(),
                timeout_ms: self.timeouts.total.as_millis(),
            };
        }
        ProxyError::Unreachable {
            upstream: self.name,
            url: self.base_url.clone(),
            reason: root_cause(error),
        }
    }
}

/// The upstream's own explanation: its JSON `detail` (FastAPI's shape; a non-string detail
/// such as a validation list is written as compact JSON), else the start of its body, else the
/// status's reason phrase.
pub fn error_detail(status: StatusCode, body: &[u8]) -> String {
    if let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(body) {
        match object.remove("detail") {
            Some(serde_json::Value::String(text)) => return text,
            Some(other) => return other.to_string(),
            None => {}
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return status.canonical_reason().unwrap_or("error").to_string();
    }
    text.chars().take(MAX_QUOTED_BODY_CHARS).collect()
}

/// The innermost cause of an error, which says what really happened ("Connection refused").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_detail_is_kept_as_the_upstream_wrote_it() {
        let detail = error_detail(StatusCode::NOT_FOUND, br#"{"detail":"Unknown preset 'x'"}"#);

        assert_eq!(
            detail, "Unknown preset 'x'",
            "the upstream's words reach the user"
        );
    }

    #[test]
    fn a_structured_detail_is_written_as_json() {
        let detail = error_detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"detail":[{"loc":["body"]}]}"#,
        );

        assert_eq!(
            detail, r#"[{"loc":["body"]}]"#,
            "validation lists survive as JSON"
        );
    }

    #[test]
    fn a_body_without_detail_is_quoted_and_an_empty_one_named_by_status() {
        let quoted = error_detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            b"  Internal Server Error\n",
        );
        let empty = error_detail(StatusCode::BAD_GATEWAY, b"");

        assert_eq!(
            quoted, "Internal Server Error",
            "plain text is quoted, trimmed"
        );
        assert_eq!(
            empty, "Bad Gateway",
            "an empty body falls back to the reason phrase"
        );
    }
}
