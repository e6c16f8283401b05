/**
 * Turns the orchestrator's uneven messages (see CONTRACT.md) into {@link OrchestratorMessage}s.
 * Every shape the upstream is known to send is handled here and nowhere else; an unknown type
 * is kept as `unknown` rather than dropped, and a frame that is not JSON becomes `invalid`.
 */
import { bool, epochMs, numOrNull, obj, str, textOf, type Json } from './fields';
import {
	MODULE_NAMES,
	type LlmStatus,
	type ModuleState,
	type OrchestratorHealth,
	type OrchestratorMessage,
	type OrchestratorStatus,
	type Persona,
	type RelayState
} from './types';

const RELAY_STATES: RelayState[] = ['connecting', 'connected', 'reconnecting', 'offline'];

/** Splits one WebSocket text frame, which may hold several newline-separated JSON objects. */
export function parseFrame(text: string): OrchestratorMessage[] {
	return text
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter((line) => line !== '')
		.map((line) => {
			try {
				return normalizeMessage(JSON.parse(line));
			} catch (error) {
				return { kind: 'invalid', text: line, error: String(error) } as const;
			}
		});
}

type Reader = (message: Json, payload: Json | null) => OrchestratorMessage;

const READERS: Record<string, Reader> = {
	'relay.state': (m) => ({
		kind: 'relay',
		state: RELAY_STATES.includes(m.state as RelayState) ? (m.state as RelayState) : 'offline',
		attempt: numOrNull(m.attempt) ?? 0,
		lastError: str(m.last_error),
		url: str(m.url)
	}),
	status: (m, p) => ({ kind: 'status', status: normalizeStatus(p ?? m) }),
	'control.mute': (m, p) => ({
		kind: 'mute',
		muted: bool(m.muted ?? p?.muted) ?? false,
		at: epochMs(m.ts ?? p?.ts)
	}),
	'control.panic': (m, p) => ({
		kind: 'panic',
		reason: str(m.reason ?? p?.reason),
		at: epochMs(m.ts ?? p?.ts)
	}),
	'module.toggle': (m, p) => ({
		kind: 'module',
		module: str(m.module ?? p?.module) ?? 'unknown',
		enabled: bool(m.enabled ?? p?.enabled),
		state: str(m.state ?? p?.state)
	}),
	persona_update: (m, p) => ({
		kind: 'persona',
		persona: normalizePersona(m.persona ?? p?.persona ?? p)
	}),
	control_preset: (m, p) => ({
		kind: 'preset',
		preset: str(m.preset ?? p?.preset),
		activePreset: str(m.active_preset ?? p?.active_preset),
		at: epochMs(m.ts ?? p?.ts)
	}),
	obs_scene: (m, p) => ({
		kind: 'scene',
		scene: str(m.scene ?? p?.scene) ?? '',
		at: epochMs(m.ts ?? p?.ts)
	}),
	vts_expression: (m) => expression(m.data ?? m.payload),
	tts_request: (m) => {
		const data = obj(m.data ?? m.payload);
		return { kind: 'tts', text: textOf(m.data ?? m.payload), voice: str(data?.voice) };
	},
	asr_final: (_m, p) => asr(true, p),
	asr_partial: (_m, p) => asr(false, p),
	'pipeline.metric': (_m, p) => ({
		kind: 'metric',
		stage: str(p?.stage),
		latencyMs: numOrNull(p?.latency_ms),
		mode: str(p?.mode)
	}),
	memory_summary: (m, p) => ({ kind: 'memory', summary: textOf(m.summary ?? p) }),
	'policy.token': (_m, p) => ({ kind: 'policy', final: false, text: textOf(p?.token ?? p) }),
	policy_final: (_m, p) => ({ kind: 'policy', final: true, text: textOf(p) }),
	tts_chunk: (_m, p) => ({ kind: 'speech', generated: false, payload: p }),
	tts_generated: (_m, p) => ({ kind: 'speech', generated: true, payload: p })
};

