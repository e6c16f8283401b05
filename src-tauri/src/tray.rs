//! The tray icon and its menu: open the window, mute and unmute TTS, panic, quit.
//!
//! Mute and panic go through the engine's `/control/*` routes, like the dashboard's buttons, so
//! they reach the control backend the engine is configured for. Panic asks first, as in the
//! window. The tray has no other way to answer, so each result is a desktop notification.

use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};
use tauri_plugin_notification::NotificationExt;

use crate::engine_host::EngineHost;
use crate::shell::show_main_window;

/// Adds the tray icon. Fails where the desktop has no tray (the app runs on without one).
pub fn install(app: &AppHandle) -> anyhow::Result<()> {
    let item = |id: &str, text: &str| MenuItem::with_id(app, id, text, true, None::<&str>);
    let menu = Menu::with_items(
        app,
        &[
            &item("show", "Open dashboard")?,
            &PredefinedMenuItem::separator(app)?,
            &item("mute", "Mute TTS")?,
            &item("unmute", "Unmute TTS")?,
            &item("panic", "Panic…")?,
            &PredefinedMenuItem::separator(app)?,
            &item("quit", "Quit Kitsu Telemetry")?,
        ],
    )?;
    let icon = app
        .default_window_icon()
        .cloned()
        .context("the app has no icon for the tray")?;
    TrayIconBuilder::with_id("main")
        .icon(icon)
        .tooltip("Kitsu Telemetry")
        .menu(&menu)
        .on_menu_event(on_menu_event)
        .build(app)
        .context("cannot create the tray icon")?;
    Ok(())
}

fn on_menu_event(app: &AppHandle, event: MenuEvent) {
    match event.id().as_ref() {
        "show" => show_main_window(app),
        "mute" => send_control(app, "/control/mute", json!({ "muted": true }), "TTS muted"),
        "unmute" => send_control(
            app,
            "/control/mute",
            json!({ "muted": false }),
            "TTS unmuted",
        ),
        "panic" => confirm_panic(app),
        "quit" => app.exit(0),
        other => tracing::debug!(id = other, "unknown tray menu item"),
    }
}

fn confirm_panic(app: &AppHandle) {
    let handle = app.clone();
    app.dialog()
        .message("Panic stops Kitsu at once: speech is cut, the avatar and the pipeline halt.")
        .title("Panic?")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            "Panic".into(),
            "Cancel".into(),
        ))
        .show(move |confirmed| {
            if confirmed {
                send_control(
                    &handle,
                    "/control/panic",
                    json!({ "reason": "tray menu" }),
                    "Panic sent",
                );
            }
        });
}

/// POSTs a command through the engine and reports the outcome as a notification.
fn send_control(app: &AppHandle, path: &'static str, body: serde_json::Value, done: &'static str) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let host = app.state::<Arc<EngineHost>>().inner().clone();
        let outcome = async {
            let response = host
                .request(reqwest::Method::POST, path)
                .json(&body)
                .send()
                .await
                .map_err(|error| format!("the engine did not answer: {error}"))?;
            if response.status().is_success() {
                return Ok(());
            }
            let status = response.status();
            let detail = response
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|json| {
                    json.get("detail")
                        .and_then(|d| d.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| status.to_string());
            Err(detail)
        }
        .await;
        let (title, text) = match outcome {
            Ok(()) => {
                tracing::info!(path, "tray command sent");
                (
                    done.to_owned(),
                    "The control backend took the command.".to_owned(),
                )
            }
            Err(detail) => {
                tracing::warn!(path, detail, "tray command failed");
                (format!("{done}: failed"), detail)
            }
        };
        if let Err(error) = app.notification().builder().title(title).body(text).show() {
            tracing::warn!(%error, "cannot show a desktop notification");
        }
    });
}
