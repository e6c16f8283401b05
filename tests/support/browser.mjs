// Debian's Chromium driven by playwright-core (which never downloads a browser), against a real
// engine serving the built dashboard; plus realistic seed events and console-error collection.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startEngine } from './engine.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
export const ARTIFACTS = join(ROOT, 'tests/artifacts');
export const UI_DIR = process.env.KITSU_UI_DIR ?? join(ROOT, 'ui/build');
export const CHROMIUM = process.env.KITSU_CHROMIUM ?? '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 800 };

/** The engine with the dashboard (and the demo upstreams, on engines that have them). */
export function startDashboardEngine(env = {}) {
	const logs = seedLogs();
	return startEngine({
		env: { TELEMETRY_DEMO: '1', TELEMETRY_GPU_SOURCE: 'simulated', TELEMETRY_UI_DIR: UI_DIR, KITSU_LOG_ROOT: logs, ...env }
	});
}

/** A log folder as the Kitsu services write it: JSON lines per service. */
function seedLogs() {
	const dir = mkdtempSync(join(tmpdir(), 'kitsu-logs-'));
	const now = Date.now();
	for (const service of ['orchestrator', 'tts_worker']) {
		const lines = Array.from({ length: 40 }, (_, i) =>
			JSON.stringify({
				ts: new Date(now - (40 - i) * 5000).toISOString(),
				level: i % 13 === 0 ? 'WARNING' : 'INFO',
				message: `${service} handled turn ${i}`,
				service
			})
		);
		writeFileSync(join(dir, `${service}.log`), lines.join('\n') + '\n');
	}
	return dir;
}

export function launchBrowser() {
	return chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--no-sandbox',
			'--headless',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run'
		]
	});
}

// Routes other parts of the project add (live data: stream, GPU, series; Kitsu link: relay,
// commands, soak). On an engine without them, or with an upstream down, the browser itself
// logs the failed request; the page shows "unavailable: ..." for them, which the tests check.
// Only those network-level lines are tolerated: script errors and console.error never are.
const UPSTREAM_ROUTES = ['/events/stream', '/gpu/status', '/metrics/series', '/orchestrator/', '/control/', '/soak/results'];
const NETWORK_LINE = /Failed to load resource|WebSocket connection to/;

function isToleratedNetworkLine(message) {
	const where = `${message.text()} ${message.location()?.url ?? ''}`;
	return NETWORK_LINE.test(message.text()) && UPSTREAM_ROUTES.some((route) => where.includes(route));
}

/** A page whose console errors and uncaught exceptions are collected in `errors`. */
export async function openPage(browser, options = {}) {
	const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true, ...options });
	const page = await context.newPage();
	const errors = [];
	page.on('console', (message) => {
		if (message.type() === 'error' && !isToleratedNetworkLine(message)) errors.push(message.text());
	});
	page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
	return { context, page, errors };
}

export async function screenshot(page, name, { omitBackground = false } = {}) {
	mkdirSync(ARTIFACTS, { recursive: true });
	await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), omitBackground });
}

/** Realistic events of the last few minutes: >500 pipeline metrics, GPU samples, ASR, soak. */
export function seedEvents(now = Date.now()) {
	const events = [];
	const stages = { asr: [150, 60], llm: [520, 180], tts: [260, 90], e2e: [980, 260] };
	for (let i = 0; i < 160; i++) {
		const at = (now - (160 - i) * 1500) / 1000;
		for (const [stage, [base, spread]] of Object.entries(stages)) {
			const latency_ms = Math.round(base + spread * Math.abs(Math.sin(i * 1.7 + base)));
			events.push({ type: 'pipeline.metric', ts: at, source: `${stage}_worker`, payload: { stage, latency_ms, mode: 'stream' } });
		}
	}
	for (let i = 0; i < 60; i++) {
		events.push({
			type: 'hardware.gpu',
			ts: (now - (60 - i) * 4000) / 1000,
			source: 'telemetry.gpu',
			payload: gpuPayload(i)
		});
	}
	for (let i = 0; i < 30; i++) {
		events.push({ type: 'asr_final', ts: (now - (30 - i) * 7000) / 1000, source: 'asr_worker', payload: { text: `hello chat ${i}`, latency_ms: 140 + (i % 7) * 11, duration_ms: 900 } });
	}
	for (let i = 0; i < 3; i++) {
		events.push({ type: 'soak.result', ts: (now - (3 - i) * 3600_000) / 1000, source: 'soak', payload: { turns: 500, p50_ms: 910 + i * 40, p95_ms: 1490 + i * 60, passed: i !== 2 } });
	}
	return events;
}

function gpuPayload(i) {
	return {
		index: 0,
		name: 'NVIDIA GeForce RTX 4090',
		temperature_c: 61 + (i % 9),
		utilization_pct: 45 + ((i * 7) % 40),
		memory_used_mb: 17800 + i * 10,
		memory_total_mb: 24564,
		memory_free_mb: 24564 - 17800 - i * 10,
		memory_pct: ((17800 + i * 10) / 24564) * 100,
		fan_speed_pct: 38,
		power_w: 210 + (i % 5) * 12,
		encoder_pct: 12,
		decoder_pct: 0,
		power_limit_w: 450,
		throttle_reasons: []
	};
}

export async function postEvents(base, events) {
	for (let i = 0; i < events.length; i += 400) {
		const response = await fetch(`${base}/events`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(events.slice(i, i + 400))
		});
		if (!response.ok) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
	}
}
