//! Fake Kitsu services on `127.0.0.1:0`, over real sockets: one that speaks the protocol (and
//! can be told to push any frame, garbage included, or to answer slowly), one that accepts and
//! closes at once, one that is down. Plus a WebSocket client for the engine's relay.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;

use kitsu_telemetry_engine::upstream::{ProxyTimeouts, RelayBackoff, UpstreamSettings};
use kitsu_telemetry_engine::Config;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for something that should happen at once, before failing.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A fake orchestrator (and control backend: it answers both route sets).
pub struct FakeOrchestrator {
    pub addr: SocketAddr,
    shared: Arc<FakeShared>,
    stop: watch::Sender<bool>,
}

struct FakeShared {
    connections: AtomicUsize,
    frames: broadcast::Sender<String>,
    status_delay: Duration,
}

impl FakeOrchestrator {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), Duration::ZERO).await
    }

    /// A fake whose `GET /status` takes `delay` to answer.
    pub async fn slow(delay: Duration) -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), delay).await
    }

    /// Listens on `addr`, which may be the port of a fake that was stopped.
    pub async fn start_on(addr: SocketAddr, status_delay: Duration) -> Self {
        let listener = bind_when_free(addr).await;
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(FakeShared {
            connections: AtomicUsize::new(0),
            frames: broadcast::channel(8192).0,
            status_delay,
        });
        let (stop, stopped) = watch::channel(false);
        let app = routes(shared.clone(), stopped.clone());
        tokio::spawn(async move {
            let mut stopped = stopped;
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        FakeOrchestrator { addr, shared, stop }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stream connections accepted since start.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Sends one text frame to every open stream.
    pub fn push(&self, frame: &str) {
        let _ = self.shared.frames.send(frame.to_string());
    }

    /// Closes every stream and stops listening.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }
}

/// Binds `addr`, waiting (boundedly) for a fake that just stopped to release it.
async fn bind_when_free(addr: SocketAddr) -> TcpListener {
    for _ in 0..200 {
        match TcpListener::bind(addr).await {
            Ok(listener) => return listener,
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(error) => panic!("the fake cannot listen on {addr}: {error}"),
        }
    }
    panic!("{addr} stayed in use");
}

fn routes(shared: Arc<FakeShared>, stopped: watch::Receiver<bool>) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/persona", post(echo))
        .route("/control/preset", post(unknown_preset))
        .route("/control/panic", post(accepted))
        .route("/llm/start", post(not_ollama))
        .route("/stream", get(stream))
        .layer(axum::Extension(stopped))
        .with_state(shared)
}

async fn status(State(shared): State<Arc<FakeShared>>) -> Json<Value> {
    tokio::time::sleep(shared.status_delay).await;
    Json(json!({"status": "online", "fake": true}))
}

async fn echo(headers: HeaderMap, body: String) -> Json<Value> {
    let authorization = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_string());
    Json(json!({"received": body, "authorization": authorization}))
}

async fn unknown_preset() -> Response {
    let detail = "Unknown preset 'loud'. Known presets: cozy, hype";
    (StatusCode::NOT_FOUND, Json(json!({"detail": detail}))).into_response()
}

async fn accepted() -> Response {
    (StatusCode::ACCEPTED, Json(json!({"status": "panic"}))).into_response()
}

async fn not_ollama() -> Response {
    let detail = "LLM backend is not Ollama";
    (StatusCode::BAD_REQUEST, Json(json!({"detail": detail}))).into_response()
}

async fn stream(
    State(shared): State<Arc<FakeShared>>,
    axum::Extension(stopped): axum::Extension<watch::Receiver<bool>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let number = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
    let frames = shared.frames.subscribe();
    upgrade.on_upgrade(move |socket| stream_frames(socket, number, frames, stopped))
}

/// The status first (numbered by connection), then every pushed frame, until stopped.
async fn stream_frames(
    mut socket: WebSocket,
    number: usize,
    mut frames: broadcast::Receiver<String>,
    mut stopped: watch::Receiver<bool>,
) {
    let status = json!({"type": "status", "payload": {"connection": number}}).to_string();
    if socket.send(Message::Text(status.into())).await.is_err() {
        return;
    }
    loop {
        let frame = tokio::select! {
            _ = stopped.wait_for(|s| *s) => break,
            frame = frames.recv() => match frame {
                Ok(frame) => frame,
                Err(_) => return,
            },
        };
        if socket.send(Message::Text(frame.into())).await.is_err() {
            return;
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// A service that accepts connections and closes them at once; counts them.
pub async fn closing_upstream() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (addr, accepted)
}

/// An address where nothing listens: a port that was just bound and released.
pub async fn down_upstream() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// Points both upstreams at `base`, with a quick backoff and short timeouts for tests.
pub fn point_at(config: &mut Config, base: &str) {
    config.upstreams = UpstreamSettings::new(base, base);
    config.upstreams.backoff = RelayBackoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
    };
    config.upstreams.timeouts = ProxyTimeouts {
        connect: Duration::from_secs(2),
        total: Duration::from_millis(500),
    };
}

pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens `/orchestrator/stream` on the engine at `base` (`http://...`), with `query` appended.
pub async fn connect_stream(base: &str, query: &str) -> Client {
    let url = format!(
        "{}/orchestrator/stream{query}",
        base.replacen("http", "ws", 1)
    );
    let (client, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the relay stream accepts the client");
    client
}

/// The next text message, as JSON; fails the test if none comes within [`PATIENCE`].
pub async fn next_json(client: &mut Client) -> Value {
    let text = next_text(client).await;
    serde_json::from_str(&text).expect("relay messages are JSON")
}

/// The next text message, unchanged.
pub async fn next_text(client: &mut Client) -> String {
    loop {
        let message = tokio::time::timeout(PATIENCE, client.next())
            .await
            .expect("a message arrives in time")
            .expect("the stream stays open")
            .expect("the stream is healthy");
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            return text.to_string();
        }
    }
}

/// Reads until a message matches `wanted`, and returns it.
pub async fn read_until(client: &mut Client, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the expected message arrives in time"
        );
        let message = next_json(client).await;
        if wanted(&message) {
            return message;
        }
    }
}

/// Whether a message is a `relay.state` in `state`.
pub fn is_state(message: &Value, state: &str) -> bool {
    message["type"] == "relay.state" && message["state"] == state
}

/// Closes a client politely.
pub async fn close(mut client: Client) {
    let _ = client.close(None).await;
}
