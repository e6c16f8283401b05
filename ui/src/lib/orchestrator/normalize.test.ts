import { describe, expect, it } from 'vitest';
import {
	normalizeHealth,
	normalizeLlm,
	normalizeMessage,
	normalizeStatus,
	parseFrame
} from './normalize';

const STATUS = {
	status: 'online',
	persona: {
		style: 'cozy',
		chaos_level: 0.3,
		energy: 0.7,
		family_mode: true,
		last_updated: 1767225600.5
	},
	persona_presets: { active: 'default', available: ['default', 'hype'] },
	modules: {
		asr_worker: { state: 'online', enabled: true, latency_ms: 120, last_updated: 1767225600 },
		tts_worker: { state: 'offline', enabled: false, latency_ms: null, last_updated: 1767225599 }
	},
	scene: 'Main',
	last_expression: { expression: 'smile' },
	last_tts: { text: 'hello chat' },
	memory: {},
	restore_context: null,
	control: { tts_muted: false, panic_at: null, panic_reason: null, active_preset: 'default' }
};

// Every message shape CONTRACT.md lists, with what the dashboard must make of it.
const CASES: { name: string; raw: unknown; expected: Record<string, unknown> }[] = [
	{
		name: 'relay state from the engine',
		raw: {
			type: 'relay.state',
			state: 'reconnecting',
			attempt: 3,
			last_error: 'refused',
			url: 'ws://x/stream'
		},
		expected: {
			kind: 'relay',
			state: 'reconnecting',
			attempt: 3,
			lastError: 'refused',
			url: 'ws://x/stream'
		}
	},
	{
		name: 'control.mute with muted at top level',
		raw: { type: 'control.mute', muted: true, ts: 1767225600 },
		expected: { kind: 'mute', muted: true, at: 1767225600000 }
	},
	{
		name: 'control.panic with a reason',
		raw: { type: 'control.panic', ts: 1767225600.5, reason: 'spam raid' },
		expected: { kind: 'panic', reason: 'spam raid', at: 1767225600500 }
	},
	{
		name: 'control.panic without a reason',
		raw: { type: 'control.panic', ts: 1767225600 },
		expected: { kind: 'panic', reason: null }
	},
	{
		name: 'module.toggle',
		raw: { type: 'module.toggle', module: 'tts_worker', enabled: false, state: 'disabled' },
		expected: { kind: 'module', module: 'tts_worker', enabled: false, state: 'disabled' }
	},
	{
		name: 'persona_update',
		raw: {
			type: 'persona_update',
			persona: { style: 'chaotic', chaos_level: 0.9, energy: 1, family_mode: false }
		},
		expected: {
			kind: 'persona',
			persona: { style: 'chaotic', chaosLevel: 0.9, energy: 1, familyMode: false, updatedAt: null }
		}
	},
	{
		name: 'control_preset',
		raw: { type: 'control_preset', preset: 'hype', active_preset: 'hype', ts: 1767225600 },
		expected: { kind: 'preset', preset: 'hype', activePreset: 'hype', at: 1767225600000 }
	},
	{
		name: 'obs_scene',
		raw: { type: 'obs_scene', scene: 'BRB', ts: 1767225600 },
		expected: { kind: 'scene', scene: 'BRB', at: 1767225600000 }
	},
	{
		name: 'vts_expression with the expression under data',
		raw: { type: 'vts_expression', data: { expression: 'surprised', intensity: 0.8 } },
		expected: { kind: 'expression', expression: 'surprised', intensity: 0.8 }
	},
	{
		name: 'tts_request with text under data',
		raw: { type: 'tts_request', data: { text: 'hi chat', voice: 'lumi' } },
		expected: { kind: 'tts', text: 'hi chat', voice: 'lumi' }
	},
	{
		name: 'asr_final under payload',
		raw: { type: 'asr_final', payload: { text: 'hello', latency_ms: 180, duration_ms: 900 } },
		expected: { kind: 'asr', final: true, text: 'hello', latencyMs: 180 }
	},
	{
		name: 'asr_partial under payload',
		raw: { type: 'asr_partial', payload: { text: 'hel' } },
		expected: { kind: 'asr', final: false, text: 'hel', latencyMs: null }
	},
	{
		name: 'pipeline.metric under payload',
		raw: { type: 'pipeline.metric', payload: { stage: 'llm', latency_ms: 640, mode: 'stream' } },
		expected: { kind: 'metric', stage: 'llm', latencyMs: 640, mode: 'stream' }
	},
	{
		name: 'memory_summary with a string summary',
		raw: { type: 'memory_summary', summary: 'chat likes cats' },
		expected: { kind: 'memory', summary: 'chat likes cats' }
	},
	{
		name: 'policy.token',
		raw: { type: 'policy.token', payload: { token: 'Hel' } },
		expected: { kind: 'policy', final: false, text: 'Hel' }
	},
	{
		name: 'policy_final',
		raw: { type: 'policy_final', payload: { text: 'Hello chat!' } },
		expected: { kind: 'policy', final: true, text: 'Hello chat!' }
	},
	{
		name: 'tts_chunk',
		raw: { type: 'tts_chunk', payload: { seq: 1 } },
		expected: { kind: 'speech', generated: false, payload: { seq: 1 } }
	},
	{
		name: 'tts_generated',
		raw: { type: 'tts_generated', payload: { duration_ms: 1200 } },
		expected: { kind: 'speech', generated: true, payload: { duration_ms: 1200 } }
	},
	{
		name: 'an unknown type is kept, not dropped',
		raw: { type: 'brand_new', x: 1 },
		expected: { kind: 'unknown', type: 'brand_new' }
	},
	{
		name: 'a non-object message is unknown',
		raw: [1, 2],
		expected: { kind: 'unknown', type: null }
	}
];

