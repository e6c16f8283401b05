/** Tolerant readers for untyped JSON: a field of the wrong type reads as null, never as 0. */

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | null {
	return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

export function str(value: unknown): string | null {
	return typeof value === 'string' && value !== '' ? value : null;
}

export function numOrNull(value: unknown): number | null {
	return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function bool(value: unknown): boolean | null {
	return typeof value === 'boolean' ? value : null;
}

/** Epoch seconds (float, as Python's `time.time()`), ISO text, or nothing, as epoch ms. */
export function epochMs(value: unknown): number | null {
	if (typeof value === 'number' && Number.isFinite(value))
		return value > 1e12 ? value : value * 1000;
	if (typeof value === 'string') {
		const parsed = Date.parse(value);
		return Number.isNaN(parsed) ? null : parsed;
	}
	return null;
}

/** A short human text from a payload that may be a string or an object with a text-like field. */
export function textOf(value: unknown): string | null {
	if (typeof value === 'string') return value || null;
	const record = obj(value);
	if (!record) return null;
	for (const name of ['text', 'transcript', 'summary', 'expression', 'message', 'content']) {
		const found = str(record[name]);
		if (found) return found;
	}
	return null;
}
