import { describe, expect, it } from 'vitest';
import { DEFAULT_GATES, gateTone } from './latency.svelte';

describe('gateTone', () => {
	it.each([
		{ name: 'well under both gates is green', p50: 600, p95: 900, tone: 'ok' },
		{ name: 'close to the median gate is amber', p50: 1100, p95: 1200, tone: 'warn' },
		{ name: 'close to the p95 gate is amber', p50: 500, p95: 1700, tone: 'warn' },
		{ name: 'over the median gate is red', p50: 1250, p95: 1500, tone: 'bad' },
		{ name: 'over the p95 gate is red', p50: 800, p95: 1900, tone: 'bad' },
		{ name: 'no data is grey, never green', p50: null, p95: null, tone: 'off' }
	])('$name', ({ p50, p95, tone }) => {
		expect(gateTone({ p50, p95 }, DEFAULT_GATES)).toBe(tone);
	});
});
