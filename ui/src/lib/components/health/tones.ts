import type { Tone } from '$lib/components/ui/badge';

const GOOD = ['online', 'ok', 'running', 'ready', 'connected', 'healthy', 'idle', 'active'];
const SHAKY = ['degraded', 'starting', 'warming', 'connecting', 'reconnecting', 'busy', 'stale'];

/** The colour of a state word an upstream reports; unknown words are neutral, never green. */
export function stateTone(state: string | null | undefined): Tone {
	if (!state) return 'off';
	const word = state.toLowerCase();
	if (GOOD.includes(word)) return 'ok';
	if (SHAKY.includes(word)) return 'warn';
	if (word === 'disabled') return 'off';
	return 'bad';
}
