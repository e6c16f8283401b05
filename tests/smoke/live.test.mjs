// Black-box smoke tests of the live-data routes of the built binary: the simulated GPU,
// chart series and the Prometheus exposition.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as pause } from 'node:timers/promises';

import { startEngine } from '../support/engine.mjs';

/** Polls `read` until it returns something truthy; the engine samples on its own clock. */
async function eventually(read, { tries = 100, every = 100 } = {}) {
	for (let i = 0; i < tries; i++) {
		const value = await read();
		if (value) return value;
		await pause(every);
	}
	throw new Error('condition not met in time');
}

describe('kitsu-telemetry serve with the simulated GPU', () => {
	let engine;
	before(async () => {
		engine = await startEngine({
			env: { TELEMETRY_GPU_SOURCE: 'simulated', TELEMETRY_GPU_INTERVAL_SECONDS: '0.5' }
		});
	});
	after(async () => {
		const status = await engine.stop();
		assert.equal(status.code, 0, 'SIGTERM stops the engine and its sampler cleanly');
	});

	test('the simulated GPU is available and reports devices and processes', async () => {
		const status = await eventually(async () => {
			const body = await (await fetch(`${engine.base}/gpu/status`)).json();
			return body.available && body.processes.length > 0 && body;
		});
		assert.equal(status.source, 'simulated');
		assert.match(status.devices[0].name, /RTX/);
		assert.ok(status.processes.some((p) => p.name === 'obs'), 'OBS holds VRAM in the demo');
		const health = await (await fetch(`${engine.base}/health`)).json();
		assert.deepEqual(health.gpu, { available: true, reason: null });
	});

	test('GPU readings chart as a series and scrape as Prometheus gauges', async () => {
		const query = 'type=hardware.gpu&field=temperature_c&window_seconds=60&bucket_seconds=5';
		const series = await eventually(async () => {
			const body = await (await fetch(`${engine.base}/metrics/series?${query}`)).json();
			return body.series.length > 0 && body;
		});
		assert.ok(series.series[0].buckets[0].count >= 1);

		const response = await fetch(`${engine.base}/metrics`);
		assert.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
		const text = await response.text();
		assert.match(text, /^kitsu_gpu_temperature_celsius\{index="0",name="NVIDIA GeForce RTX [^"]+"\} \d/m);
		assert.match(text, /^kitsu_events_ingested_total\{type="hardware\.gpu"\} \d+/m);
	});
});
