//! Checking and normalising the upstream addresses users write in their settings.
//!
//! Users copy these from old `ui/.env.local` files, with or without a trailing slash, and the
//! old dashboard appended `/stream` to the WebSocket base itself; both habits are accepted here.

/// An upstream address that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// The scheme is not one the setting takes.
    #[error("expected a URL starting with {expected}")]
    WrongScheme {
        /// The schemes accepted, for the message.
        expected: &'static str,
    },
    /// Nothing follows the scheme.
    #[error("the URL has no host")]
    NoHost,
}

/// Checks an HTTP base URL and drops its trailing slashes.
///
/// ```
/// use kitsu_telemetry_engine::upstream::http_base_url;
///
/// assert_eq!(http_base_url("http://127.0.0.1:8000/").unwrap(), "http://127.0.0.1:8000");
/// assert!(http_base_url("127.0.0.1:8000").is_err());
/// ```
pub fn http_base_url(value: &str) -> Result<String, UrlError> {
    with_scheme(value, ["http://", "https://"], "http:// or https://")
}

/// `value` without trailing slashes, if it starts with one of `schemes` and has a host.
fn with_scheme(
    value: &str,
    schemes: [&'static str; 2],
    expected: &'static str,
) -> Result<String, UrlError> {
    let value = value.trim();
    let (scheme, rest) = schemes
        .iter()
        .find_map(|scheme| value.strip_prefix(scheme).map(|rest| (scheme, rest)))
        .ok_or(UrlError::WrongScheme { expected })?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() {
        return Err(UrlError::NoHost);
    }
    Ok(format!("{scheme}{rest}"))
}

/// The orchestrator's `/stream` URL: from the WebSocket base when one is set (`ws://` or
/// `wss://`, `/stream` appended unless already there), otherwise derived from the HTTP base
/// (`http` becomes `ws`, `https` becomes `wss`).
///
/// ```
/// use kitsu_telemetry_engine::upstream::stream_url;
///
/// assert_eq!(stream_url("https://kitsu.lan", None).unwrap(), "wss://kitsu.lan/stream");
/// assert_eq!(
///     stream_url("http://127.0.0.1:8000", Some("ws://127.0.0.1:9000/")).unwrap(),
///     "ws://127.0.0.1:9000/stream"
/// );
/// ```
pub fn stream_url(http_base: &str, ws_base: Option<&str>) -> Result<String, UrlError> {
    let base = match ws_base.map(str::trim).filter(|v| !v.is_empty()) {
        Some(ws) => ws_base_url(ws)?,
        None => derive_ws_base(http_base)?,
    };
    if base.ends_with("/stream") {
        Ok(base)
    } else {
        Ok(format!("{base}/stream"))
    }
}

fn ws_base_url(value: &str) -> Result<String, UrlError> {
    with_scheme(value, ["ws://", "wss://"], "ws:// or wss://")
}

fn derive_ws_base(http_base: &str) -> Result<String, UrlError> {
    let base = http_base_url(http_base)?;
    Ok(match base.strip_prefix("https://") {
        Some(rest) => format!("wss://{rest}"),
        None => format!("ws://{}", &base["http://".len()..]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_suffix_already_present_is_not_doubled() {
        let url = stream_url("http://a:1", Some("ws://b:2/stream/")).unwrap();

        assert_eq!(
            url, "ws://b:2/stream",
            "old .env.local files may hold the full URL"
        );
    }

    #[test]
    fn a_websocket_base_with_an_http_scheme_is_refused_with_the_expected_schemes() {
        let error = stream_url("http://a:1", Some("http://b:2")).unwrap_err();

        assert_eq!(
            error.to_string(),
            "expected a URL starting with ws:// or wss://"
        );
    }

    #[test]
    fn a_scheme_without_a_host_is_refused() {
        assert_eq!(
            http_base_url("http://"),
            Err(UrlError::NoHost),
            "no host at all"
        );
    }
}
