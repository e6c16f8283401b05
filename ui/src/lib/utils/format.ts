/** Display helpers: every one shows a missing reading as an em dash, never as 0. */

export const DASH = '—';

export function num(value: number | null | undefined, digits = 0, unit = ''): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
	return `${value.toFixed(digits)}${unit}`;
}

export function ms(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
	return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

export function clock(epochMs: number | null | undefined): string {
	if (!epochMs) return DASH;
	return new Date(epochMs).toLocaleTimeString([], { hour12: false });
}

export function ago(epochMs: number | null | undefined, now = Date.now()): string {
	if (!epochMs) return DASH;
	const seconds = Math.max(0, Math.round((now - epochMs) / 1000));
	if (seconds < 60) return `${seconds}s ago`;
	if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
	return `${Math.round(seconds / 3600)}h ago`;
}

export function compactJson(value: unknown, max = 160): string {
	const text = JSON.stringify(value) ?? '';
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
