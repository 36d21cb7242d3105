// Pieces every screen uses: the problem box (two voices: the user's words and next step from the
// catalogue first; the helpdesk's facts — the sentence from main, server reply, paths — under
// "Details"), a copy button that says whether it worked, the one fingerprint display, and a busy
// flag around a call to main. Text marked data-raw is data or helpdesk detail, deliberately not
// translated (server replies, names, addresses); everything else comes from a catalogue.
import { Fragment, useRef, useState, type ReactNode } from "react";
import type { Problem } from "../../src/app/api.js";
import { fingerprintGroups } from "../../src/certs/fingerprint.js";
import { useT } from "./i18n.js";

export function ProblemBox({ problem, title, children }: { problem: Problem; title?: string; children?: ReactNode }) {
  const t = useT();
  return (
    <div className="problem" role="alert">
      <p className="problem-title">
        <span aria-hidden="true">✗ </span>
        <strong>{title ?? t(`code.${problem.code}.user`)}</strong>
      </p>
      {title && <p>{t(`code.${problem.code}.user`)}</p>}
      {children ?? <p>{t(`code.${problem.code}.next`)}</p>}
      <p className="code">
        {t("problem.code")} <code data-raw>{problem.code}</code>
      </p>
      <details>
        <summary>{t("problem.details")}</summary>
        <p data-raw lang="en">
          {problem.message}
        </p>
        {problem.details && (
          <p className="small" data-raw lang="en">
            {problem.details}
          </p>
        )}
      </details>
    </div>
  );
}

/** Copies text; says "Copied", or — when the clipboard refuses — selects the text beside it for Ctrl+C. */
export function CopyButton({ text, label, fallbackId, visible }: { text: string; label: string; fallbackId?: string; visible?: string }) {
  const t = useT();
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
      {visible ? (
        <button type="button" onClick={() => void copy()}>
          {visible}
        </button>
      ) : (
        <button type="button" className="small-button" onClick={() => void copy()} aria-label={t("copy.label", { what: label })}>
          {t("copy.button")}
        </button>
      )}
      <span role="status" className="copy-state">
        {state === "copied" ? t("copy.done") : state === "failed" ? t(fallbackId ? "copy.failedSelected" : "copy.failed") : ""}
      </span>
    </span>
  );
}

/** A SHA-256 fingerprint the one way it is shown everywhere; lines break only between groups of four bytes. */
export function Fingerprint({ hex }: { hex: string }) {
  return (
    <code className="fingerprint" data-raw>
      {fingerprintGroups(hex).map((group, i) => (
        <Fragment key={i}>
          {i > 0 && " "}
          <span className="fp-group">{group}</span>
        </Fragment>
      ))}
    </code>
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
