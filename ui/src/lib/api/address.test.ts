import { describe, expect, it } from 'vitest';
import { engineUrl, resolveAddress, socketUrl } from './address';

describe('resolveAddress', () => {
	it.each([
		{
			name: 'the page origin without a key',
			sources: { origin: 'http://127.0.0.1:8001', search: '', stored: null },
			expected: { base: 'http://127.0.0.1:8001', key: null }
		},
		{
			name: 'the key from the URL, over a stored one',
			sources: { origin: 'http://h:1', search: '?key=abc', stored: 'old' },
			expected: { base: 'http://h:1', key: 'abc' }
		},
		{
			name: 'the stored key when the URL has none',
			sources: { origin: 'http://h:1', search: '?x=1', stored: 'old' },
			expected: { base: 'http://h:1', key: 'old' }
		},
		{
			name: 'what the desktop shell injects',
			sources: {
				origin: 'tauri://localhost',
				search: '',
				stored: null,
				injected: { apiBase: 'http://127.0.0.1:9000/', apiKey: 'k' }
			},
			expected: { base: 'http://127.0.0.1:9000', key: 'k' }
		}
	])('uses $name', ({ sources, expected }) => {
		expect(resolveAddress(sources)).toEqual(expected);
	});
});

describe('engineUrl', () => {
	it('leaves out empty filters and adds the key only when asked', () => {
		const address = { base: 'http://h:1', key: 's e' };

		expect(engineUrl(address, '/events', { type: 'a', source: '', limit: 5 })).toBe(
			'http://h:1/events?type=a&limit=5'
		);
		expect(engineUrl(address, '/events/export', {}, true)).toBe('http://h:1/events/export?key=s+e');
		expect(socketUrl(address, '/events/stream')).toBe('ws://h:1/events/stream?key=s+e');
	});
});