/** Normalises one decoded JSON message. */
export function normalizeMessage(raw: unknown): OrchestratorMessage {
	const message = obj(raw);
	if (!message) return { kind: 'unknown', type: null, raw };
	const type = str(message.type) ?? str(message.event) ?? str(message.event_type);
	const reader = type ? READERS[type] : undefined;
	if (!reader) return { kind: 'unknown', type, raw };
	return reader(message, obj(message.payload));
}

function expression(data: unknown): OrchestratorMessage {
	const record = obj(data);
	return {
		kind: 'expression',
		expression: typeof data === 'string' ? data : str(record?.expression ?? record?.name),
		intensity: numOrNull(record?.intensity)
	};
}

function asr(final: boolean, payload: Json | null): OrchestratorMessage {
	return { kind: 'asr', final, text: textOf(payload), latencyMs: numOrNull(payload?.latency_ms) };
}

/** The orchestrator's `GET /status` (also the payload of `status` frames). */
export function normalizeStatus(raw: unknown): OrchestratorStatus {
	const status = obj(raw) ?? {};
	const presets = obj(status.persona_presets);
	const control = obj(status.control);
	return {
		status: str(status.status),
		persona: normalizePersona(status.persona),
		presets: {
			active: str(presets?.active) ?? str(control?.active_preset),
			available: Array.isArray(presets?.available) ? presets.available.filter(isString) : []
		},
		modules: normalizeModules(status.modules),
		scene: str(status.scene),
		lastExpression: textOf(status.last_expression),
		lastTts: textOf(status.last_tts),
		control: {
			ttsMuted: bool(control?.tts_muted),
			panicAt: epochMs(control?.panic_at),
			panicReason: str(control?.panic_reason),
			activePreset: str(control?.active_preset)
		}
	};
}

/** The six known modules first, in a fixed order, then any the upstream adds. */
export function normalizeModules(raw: unknown): ModuleState[] {
	const modules = obj(raw) ?? {};
	const names = [
		...MODULE_NAMES,
		...Object.keys(modules).filter((n) => !MODULE_NAMES.includes(n as never))
	];
	return names.map((name) => {
		const entry = modules[name];
		const record = obj(entry);
		return {
			name,
			state: typeof entry === 'string' ? entry : str(record?.state),
			enabled: bool(record?.enabled),
			latencyMs: numOrNull(record?.latency_ms),
			updatedAt: epochMs(record?.last_updated)
		};
	});
}

export function normalizePersona(raw: unknown): Persona {
	const persona = obj(raw) ?? {};
	return {
		style: str(persona.style),
		chaosLevel: numOrNull(persona.chaos_level),
		energy: numOrNull(persona.energy),
		familyMode: bool(persona.family_mode),
		updatedAt: epochMs(persona.last_updated)
	};
}

/** The orchestrator's `GET /health`. */
export function normalizeHealth(raw: unknown): OrchestratorHealth {
	const health = obj(raw) ?? {};
	const modules: Record<string, string> = {};
	for (const [name, state] of Object.entries(obj(health.modules) ?? {})) {
		modules[name] = typeof state === 'string' ? state : (str(obj(state)?.state) ?? 'unknown');
	}
	return {
		status: str(health.status) ?? 'offline',
		uptimeSeconds: numOrNull(health.uptime_seconds),
		modules,
		ttsMuted: bool(health.tts_muted),
		panicActive: bool(health.panic_active),
		panicReason: str(health.panic_reason)
	};
}

/** The control backend's `GET /llm/status` (or the `ollama` part of its `GET /status`). */
export function normalizeLlm(raw: unknown): LlmStatus {
	const llm = obj(raw) ?? {};
	return {
		backend: str(llm.backend),
		status: str(llm.status),
		autostart: bool(llm.autostart),
		isLocal: bool(llm.is_local)
	};
}

function isString(value: unknown): value is string {
	return typeof value === 'string';
}
