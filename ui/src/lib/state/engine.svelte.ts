/**
 * The page's link to the engine: its address and key, whether a key is needed, and the
 * engine's own health. One instance per page, created on first use (the page has no SSR).
 */
import {
	EngineClient,
	KEY_STORAGE,
	resolveAddress,
	type ApiResult,
	type EngineHealth
} from '$lib/api';

export class EngineConnection {
	readonly client: EngineClient;
	needsKey = $state(false);
	health = $state.raw<ApiResult<EngineHealth> | null>(null);
	private timer: ReturnType<typeof setInterval> | undefined;

	constructor() {
		const fromUrl = new URLSearchParams(location.search).get('key');
		if (fromUrl) localStorage.setItem(KEY_STORAGE, fromUrl);
		const address = resolveAddress({
			origin: location.origin,
			search: location.search,
			injected: window.__KITSU__,
			stored: localStorage.getItem(KEY_STORAGE)
		});
		this.client = new EngineClient(address);
		this.client.onUnauthorized = () => (this.needsKey = true);
	}

	/** Remembers a key typed by the user and reloads, so every stream reconnects with it. */
	useKey(key: string): void {
		localStorage.setItem(KEY_STORAGE, key.trim());
		const url = new URL(location.href);
		url.searchParams.delete('key');
		location.replace(url);
	}

	start(): void {
		if (this.timer) return;
		const poll = async () => (this.health = await this.client.get<EngineHealth>('/health'));
		void poll();
		this.timer = setInterval(poll, 5000);
	}
}

let connection: EngineConnection | undefined;

/** The page's engine connection. */
export function engine(): EngineConnection {
	connection ??= new EngineConnection();
	return connection;
}
