// The packages `pnpm tauri build` makes: a .deb with the binary, its menu entry, its icons and
// the libraries it needs, and an .rpm. Reads what `pnpm test:desktop` built (`--debug`).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const BUNDLE = resolve(
	import.meta.dirname,
	'../../src-tauri/target',
	process.env.KITSU_BUNDLE_PROFILE ?? 'debug',
	'bundle'
);

function only(kind) {
	const dir = join(BUNDLE, kind);
	const files = readdirSync(dir).filter((name) => name.endsWith(`.${kind}`));
	assert.equal(files.length, 1, `one .${kind} in ${dir}: ${files}`);
	return join(dir, files[0]);
}

test('the .deb installs the binary, a menu entry, icons, and names its libraries', () => {
	const deb = only('deb');
	// `dpkg-deb -c` lists like `tar tv`: mode, owner, size, date, time, then the path.
	const files = execFileSync('dpkg-deb', ['--contents', deb])
		.toString()
		.split('\n')
		.map((line) => /\d\d:\d\d \.?\/?(.+)$/.exec(line)?.[1])
		.filter(Boolean);
	const has = (path) => files.includes(path);
	assert.ok(has('usr/bin/kitsu-telemetry-desktop'), 'the binary is in /usr/bin');
	assert.ok(has('usr/share/applications/Kitsu Telemetry.desktop'), 'a desktop menu entry');
	assert.ok(
		has('usr/share/icons/hicolor/128x128/apps/kitsu-telemetry-desktop.png'),
		'the icon in the hicolor theme'
	);
	const depends = execFileSync('dpkg-deb', ['--field', deb, 'Depends']).toString();
	for (const library of ['libwebkit2gtk-4.1-0', 'libgtk-3-0']) {
		assert.match(depends, new RegExp(library.replace(/[.]/g, '\\.')), `depends on ${library}`);
	}
});

test('the .rpm is an RPM package', () => {
	const rpm = only('rpm');
	const lead = Buffer.alloc(4);
	const fd = openSync(rpm, 'r');
	readSync(fd, lead, 0, 4, 0);
	closeSync(fd);
	assert.equal(lead.toString('hex'), 'edabeedb', 'the RPM lead magic');
});
