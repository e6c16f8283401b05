import { describe, expect, it } from 'vitest';
import { exportFailure, formatBytes } from './desktop';

describe('exportFailure', () => {
	it.each([
		[
			{ code: 'engine_refused', message: 'bad since' },
			{ kind: 'failed', code: 'engine_refused', message: 'bad since' }
		],
		[
			{ code: 'write_failed', message: 'cannot write /x.csv' },
			{ kind: 'failed', code: 'write_failed', message: 'cannot write /x.csv' }
		],
		[
			'Command export_csv not allowed',
			{ kind: 'failed', code: 'ipc_failed', message: 'Command export_csv not allowed' }
		]
	])('turns %j into a coded failure', (thrown, expected) => {
		expect(exportFailure(thrown)).toEqual(expected);
	});
});

describe('formatBytes', () => {
	it.each([
		[512, '512 B'],
		[34_000, '34 KB'],
		[1_250_000, '1.3 MB']
	])('%d bytes read as %s', (bytes, text) => {
		expect(formatBytes(bytes)).toBe(text);
	});
});
