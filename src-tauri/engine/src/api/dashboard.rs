//! The built dashboard (`ui/build`), served at `/` beside the API.
//!
//! The dashboard is a single-page app: a browser that opens `/latency` or reloads `/overlay`
//! must get `index.html`, while a program asking for an API route that does not exist must get
//! a JSON 404, not a page. So a path that names no file falls back to `index.html` only for a
//! page navigation (`GET`/`HEAD` that accepts `text/html`, or `/` itself). The files hold no
//! data, so they are served without the API key. When the folder has not been built, `/`
//! answers 503 with the command that builds it, and the engine warns once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::error::ApiError;

/// Where the dashboard's files are, and whether their absence was already reported.
struct DashboardFiles {
    dir: PathBuf,
    warned_missing: AtomicBool,
}

/// A router whose fallback serves the dashboard in `dir`; merge it after the API routes.
pub fn router(dir: &Path) -> Router {
    let files = Arc::new(DashboardFiles {
        dir: dir.to_path_buf(),
        warned_missing: AtomicBool::new(false),
    });
    Router::new().fallback(dashboard_file).with_state(files)
}

/// Warns once at start-up when `dir` holds no built dashboard, so a user who opens `/` and
/// gets the 503 finds the reason in the log too.
pub async fn warn_if_not_built(dir: &Path) {
    let index = dir.join("index.html");
    if !tokio::fs::try_exists(&index).await.unwrap_or(false) {
        tracing::warn!(
            dir = %dir.display(),
            "dashboard not built; run `pnpm --filter ui build` or set TELEMETRY_UI_DIR"
        );
    }
}

/// Serves one file of the dashboard, `index.html` for page navigations, or a JSON error.
async fn dashboard_file(State(files): State<Arc<DashboardFiles>>, request: Request) -> Response {
    let navigation = is_navigation(&request);
    let path = request.uri().path().to_string();
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return no_route(&path);
    }
    let (parts, body) = request.into_parts();
    let file = ServeDir::new(&files.dir)
        .oneshot(Request::from_parts(parts.clone(), body))
        .await;
    let found = match file {
        Ok(response) if response.status() != StatusCode::NOT_FOUND => response,
        _ if !navigation => return no_route(&path),
        _ => {
            let index = ServeFile::new(files.dir.join("index.html"))
                .oneshot(Request::from_parts(parts, axum::body::Body::empty()))
                .await;
            // A 304 (the browser revalidating its cached copy) is as good as a 200 here.
            match index {
                Ok(response) if response.status() != StatusCode::NOT_FOUND => response,
                _ => return files.not_built(),
            }
        }
    };
    with_cache_policy(&path, found.into_response())
}

impl DashboardFiles {
    /// The answer when `index.html` is missing: the folder is not built (or misconfigured).
    fn not_built(&self) -> Response {
        let dir = self.dir.display();
        if !self.warned_missing.swap(true, Ordering::Relaxed) {
            tracing::debug!(dir = %dir, "dashboard requested but not built");
        }
        ApiError::Unavailable(format!(
            "the dashboard is not built: {dir}/index.html is missing; run `pnpm --filter ui build` \
             (or point TELEMETRY_UI_DIR at a built dashboard). The API itself works."
        ))
        .into_response()
    }
}

/// A page load by a browser: it accepts HTML, or it asks for the root.
fn is_navigation(request: &Request) -> bool {
    let accepts_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    accepts_html || request.uri().path() == "/"
}

fn no_route(path: &str) -> Response {
    ApiError::NotFound(format!("no route or dashboard file at {path}")).into_response()
}

/// Hashed build assets never change; `index.html` and the rest must be revalidated so a new
/// build shows up on reload.
fn with_cache_policy(path: &str, mut response: Response) -> Response {
    let policy = if path.starts_with("/_app/immutable/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, accept: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(path);
        if let Some(accept) = accept {
            builder = builder.header(header::ACCEPT, accept);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn only_page_loads_fall_back_to_the_app() {
        assert!(is_navigation(&request("/latency", Some("text/html,*/*"))));
        assert!(is_navigation(&request("/", None)), "the root is the app");
        assert!(
            !is_navigation(&request("/metrics/series", Some("*/*"))),
            "a program asking for a missing API route must get JSON"
        );
    }
}
