/**
 * Commands the dashboard sends to the orchestrator and control backend, through the engine.
 * Bodies are exactly what the upstreams take (see CONTRACT.md); the engine passes them on and
 * answers with the upstream's JSON or its error.
 */
import type { ApiResult, EngineClient } from './client';

export interface PersonaChange {
	style?: string;
	chaos_level?: number;
	energy?: number;
	family_mode?: boolean;
}

export const commands = {
	panic: (c: EngineClient, reason: string) =>
		c.post<unknown>('/control/panic', reason.trim() ? { reason: reason.trim() } : {}),
	mute: (c: EngineClient, muted: boolean) => c.post<unknown>('/control/mute', { muted }),
	preset: (c: EngineClient, preset: string) => c.post<unknown>('/control/preset', { preset }),
	toggleModule: (c: EngineClient, module: string, enabled: boolean) =>
		c.post<unknown>(`/orchestrator/toggle/${encodeURIComponent(module)}`, { enabled }),
	persona: (c: EngineClient, change: PersonaChange) =>
		c.post<unknown>('/orchestrator/persona', change),
	tts: (c: EngineClient, text: string, voice: string) =>
		c.post<unknown>('/orchestrator/tts', voice ? { text, voice } : { text }),
	scene: (c: EngineClient, scene: string) => c.post<unknown>('/orchestrator/obs/scene', { scene }),
	expression: (c: EngineClient, expression: string, intensity: number | null) =>
		c.post<unknown>(
			'/orchestrator/vts/expr',
			intensity === null ? { expression } : { expression, intensity }
		),
	startLlm: (c: EngineClient) => c.post<unknown>('/control/llm/start', {})
} satisfies Record<string, (c: EngineClient, ...args: never[]) => Promise<ApiResult<unknown>>>;
