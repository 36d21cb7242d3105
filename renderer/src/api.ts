// The renderer's only way out: the API the preload script exposes (types from src/app/api.ts).
// Every call settles with a Result; a rejected call can only be a bug in main (or a sender
// refusal), and Electron keeps nothing of it but the message — so it becomes INTERNAL here.
import type { ArgOf, Channel, Problem, RendererApi, Result, ResultOf } from "../../src/app/api.js";

declare global {
  interface Window {
    relayOnboard: RendererApi;
  }
}

export const api = (): RendererApi => window.relayOnboard;

export const INTERNAL_HINT = "This is a fault in Relay Onboard, not in your input or your network. Give the helpdesk the reference shown at the top.";

export async function call<C extends Channel>(channel: C, ...arg: ArgOf<C> extends void ? [] : [ArgOf<C>]): Promise<Result<ResultOf<C>>> {
  try {
    return await api().call(channel, ...arg);
  } catch (err) {
    const problem: Problem = { code: "INTERNAL", message: err instanceof Error ? err.message : String(err), hint: INTERNAL_HINT };
    return { ok: false, problem };
  }
}
