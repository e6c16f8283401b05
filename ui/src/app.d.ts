// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {}
	interface Window {
		/** Set by the desktop shell before the page loads: where the engine is, its key, and a
		 * notice for the user (such as the API port being taken), if any. */
		__KITSU__?: { apiBase?: string; apiKey?: string; desktop?: boolean; notice?: string | null };
	}
}

export {};
