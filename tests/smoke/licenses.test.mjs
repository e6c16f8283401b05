// The documented licence paths exist, and each PDF is what its Markdown source generates.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');

it('keeps the documented third-party PDF paths beside their Markdown sources', () => {
	for (const name of ['llama3_license', 'coqui_tts_model_card', 'live2d_lumi_license']) {
		for (const ext of ['pdf', 'md']) {
			const path = join(ROOT, 'licenses/third_party', `${name}.${ext}`);
			assert.ok(existsSync(path), `${path} must exist`);
		}
	}
});

it('has every PDF up to date with its Markdown', () => {
	const run = spawnSync(process.execPath, [join(ROOT, 'licenses/build-pdfs.mjs'), '--check'], {
		encoding: 'utf8'
	});

	assert.equal(run.status, 0, `regenerate with pnpm licenses:pdf:\n${run.stderr}`);
});
