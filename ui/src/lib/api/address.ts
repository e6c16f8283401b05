/**
 * Where the engine is and which key to send. The page is served by the engine, so the address
 * is its own origin; the desktop shell may inject `window.__KITSU__ = {apiBase, apiKey}`
 * instead. A `?key=` in the URL wins and is remembered, so a bookmarked OBS URL keeps working.
 */

export const KEY_STORAGE = 'kitsu.apiKey';

export interface EngineAddress {
	/** Base URL without a trailing slash, e.g. `http://127.0.0.1:8001`. */
	base: string;
	/** The API key, or null when none is known. */
	key: string | null;
}

export interface AddressSources {
	origin: string;
	search: string;
	injected?: { apiBase?: string; apiKey?: string };
	stored: string | null;
}

/** Resolves the engine address from the page URL, the shell's injection and storage. */
export function resolveAddress(sources: AddressSources): EngineAddress {
	const fromUrl = new URLSearchParams(sources.search).get('key');
	const base = (sources.injected?.apiBase || sources.origin).replace(/\/+$/, '');
	const key = fromUrl || sources.injected?.apiKey || sources.stored || null;
	return { base, key };
}

/** Builds an absolute URL on the engine with query parameters, leaving out empty ones. */
export function engineUrl(
	address: EngineAddress,
	path: string,
	query: Record<string, string | number | null | undefined> = {},
	withKey = false
): string {
	const url = new URL(path, address.base + '/');
	for (const [name, value] of Object.entries(query)) {
		if (value !== null && value !== undefined && value !== '')
			url.searchParams.set(name, String(value));
	}
	if (withKey && address.key) url.searchParams.set('key', address.key);
	return url.toString();
}

/** The WebSocket URL of an engine route; browsers cannot send headers there, so the key rides in the query. */
export function socketUrl(address: EngineAddress, path: string, query = {}): string {
	return engineUrl(address, path, query, true).replace(/^http/, 'ws');
}
