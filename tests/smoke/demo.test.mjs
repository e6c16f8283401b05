// Smoke test of `kitsu-telemetry serve --demo`: the simulated Kitsu stack behind the real relay.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startEngine } from '../support/engine.mjs';
import { openWebSocket } from '../support/websocket.mjs';

const post = (body) => ({
	method: 'POST',
	headers: { 'content-type': 'application/json' },
	body: JSON.stringify(body)
});

describe('kitsu-telemetry serve --demo', () => {
	let engine;
	before(async () => {
		engine = await startEngine({ args: ['--demo'] });
	});
	after(async () => {
		const status = await engine.stop();
		assert.equal(status.code, 0, 'SIGTERM stops the engine and the demo cleanly');
	});

	test('the orchestrator status comes from the simulated stack', async () => {
		const response = await fetch(`${engine.base}/orchestrator/status`);
		assert.equal(response.status, 200);
		const status = await response.json();
		assert.equal(Object.keys(status.modules).length, 6, 'six modules');
		assert.equal(status.control.tts_muted, false, 'not muted at start');
	});

	test('mute through the control backend shows in the next status and in the stream', async () => {
		const stream = await openWebSocket(`${engine.base.replace('http', 'ws')}/orchestrator/stream`);
		try {
			const state = await stream.next();
			assert.equal(state.type, 'relay.state', 'the relay state comes first');
			await stream.next((m) => m.type === 'status');

			const muted = await fetch(`${engine.base}/control/mute`, post({ muted: true }));
			assert.equal(muted.status, 200);

			const status = await (await fetch(`${engine.base}/orchestrator/status`)).json();
			assert.equal(status.control.tts_muted, true, 'the status follows the command');
			const event = await stream.next((m) => m.type === 'control.mute');
			assert.equal(event.muted, true, 'the stream carries the event');
			const snapshot = await stream.next((m) => m.type === 'status' && m.payload.control.tts_muted);
			assert.equal(snapshot.payload.control.tts_muted, true, 'and the next status snapshot shows it');
		} finally {
			stream.close();
		}
	});

	test('health names the simulated upstreams', async () => {
		const health = await (await fetch(`${engine.base}/health`)).json();
		assert.equal(health.status, 'ok');
		assert.equal(health.upstreams.demo, true);
		assert.match(health.upstreams.orchestrator.base_url, /^http:\/\/127\.0\.0\.1:\d+$/);
	});
});
