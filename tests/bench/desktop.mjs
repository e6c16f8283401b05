// Desktop app benchmark (not a test): cold start to the first complete Overview paint in the
// window, and the whole app's memory (the app and its WebKit processes) idle with the dashboard
// open. Prints figures; asserts nothing. Run: pnpm bench:desktop (release build, under Xvfb).
// BENCH_RUNS (default 5) sets the number of starts, BENCH_IDLE_SECONDS (default 30) the idle wait.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { appHome } from '../support/desktop.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const APP = process.env.KITSU_DESKTOP_BIN ?? join(ROOT, 'src-tauri/target/release/kitsu-telemetry-desktop');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);

/** Starts the app on a fresh home; resolves when it logs the first complete paint. */
async function start() {
	const home = appHome();
	const started = performance.now();
	const child = spawn(APP, [], {
		env: { ...process.env, ...home.env, TELEMETRY_DEMO: '1', API_PORT: '0', NO_AT_BRIDGE: '1', RUST_LOG: 'info' },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let log = '';
	const painted = await new Promise((done, fail) => {
		const timer = setTimeout(() => fail(new Error(`no paint after 60 s:\n${log}`)), 60_000);
		// The log goes to stdout; a panic would go to stderr.
		child.stderr.on('data', (chunk) => (log += chunk));
		child.stdout.on('data', (chunk) => {
			log += chunk;
			const line = /dashboard painted since_process_start_ms=(\d+) since_navigation_ms=(\d+)/.exec(log);
			if (line) {
				clearTimeout(timer);
				done({ wall_ms: performance.now() - started, in_process_ms: Number(line[1]), page_ms: Number(line[2]) });
			}
		});
		child.on('exit', (code) => fail(new Error(`the app exited with ${code}:\n${log}`)));
	});
	return { child, painted };
}

async function stop(child) {
	const exited = new Promise((done) => child.once('exit', done));
	child.kill('SIGTERM');
	await exited;
}

/** The pid and every descendant (WebKit's web and network processes). */
function tree(root) {
	const children = new Map();
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (!children.has(ppid)) children.set(ppid, []);
			children.get(ppid).push(Number(name));
		} catch {
			// Gone while we looked.
		}
	}
	const all = [];
	const walk = (pid) => {
		all.push(pid);
		for (const child of children.get(pid) ?? []) walk(child);
	};
	walk(root);
	return all;
}

/** RSS and PSS (shared pages split between the processes sharing them) in MiB, by process. */
function memory(pids) {
	return pids.map((pid) => {
		const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
		const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
		const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
		return { pid, name, rss: kib('Rss') / 1024, pss: kib('Pss') / 1024 };
	});
}

/** Where the memory goes: PSS summed over the processes by what each mapping is, in MiB. */
const KINDS = [
	['Mesa software GL (llvmpipe, under Xvfb)', /libLLVM|\/dri\//],
	['flite voices (linked by WebKitGTK for speech synthesis)', /libflite/],
	['WebKitGTK and JavaScriptCore code', /libwebkit2gtk|libjavascriptcoregtk/],
	['this app\'s binary', /kitsu-telemetry-desktop/],
	['anonymous (heaps, JS heap, stacks)', /^(\[.*\])?$/]
];
function memoryByKind(pids) {
	const totals = new Map();
	for (const pid of pids) {
		let kind = null;
		for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
			const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
			if (mapping) {
				kind = KINDS.find(([, pattern]) => pattern.test(mapping[1]))?.[0] ?? 'other shared libraries and files';
				continue;
			}
			const pss = /^Pss:\s+(\d+) kB/.exec(line);
			if (pss) totals.set(kind, (totals.get(kind) ?? 0) + Number(pss[1]) / 1024);
		}
	}
	return [...totals].sort((a, b) => b[1] - a[1]);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const runs = [];
for (let i = 0; i < RUNS; i++) {
	const { child, painted } = await start();
	runs.push(painted);
	console.log(`start ${i + 1}: window painted the Overview ${painted.wall_ms.toFixed(0)} ms after spawn (${painted.in_process_ms} ms after main, page ${painted.page_ms} ms after navigation)`);
	if (i < RUNS - 1) await stop(child);
	else {
		await sleep(IDLE_SECONDS * 1000);
		const processes = memory(tree(child.pid));
		for (const p of processes) console.log(`  ${p.name.padEnd(16)} pid ${p.pid}: RSS ${p.rss.toFixed(1)} MiB, PSS ${p.pss.toFixed(1)} MiB`);
		const sum = (key) => processes.reduce((total, p) => total + p[key], 0);
		for (const [kind, mib] of memoryByKind(processes.map((p) => p.pid))) console.log(`  ${mib.toFixed(1).padStart(6)} MiB PSS  ${kind}`);
		console.log(`whole app idle with the dashboard open for ${IDLE_SECONDS} s (demo data, ${processes.length} processes): PSS ${sum('pss').toFixed(1)} MiB, RSS summed ${sum('rss').toFixed(1)} MiB (target 250 MiB)`);
		await stop(child);
	}
}
console.log(`cold start to first complete Overview paint: median ${median(runs.map((r) => r.wall_ms)).toFixed(0)} ms of ${RUNS} (target 1500 ms under Xvfb)`);
