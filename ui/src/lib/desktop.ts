/**
 * What the page does differently inside the desktop app: CSV export through the native save
 * dialog (the shell's `export_csv` command, which streams the export into the chosen file), and
 * the first-paint report behind the app's cold-start figure. In a plain browser none of this
 * runs, and the Tauri modules are never loaded.
 */

/** Progress of a running export, from the shell's `export-progress` events. */
export interface ExportProgress {
	rows: number;
	bytes: number;
}

/** A finished export. */
export interface ExportReport {
	path: string;
	rows: number;
	bytes: number;
}

/** Codes the shell's commands fail with (see `src-tauri/src/commands.rs`). */
export type ExportErrorCode =
	| 'engine_unreachable'
	| 'engine_refused'
	| 'interrupted'
	| 'write_failed'
	| 'dialog_failed'
	| 'ipc_failed';

export type ExportOutcome =
	| { kind: 'done'; report: ExportReport }
	| { kind: 'cancelled' }
	| { kind: 'failed'; code: ExportErrorCode; message: string };

/** Whether the page runs in the desktop app's window (where the shell injected its address). */
export function inDesktop(): boolean {
	return typeof window !== 'undefined' && window.__KITSU__?.desktop === true;
}

/** The shell's notice for the user, such as "the API port was taken", if it left one. */
export function desktopNotice(): string | null {
	return (typeof window !== 'undefined' && window.__KITSU__?.notice) || null;
}

/** Turns whatever a failed command threw into a code and a message. */
export function exportFailure(error: unknown): ExportOutcome {
	if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
		const { code, message } = error as { code: ExportErrorCode; message: string };
		return { kind: 'failed', code, message: String(message) };
	}
	return { kind: 'failed', code: 'ipc_failed', message: String(error) };
}

/** Asks the shell to export the events matching `filters` into a file the user picks. */
export async function exportCsv(
	filters: Record<string, string>,
	onProgress: (progress: ExportProgress) => void
): Promise<ExportOutcome> {
	const [{ invoke }, { listen }] = await Promise.all([
		import('@tauri-apps/api/core'),
		import('@tauri-apps/api/event')
	]);
	const unlisten = await listen<ExportProgress>('export-progress', (event) =>
		onProgress(event.payload)
	);
	try {
		const report = await invoke<ExportReport | null>('export_csv', { filters });
		return report ? { kind: 'done', report } : { kind: 'cancelled' };
	} catch (error) {
		return exportFailure(error);
	} finally {
		unlisten();
	}
}

/** Tells the shell the Overview has painted with live data, with the page's clock. */
export async function reportPaint(): Promise<void> {
	const { invoke } = await import('@tauri-apps/api/core');
	await invoke('dashboard_painted', { pageMs: performance.now() });
}

/** Human-readable size: 1.2 MB, 340 KB. */
export function formatBytes(bytes: number): string {
	if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
	if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
	return `${bytes} B`;
}

/** What a complete Overview shows: a live event, the GPU chart and the health panel's feed
 * (the same marks `pnpm bench:ui` waits for in a browser). */
const OVERVIEW_COMPLETE = [
	'[data-live-feed] [data-event-id]',
	'[data-gpu-card] canvas',
	'[data-panel="health"] [data-feed-received]'
];

/** Resolves on the first frame after the Overview is complete, or never if it is left first. */
export function overviewComplete(): Promise<void> {
	return new Promise((resolve) => {
		const check = () => {
			if (OVERVIEW_COMPLETE.every((selector) => document.querySelector(selector))) {
				observer.disconnect();
				requestAnimationFrame(() => resolve());
			}
		};
		const observer = new MutationObserver(check);
		observer.observe(document.body, { childList: true, subtree: true });
		check();
	});
}
