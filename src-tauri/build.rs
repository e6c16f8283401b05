//! Generates the Tauri context and the permissions of the app's own commands, so the capability
//! in `capabilities/main.json` can grant exactly those (and nothing is allowed by default).

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "export_csv",
        "dashboard_painted",
        "page_error",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("the Tauri configuration and capabilities are valid");
}
