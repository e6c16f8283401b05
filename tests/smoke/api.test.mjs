// Black-box smoke tests of the built `kitsu-telemetry serve` binary over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startEngine } from '../support/engine.mjs';

const json = (body) => ({
	method: 'POST',
	headers: { 'content-type': 'application/json' },
	body: typeof body === 'string' ? body : JSON.stringify(body)
});

describe('kitsu-telemetry serve', () => {
	let engine;
	before(async () => {
		engine = await startEngine();
	});
	after(async () => {
		const status = await engine.stop();
		assert.equal(status.code, 0, 'SIGTERM stops the engine cleanly');
	});

	test('logs where it listens and which database it uses', () => {
		assert.match(engine.log(), /kitsu telemetry listening on http:\/\/127\.0\.0\.1:\d+/);
		assert.match(engine.log(), /telemetry\.db/);
	});

	test('health answers ok', async () => {
		const response = await fetch(`${engine.base}/health`);
		const body = await response.json();
		assert.equal(body.status, 'ok');
		assert.equal(body.gpu.available, false, 'the smoke engine samples no GPU');
		assert.match(body.gpu.reason, /off/);
	});

	test('events round-trip in every accepted form', async () => {
		const batch = [
			{ type: 'pipeline.metric', ts: Date.now() / 1000, source: 'policy_worker', payload: { stage: 'llm', latency_ms: 640 } },
			{ event_type: 'asr_final', source: 'asr_worker', payload: { latency_ms: 120 } },
			{ type: 'hardware.gpu', service: 'telemetry.gpu', ts: new Date().toISOString().replace('Z', '-00:00'), payload: { temperature_c: 61, power_w: null } }
		];
		const created = await fetch(`${engine.base}/events`, json(batch));
		assert.equal(created.status, 200);
		const { ids } = await created.json();
		assert.equal(ids.length, 3);

		const listed = await (await fetch(`${engine.base}/events?limit=3`)).json();
		assert.deepEqual(listed.map((e) => e.id), [...ids].reverse(), 'newest first');
		assert.deepEqual(listed.map((e) => e.source), ['telemetry.gpu', 'asr_worker', 'policy_worker']);
		assert.ok(listed.every((e) => e.ts.endsWith('Z')), 'times come back as ISO UTC');
	});

	test('metrics aggregate with percentiles', async () => {
		const body = await (await fetch(`${engine.base}/metrics/latest?window_seconds=60`)).json();
		const stage = body.metrics['pipeline.metric'];
		assert.equal(stage.count, 1);
		assert.deepEqual(Object.keys(stage.latency_ms).sort(), ['avg', 'max', 'min', 'p50', 'p90', 'p95', 'p99', 'sum']);
	});

	test('export streams CSV with the original header', async () => {
		const response = await fetch(`${engine.base}/events/export`);
		assert.equal(response.headers.get('content-disposition'), 'attachment; filename=telemetry_events.csv');
		const lines = (await response.text()).trim().split('\n');
		assert.equal(lines[0], 'ts,type,json_payload');
		assert.equal(lines.length, 4, 'one row per event');
		assert.match(lines[1], /^\S+Z,pipeline\.metric,"\{""stage"":""llm"",""latency_ms"":640\}"$/);
	});

	test('bad input gets a clear detail and stores nothing', async () => {
		const before = await (await fetch(`${engine.base}/events?limit=500`)).json();
		const cases = [
			['{"type":"x","payload":{"v":NaN}}', 400],
			['[]', 400],
			['[{"type":"ok"},{"type":""}]', 422]
		];
		for (const [body, status] of cases) {
			const response = await fetch(`${engine.base}/events`, json(body));
			assert.equal(response.status, status, body);
			assert.ok((await response.json()).detail, `${body} is explained`);
		}
		const afterList = await (await fetch(`${engine.base}/events?limit=500`)).json();
		assert.equal(afterList.length, before.length, 'nothing of a rejected batch is stored');
	});

	test('the OpenAPI description is served', async () => {
		const doc = await (await fetch(`${engine.base}/openapi.json`)).json();
		assert.ok(doc.paths['/events/export']);
	});
});

describe('kitsu-telemetry serve with an API key', () => {
	let engine;
	before(async () => {
		engine = await startEngine({ env: { TELEMETRY_API_KEY: 'k1tsu' } });
	});
	after(() => engine.stop());

	test('every route but health needs X-API-KEY', async () => {
		const health = await fetch(`${engine.base}/health`);
		assert.equal(health.status, 200);
		const denied = await fetch(`${engine.base}/events`);
		assert.equal(denied.status, 401);
		assert.deepEqual((await denied.json()).detail, 'Invalid API key');
		const allowed = await fetch(`${engine.base}/events`, { headers: { 'X-API-KEY': 'k1tsu' } });
		assert.equal(allowed.status, 200);
	});
});
