// The renderer's only way out: the API the preload script exposes (types from src/app/api.ts).
import type { RendererApi } from "../../src/app/api.js";

declare global {
  interface Window {
    relayOnboard: RendererApi;
  }
}

export const api = (): RendererApi => window.relayOnboard;
