/** The dashboard's own, uniform view of the orchestrator and control backend. */

export const MODULE_NAMES = [
	'asr_worker',
	'policy_worker',
	'tts_worker',
	'avatar_controller',
	'obs_controller',
	'twitch_ingest'
] as const;

export type RelayState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface ModuleState {
	name: string;
	state: string | null;
	enabled: boolean | null;
	latencyMs: number | null;
	/** Epoch milliseconds. */
	updatedAt: number | null;
}

export interface Persona {
	style: string | null;
	chaosLevel: number | null;
	energy: number | null;
	familyMode: boolean | null;
	updatedAt: number | null;
}

export interface ControlState {
	ttsMuted: boolean | null;
	panicAt: number | null;
	panicReason: string | null;
	activePreset: string | null;
}

export interface OrchestratorStatus {
	status: string | null;
	persona: Persona;
	presets: { active: string | null; available: string[] };
	modules: ModuleState[];
	scene: string | null;
	lastExpression: string | null;
	lastTts: string | null;
	control: ControlState;
}

export interface OrchestratorHealth {
	status: 'online' | 'degraded' | 'offline' | string;
	uptimeSeconds: number | null;
	modules: Record<string, string>;
	ttsMuted: boolean | null;
	panicActive: boolean | null;
	panicReason: string | null;
}

export interface LlmStatus {
	backend: string | null;
	status: string | null;
	autostart: boolean | null;
	isLocal: boolean | null;
}

/** One message of `/orchestrator/stream`, whatever shape the upstream sent it in. */
export type OrchestratorMessage =
	| {
			kind: 'relay';
			state: RelayState;
			attempt: number;
			lastError: string | null;
			url: string | null;
	  }
	| { kind: 'status'; status: OrchestratorStatus }
	| { kind: 'mute'; muted: boolean; at: number | null }
	| { kind: 'panic'; reason: string | null; at: number | null }
	| { kind: 'module'; module: string; enabled: boolean | null; state: string | null }
	| { kind: 'persona'; persona: Persona }
	| { kind: 'preset'; preset: string | null; activePreset: string | null; at: number | null }
	| { kind: 'scene'; scene: string; at: number | null }
	| { kind: 'expression'; expression: string | null; intensity: number | null }
	| { kind: 'tts'; text: string | null; voice: string | null }
	| { kind: 'asr'; final: boolean; text: string | null; latencyMs: number | null }
	| { kind: 'metric'; stage: string | null; latencyMs: number | null; mode: string | null }
	| { kind: 'memory'; summary: string | null }
	| { kind: 'policy'; final: boolean; text: string | null }
	| { kind: 'speech'; generated: boolean; payload: unknown }
	| { kind: 'unknown'; type: string | null; raw: unknown }
	| { kind: 'invalid'; text: string; error: string };