describe('normalizeMessage', () => {
	it.each(CASES)('reads $name', ({ raw, expected }) => {
		expect(normalizeMessage(raw), 'the normalised message').toMatchObject(expected);
	});

	it('reads a status frame into the full status snapshot', () => {
		const message = normalizeMessage({ type: 'status', payload: STATUS });

		expect(message.kind, 'a status frame').toBe('status');
		if (message.kind !== 'status') return;
		expect(message.status.scene).toBe('Main');
		expect(message.status.lastExpression, 'expression read from an object').toBe('smile');
		expect(message.status.lastTts).toBe('hello chat');
		expect(message.status.persona.updatedAt, 'epoch seconds become ms').toBe(1767225600500);
	});
});

describe('parseFrame', () => {
	it('splits a frame holding several newline-separated objects', () => {
		const frame =
			'{"type":"control.mute","muted":true,"ts":1}\n{"type":"obs_scene","scene":"BRB","ts":2}\n';

		const messages = parseFrame(frame);

		expect(
			messages.map((m) => m.kind),
			'one message per line, in order'
		).toEqual(['mute', 'scene']);
	});

	it('keeps a line that is not JSON as invalid instead of throwing', () => {
		const messages = parseFrame('{"type":"obs_scene","scene":"A"}\nnot json');

		expect(
			messages.map((m) => m.kind),
			'the good line survives the bad one'
		).toEqual(['scene', 'invalid']);
	});
});

describe('normalizeStatus', () => {
	it('lists the six modules in a fixed order, missing ones with unknown state', () => {
		const status = normalizeStatus(STATUS);

		expect(status.modules.map((m) => m.name)).toEqual([
			'asr_worker',
			'policy_worker',
			'tts_worker',
			'avatar_controller',
			'obs_controller',
			'twitch_ingest'
		]);
		expect(
			status.modules[1].state,
			'a module the upstream omits has no state, not "online"'
		).toBeNull();
		expect(status.modules[2].latencyMs, 'a null latency stays null, never 0').toBeNull();
		expect(status.presets).toEqual({ active: 'default', available: ['default', 'hype'] });
		expect(status.control.ttsMuted).toBe(false);
	});

	it('survives an empty or broken snapshot', () => {
		const status = normalizeStatus('garbage');

		expect(status.status).toBeNull();
		expect(status.persona.energy, 'no invented values').toBeNull();
	});
});

describe('health and LLM', () => {
	it.each([
		[
			{
				status: 'degraded',
				uptime_seconds: 12.5,
				modules: { asr_worker: 'online' },
				tts_muted: true,
				panic_reason: 'x',
				panic_active: true
			},
			{
				status: 'degraded',
				uptimeSeconds: 12.5,
				modules: { asr_worker: 'online' },
				ttsMuted: true,
				panicActive: true,
				panicReason: 'x'
			}
		],
		[{}, { status: 'offline', uptimeSeconds: null, modules: {}, ttsMuted: null }]
	])('normalises orchestrator health %#', (raw, expected) => {
		expect(normalizeHealth(raw)).toMatchObject(expected);
	});

	it('normalises the LLM status', () => {
		expect(
			normalizeLlm({ backend: 'ollama', status: 'running', autostart: true, is_local: true })
		).toEqual({
			backend: 'ollama',
			status: 'running',
			autostart: true,
			isLocal: true
		});
	});
});
