import { describe, expect, it } from 'vitest';
import { DEFAULT_GATES, gateTone, rowOfSeries } from './latency.svelte';

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

describe('rowOfSeries', () => {
	const bucket = (count: number, p50: number, p95: number) => ({
		start: '2026-01-01T00:00:00Z',
		count,
		avg: p50,
		min: 0,
		max: p95,
		p50,
		p95,
		p99: p95
	});

	it('takes one bucket as it is', () => {
		const row = rowOfSeries({ key: 'e2e', buckets: [bucket(10, 900, 1500)] });

		expect(row).toMatchObject({
			stage: 'e2e',
			count: 10,
			p50: 900,
			p95: 1500,
			turn: true,
			approximate: false
		});
	});

	it('combines buckets conservatively and says so', () => {
		const row = rowOfSeries({ key: 'llm', buckets: [bucket(30, 400, 700), bucket(10, 800, 1900)] });

		expect(row.count).toBe(40);
		expect(row.p50, 'count-weighted median').toBe(500);
		expect(row.p95, 'the worst bucket, never an optimistic mix').toBe(1900);
		expect(row.approximate).toBe(true);
	});
});
