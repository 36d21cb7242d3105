// Step 4: the mail apps on this computer. Each outcome has a clear badge and a way on: Try again
// for a failed app (after closing it, say), the exact settings to type when no app can be set up
// automatically, Apple Mail's profile opened for approval, the new Outlook's steps as a list.
import { useEffect, useState } from "react";
import type { ClientName, ClientResult, ClientView, ManualSettings, Problem } from "../../src/app/api.js";
import { call } from "./api.js";
import { CopyButton, ProblemBox, useBusy } from "./common.js";

const NAMES: Record<ClientName, string> = { thunderbird: "Thunderbird", outlook: "Outlook", "apple-mail": "Apple Mail" };
const BADGES: Record<ClientResult["status"], [string, string]> = {
  done: ["pass", "✓ Set up"],
  unchanged: ["pass", "✓ Already set up"],
  failed: ["fail", "✗ Not set up"],
  manual: ["warn", "➜ Your turn"],
};

export function ManualPanel({ email }: { email: string }) {
  const [settings, setSettings] = useState<ManualSettings | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  useEffect(() => {
    void call("clients:manual", { email }).then((r) => (r.ok ? setSettings(r.value) : setProblem(r.problem)));
  }, [email]);
  return (
    <div className="manual">
      <h2>Set up by hand</h2>
      <p>In your mail app, add an account (or edit the outgoing server of your existing one) with these settings. Your password is the one you tested with.</p>
      {problem && <ProblemBox problem={problem} />}
      {settings && (
        <table className="settings">
          <caption>Settings to type</caption>
          <tbody>
            {settings.items.map((item, i) => (
              <tr key={item.label}>
                <th scope="row">{item.label}</th>
                <td>
                  <code id={`manual-${i}`}>{item.value}</code>
                </td>
                <td>
                  <CopyButton text={item.value} label={item.label} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function MailApps({ active, email, initialName, onName, onNext }: { active: boolean; email: string; initialName: string; onName: (n: string) => void; onNext: () => void }) {
  const [clients, setClients] = useState<ClientView[] | undefined>();
  const [chosen, setChosen] = useState<Set<ClientName>>(new Set());
  const [results, setResults] = useState<ClientResult[]>([]);
  const [problem, setProblem] = useState<Problem | undefined>();
  const [manual, setManual] = useState(false);
  const [name, setName] = useState(initialName);
  const [busy, run] = useBusy();
  const list = async () => {
    const r = await call("clients:list");
    if (!r.ok) return setProblem(r.problem);
    setClients(r.value);
    setChosen(new Set(r.value.filter((c) => c.installed).map((c) => c.client)));
  };
  useEffect(() => {
    if (active && !clients) void list();
  }, [active]);
  useEffect(() => setName((n) => n || initialName), [initialName]);

  const configure = (which: ClientName[]) =>
    run(async () => {
      setProblem(undefined);
      const r = await call("clients:configure", { email, ...(name.trim() ? { name: name.trim() } : {}), clients: which });
      if (!r.ok) return setProblem(r.problem);
      onName(name.trim());
      setResults((old) => [...old.filter((o) => !which.includes(o.client)), ...r.value]);
      // Apple Mail: the profile opens for approval right away (the button below opens it again).
      if (r.value.some((x) => x.client === "apple-mail" && x.status === "manual")) await call("clients:open-profile");
    });

  const noneFound = clients !== undefined && clients.every((c) => !c.installed);
  const anyFailedOrManual = results.some((r) => r.status === "failed" || r.status === "manual");
  const done = results.length > 0;
  return (
    <section>
      <h1 tabIndex={-1}>Set up your mail apps</h1>
      {problem && <ProblemBox problem={problem} />}
      <label htmlFor="name">Your name, as people will see it on your mail</label>
      <input id="name" type="text" autoComplete="name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      {noneFound && <p>No mail app that Relay Onboard can set up was found on this computer. You can enter the settings by hand: they are below.</p>}
      {clients && !noneFound && (
        <fieldset>
          <legend>Mail apps found on this computer</legend>
          {clients.map((c) => (
            <div key={c.client} className="client">
              <label className="check">
                <input
                  type="checkbox"
                  disabled={!c.installed}
                  checked={chosen.has(c.client)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.target.checked) next.add(c.client);
                    else next.delete(c.client);
                    setChosen(next);
                  }}
                />{" "}
                {NAMES[c.client]} {c.installed ? "" : "(not found)"}
              </label>
              {c.installed && <p className="plan">{c.plan}</p>}
              {c.profiles.length > 0 && <p className="small">Profile: {c.profiles.find((p) => p.isDefault)?.name ?? c.profiles[0]?.name}</p>}
            </div>
          ))}
        </fieldset>
      )}
      <ul className="results" aria-live="polite">
        {results.map((r) => (
          <li key={r.client}>
            <span className={`badge ${BADGES[r.status][0]}`}>{BADGES[r.status][1]}</span> <strong>{NAMES[r.client]}</strong>
            {r.status !== "failed" && `: ${r.message}`}
            {r.problem && <ProblemBox problem={r.problem} />}
            {r.steps && (
              <ol className="numbered">
                {r.steps.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ol>
            )}
            {r.client === "apple-mail" && r.status === "manual" && (
              <button type="button" onClick={() => void call("clients:open-profile")}>
                Open the profile
              </button>
            )}
            {r.status === "failed" && (
              <button type="button" className="primary" disabled={busy} onClick={() => configure([r.client])}>
                {busy ? "Trying again…" : `Try ${NAMES[r.client]} again`}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!done && !noneFound && clients && (
        <button type="button" className="primary" disabled={busy || chosen.size === 0} onClick={() => configure([...chosen])}>
          {busy ? "Setting up…" : "Set up the selected apps"}
        </button>
      )}
      {(noneFound || manual || anyFailedOrManual) && email && <ManualPanel email={email} />}
      {!noneFound && !manual && !anyFailedOrManual && (
        <button type="button" className="link" onClick={() => setManual(true)}>
          Set up by hand instead
        </button>
      )}
      <div className="actions">
        <button type="button" className={done || noneFound || manual ? "primary" : ""} onClick={onNext}>
          {done || noneFound || manual ? "Continue" : "Skip this step"}
        </button>
      </div>
    </section>
  );
}
