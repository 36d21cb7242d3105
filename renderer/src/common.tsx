// Pieces every screen uses: the problem box (the user's words first, the helpdesk's facts under
// "Details"), a copy button that says whether it worked, and a busy flag around a call to main.
import { useRef, useState } from "react";
import type { Problem } from "../../src/app/api.js";

/** Failures whose CLI hint speaks to IT (commands, key ids): the user gets plain words instead. */
const FOR_USERS: Partial<Record<Problem["code"], string>> = {
  CONFIG_FETCH_FAILED: "Relay Onboard could not download your organisation's settings. Check that this computer is online, then choose Try again. If it keeps failing, call your helpdesk.",
  CONFIG_EXPIRED: "Your organisation's settings on this computer are out of date. Your IT department has to publish new ones; call your helpdesk.",
  CONFIG_NOT_YET_VALID: "Your organisation's settings are not valid yet, or this computer's clock is wrong. Check the date and time, then choose Try again.",
  CONFIG_BAD_SIGNATURE: "Your organisation's settings could not be confirmed as genuine, so Relay Onboard will not use them. Call your helpdesk.",
  CONFIG_UNKNOWN_KEY: "Your organisation's settings are signed in a way this computer does not recognise yet. Call your helpdesk.",
  CONFIG_ALG_NOT_ALLOWED: "Your organisation's settings could not be confirmed as genuine, so Relay Onboard will not use them. Call your helpdesk.",
  CONFIG_ROLLBACK: "The settings offered are older than the ones this computer already has, so they were refused. Call your helpdesk.",
  CONFIG_INVALID: "Your organisation's settings could not be read. Call your helpdesk.",
  CONFIG_TOO_LARGE: "Your organisation's settings could not be read. Call your helpdesk.",
  CA_REJECTED: "The certificate your organisation's settings name is not acceptable, so it was not installed. Call your helpdesk.",
  INTERNAL: "Something went wrong inside Relay Onboard. This is not your fault. Call your helpdesk and give them the reference at the top of this window.",
};

export function ProblemBox({ problem, title }: { problem: Problem; title?: string }) {
  const plain = FOR_USERS[problem.code];
  return (
    <div className="problem" role="alert">
      {title && (
        <p>
          <strong>{title}</strong>
        </p>
      )}
      <p>{plain ?? <strong>{capitalise(problem.message)}.</strong>}</p>
      {!plain && <p>{problem.hint}</p>}
      <p className="code">
        Code for the helpdesk: <code>{problem.code}</code>
      </p>
      <details>
        <summary>Details for the helpdesk</summary>
        <p>{capitalise(problem.message)}.</p>
        {plain && <p>{problem.hint}</p>}
        {problem.details && <p className="small">{problem.details}</p>}
      </details>
    </div>
  );
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Copies text; says "Copied", or — when the clipboard refuses — selects the text beside it for Ctrl+C. */
export function CopyButton({ text, label, fallbackId }: { text: string; label: string; fallbackId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<number | undefined>(undefined);
  const copy = async () => {
    window.clearTimeout(timer.current);
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      setState("copied");
      timer.current = window.setTimeout(() => setState("idle"), 4000);
    } catch {
      setState("failed");
      const target = fallbackId ? document.getElementById(fallbackId) : null;
      if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) {
        target.focus();
        target.select();
      }
    }
  };
  return (
    <span className="copy">
      <button type="button" className="small-button" onClick={() => void copy()} aria-label={`${label}: copy`}>
        Copy
      </button>
      <span role="status" className="copy-state">
        {state === "copied" ? "Copied" : state === "failed" ? (fallbackId ? "Copy did not work here: the text is selected, press Ctrl+C (⌘C on a Mac)." : "Copy did not work here: select the text and press Ctrl+C (⌘C on a Mac).") : ""}
      </span>
    </span>
  );
}

/** A button's busy state around one call to main. */
export function useBusy(): [boolean, (work: () => Promise<unknown>) => void] {
  const [busy, setBusy] = useState(false);
  const run = (work: () => Promise<unknown>) => {
    setBusy(true);
    void work().finally(() => setBusy(false));
  };
  return [busy, run];
}

export function formatDate(iso: string, withTime = false): string {
  const d = new Date(iso);
  return withTime ? d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : d.toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** Every screen's h1 is focused by the app when the screen becomes the current one. */
export type HeadingProps = { active?: boolean };
