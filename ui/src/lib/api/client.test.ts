import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineClient } from './client';

function answering(status: number, body: string) {
	const fetch = vi.fn(async () => new Response(body, { status, statusText: 'Status' }));
	vi.stubGlobal('fetch', fetch);
	return fetch;
}

afterEach(() => vi.unstubAllGlobals());

describe('EngineClient', () => {
	it('sends the key as X-API-KEY and reads JSON', async () => {
		const fetch = answering(200, '{"status":"ok"}');
		const client = new EngineClient({ base: 'http://h:1', key: 'k' });

		const answer = await client.get('/health');

		expect(answer, 'the JSON body is the data').toEqual({ ok: true, data: { status: 'ok' } });
		const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
		expect((init.headers as Record<string, string>)['x-api-key']).toBe('k');
	});

	it.each([
		{
			name: 'a missing route names the route and the detail',
			status: 404,
			body: '{"detail":"no route or dashboard file at /gpu/status"}',
			reason: 'GET /gpu/status: 404 no route or dashboard file at /gpu/status'
		},
		{
			name: 'an unreachable upstream keeps its words',
			status: 502,
			body: '{"detail":"orchestrator unreachable at http://127.0.0.1:8000: refused"}',
			reason: 'GET /gpu/status: 502 orchestrator unreachable at http://127.0.0.1:8000: refused'
		},
		{
			name: 'a list detail (FastAPI validation) is shown as JSON',
			status: 422,
			body: '{"detail":[{"msg":"bad"}]}',
			reason: 'GET /gpu/status: 422 [{"msg":"bad"}]'
		},
		{
			name: 'a body without detail falls back to the status text',
			status: 500,
			body: 'oops',
			reason: 'GET /gpu/status: 500 Status'
		}
	])('$name', async ({ status, body, reason }) => {
		answering(status, body);

		const answer = await new EngineClient({ base: 'http://h:1', key: null }).get('/gpu/status');

		expect(answer).toMatchObject({ ok: false, status, reason });
	});

	it('asks for the key on a 401', async () => {
		answering(401, '{"detail":"Invalid API key"}');
		const client = new EngineClient({ base: 'http://h:1', key: 'wrong' });
		const onUnauthorized = vi.fn();
		client.onUnauthorized = onUnauthorized;

		await client.get('/events');

		expect(onUnauthorized, 'the page must ask for the key').toHaveBeenCalledOnce();
	});

	it('reports an unreachable engine as a reason, not a throw', async () => {
		vi.stubGlobal(
			'fetch',
			vi.fn(async () => Promise.reject(new TypeError('Failed to fetch')))
		);

		const answer = await new EngineClient({ base: 'http://h:1', key: null }).post('/control/mute', {
			muted: true
		});

		expect(answer).toMatchObject({
			ok: false,
			status: 0,
			reason: 'POST /control/mute: engine unreachable (Failed to fetch)'
		});
	});
});
