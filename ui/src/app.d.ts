// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {}
	interface Window {
		/** Set by the desktop shell before the page loads: where the engine is and its key. */
		__KITSU__?: { apiBase?: string; apiKey?: string };
	}
}

export {};
