/**
 * What the dashboard knows about the orchestrator and the control backend, through the engine:
 * the relayed stream `/orchestrator/stream` (normalised), plus `GET /orchestrator/status`,
 * `/orchestrator/health` and `/control/llm/status` polls. Nothing is shown as online unless the
 * relay says it is connected and the last status is fresh.
 */
import { socketUrl, type ApiResult } from '$lib/api';
import {
	normalizeHealth,
	normalizeLlm,
	normalizeStatus,
	parseFrame,
	type LlmStatus,
	type OrchestratorHealth,
	type OrchestratorMessage,
	type OrchestratorStatus,
	type RelayState
} from '$lib/orchestrator';
import type { EngineConnection } from './engine.svelte';

export interface RelayInfo {
	state: RelayState;
	attempt: number;
	lastError: string | null;
	url: string | null;
}

const STALE_MS = 15_000;

export class OrchestratorLink {
	relay = $state<RelayInfo | null>(null);
	/** Why the relay stream itself is not open (engine route missing, socket closed). */
	streamReason = $state<string | null>('connecting');
	status = $state<OrchestratorStatus | null>(null);
	statusAt = $state<number | null>(null);
	statusError = $state<string | null>(null);
	health = $state.raw<ApiResult<OrchestratorHealth> | null>(null);
	llm = $state.raw<ApiResult<LlmStatus> | null>(null);
	lastTurnMs = $state<number | null>(null);
	now = $state(Date.now());
	private started = false;

	constructor(private readonly connection: EngineConnection) {}

	/** Connected relay and a status snapshot younger than 15 s. */
	get live(): boolean {
		return (
			this.relay?.state === 'connected' &&
			this.statusAt !== null &&
			this.now - this.statusAt < STALE_MS
		);
	}

	/** One line on why the orchestrator is not live, or null when it is. */
	get offlineReason(): string | null {
		if (this.live) return null;
		if (this.relay && this.relay.state !== 'connected')
			return `relay ${this.relay.state}${this.relay.lastError ? `: ${this.relay.lastError}` : ''}`;
		if (this.streamReason) return this.streamReason;
		if (this.statusError) return this.statusError;
		return 'no fresh status from the orchestrator';
	}

	start(): void {
		if (this.started) return;
		this.started = true;
		this.openStream(0);
		const poll = () => {
			this.now = Date.now();
			void this.pollRest();
		};
		poll();
		setInterval(poll, 5000);
	}

	async refreshStatus(): Promise<void> {
		const answer = await this.connection.client.get<unknown>('/orchestrator/status');
		if (answer.ok) this.apply({ kind: 'status', status: normalizeStatus(answer.data) });
		this.statusError = answer.ok ? null : answer.reason;
	}

	private async pollRest(): Promise<void> {
		const client = this.connection.client;
		const [health, llm] = await Promise.all([
			client.get<unknown>('/orchestrator/health'),
			client.get<unknown>('/control/llm/status')
		]);
		this.health = health.ok ? { ok: true, data: normalizeHealth(health.data) } : health;
		this.llm = llm.ok ? { ok: true, data: normalizeLlm(llm.data) } : llm;
		if (!this.live) await this.refreshStatus();
	}

	private openStream(failures: number): void {
		let opened = false;
		const url = socketUrl(this.connection.client.address, '/orchestrator/stream');
		const socket = new WebSocket(url);
		socket.onopen = () => {
			opened = true;
			this.streamReason = null;
		};
		socket.onmessage = (frame) => parseFrame(String(frame.data)).forEach((m) => this.apply(m));
		socket.onclose = () => {
			this.relay = null;
			this.streamReason = opened
				? 'relay stream closed; reconnecting'
				: 'GET /orchestrator/stream is not available on this engine';
			const next = opened ? 0 : failures + 1;
			setTimeout(() => this.openStream(next), Math.min(30_000, 1000 * 2 ** next));
		};
	}

	/** Folds one normalised message into the state. */
	apply(message: OrchestratorMessage): void {
		const status = this.status;
		switch (message.kind) {
			case 'relay':
				this.relay = message;
				return;
			case 'status':
				this.status = message.status;
				this.statusAt = Date.now();
				this.now = this.statusAt;
				return;
			case 'metric':
				if (message.stage && isTurnStage(message.stage)) this.lastTurnMs = message.latencyMs;
				return;
		}
		if (status) applyToStatus(status, message);
	}
}

function applyToStatus(status: OrchestratorStatus, message: OrchestratorMessage): void {
	switch (message.kind) {
		case 'mute':
			status.control.ttsMuted = message.muted;
			break;
		case 'panic':
			status.control.panicAt = message.at ?? Date.now();
			status.control.panicReason = message.reason;
			break;
		case 'module': {
			const module = status.modules.find((m) => m.name === message.module);
			if (module) {
				module.enabled = message.enabled ?? module.enabled;
				module.state = message.state ?? module.state;
			}
			break;
		}
		case 'persona':
			status.persona = message.persona;
			break;
		case 'preset':
			status.presets.active = message.activePreset ?? message.preset;
			status.control.activePreset = status.presets.active;
			break;
		case 'scene':
			status.scene = message.scene;
			break;
		case 'expression':
			status.lastExpression = message.expression;
			break;
		case 'tts':
			status.lastTts = message.text;
			break;
	}
}

/** Stage names the Kitsu workers use for a whole turn, speech in to speech out. */
export const TURN_STAGES = ['e2e', 'end_to_end', 'turn', 'total'];

export function isTurnStage(stage: string): boolean {
	return TURN_STAGES.includes(stage.toLowerCase());
}
