// Step 4: the mail apps on this computer. Each outcome has a clear badge and a way on: Try again
// for a failed app (after closing it, say), the exact settings to type when no app can be set up
// automatically, Apple Mail's profile opened for approval, the new Outlook's steps as a list.
import { useEffect, useState } from "react";
import type { ClientName, ClientResult, ClientView, ManualSettings, Problem } from "../../src/app/api.js";
import { call } from "./api.js";
import { CopyButton, ProblemBox, useBusy } from "./common.js";
import { useT, type MessageId } from "./i18n.js";

const BADGE_CLASS: Record<ClientResult["status"], string> = { done: "pass", unchanged: "pass", failed: "fail", manual: "warn" };

export function ManualPanel({ email }: { email: string }) {
  const t = useT();
  const [settings, setSettings] = useState<ManualSettings | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  useEffect(() => {
    void call("clients:manual", { email }).then((r) => (r.ok ? setSettings(r.value) : setProblem(r.problem)));
  }, [email]);
  // [the setting as Thunderbird names it, its value, value is data, where classic Outlook has it]
  const rows: Array<[string, string | number, boolean, string?]> = [];
  if (settings) {
    const { smtp, incoming } = settings;
    rows.push(
      [t("manual.email"), settings.email, true],
      [t("manual.smtpHost"), smtp.host, true, t("manual.smtpHostOutlook")],
      [t("manual.smtpPort"), smtp.port, true, t("manual.smtpPortOutlook")],
      [t("manual.smtpSecurity"), t(`security.${smtp.security}`), false, t("manual.securityOutlook")],
      [t("manual.smtpAuth"), t("manual.smtpAuthValue"), false, t("manual.smtpAuthOutlook")],
      [t("manual.smtpUser"), smtp.user, true, t("manual.userOutlook")],
    );
    if (incoming) {
      const protocol = incoming.protocol === "pop3" ? "POP3" : "IMAP";
      rows.push(
        [t("manual.inHost", { protocol }), incoming.host, true, t("manual.inHostOutlook")],
        [t("manual.inPort"), incoming.port, true, t("manual.inPortOutlook", { protocol })],
        [t("manual.inSecurity"), t(`security.${incoming.security}`), false, t("manual.securityOutlook")],
        [t("manual.inUser"), incoming.user, true, t("manual.userOutlook")],
      );
    }
  }
  return (
    <div className="manual">
      <h2>{t("manual.title")}</h2>
      <p>{t("manual.intro")}</p>
      {problem && <ProblemBox problem={problem} />}
      {settings && (
        <table className="settings">
          <caption>{t("manual.caption")}</caption>
          <tbody>
            {rows.map(([label, value, raw, outlook]) => (
              <tr key={label}>
                <th scope="row">
                  {label}
                  {outlook && <span className="small outlook-name">{outlook}</span>}
                </th>
                <td>
                  <code {...(raw ? { "data-raw": true } : {})}>{value}</code>
                </td>
                <td>
                  <CopyButton text={String(value)} label={label} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Which Thunderbird account setting up adds or updates — the user's own accounts are named and left as they are. */
function AccountPlanLine({ account, email }: { account: NonNullable<ClientView["account"]>; email: string }) {
  const t = useT();
  switch (account.action) {
    case "added": {
      const where = { email, protocol: account.protocol.toUpperCase(), host: account.host };
      if (account.beside.length === 0) return <p className="plan">{t("plan.tbAdded", where)}</p>;
      const accounts = account.beside.map((a) => t("plan.tbAccount", { name: a.name, host: a.host })).join(", ");
      return <p className="plan">{t("plan.tbAddedBeside", { ...where, accounts, count: account.beside.length })}</p>;
    }
    case "updated":
      return <p className="plan">{t("plan.tbUpdated", { name: account.account.name, host: account.account.host })}</p>;
    case "sends":
      return <p className="plan">{t("plan.tbSends", { name: account.account.name, host: account.account.host })}</p>;
    case "none":
      return <p className="plan">{t("plan.tbNoAccount", { email })}</p>;
  }
}

function Steps({ ids }: { ids: MessageId[] }) {
  const t = useT();
  return (
    <ol className="numbered">
      {ids.map((id) => (
        <li key={id}>{t(id)}</li>
      ))}
    </ol>
  );
}

export function MailApps({ active, email, orgName, initialName, onName, onNext }: { active: boolean; email: string; orgName: string; initialName: string; onName: (n: string) => void; onNext: () => void }) {
  const t = useT();
  const [clients, setClients] = useState<ClientView[] | undefined>();
  const [chosen, setChosen] = useState<Set<ClientName>>(new Set());
  const [results, setResults] = useState<ClientResult[]>([]);
  const [problem, setProblem] = useState<Problem | undefined>();
  const [manual, setManual] = useState(false);
  const [name, setName] = useState(initialName);
  const [busy, run] = useBusy();
  const [plan, setPlan] = useState<{ host: string; port: number; security: "starttls" | "tls"; org: string } | undefined>();
  const list = async () => {
    const r = await call("clients:list", { email });
    if (!r.ok) return setProblem(r.problem);
    setClients(r.value);
    setChosen(new Set(r.value.filter((c) => c.installed).map((c) => c.client)));
    // The port the test proved (it may be the other submission port), for the plan's wording.
    const s = await call("clients:manual", { email });
    if (s.ok) setPlan({ host: s.value.smtp.host, port: s.value.smtp.port, security: s.value.smtp.security, org: orgName });
  };
  useEffect(() => {
    if (active && !clients && email) void list();
  }, [active, email]);
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
      <h1 tabIndex={-1}>{t("mail.title")}</h1>
      {problem && <ProblemBox problem={problem} />}
      <label htmlFor="name">{t("mail.name")}</label>
      <input id="name" type="text" autoComplete="name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      {noneFound && <p>{t("mail.noneFound")}</p>}
      {clients && !noneFound && (
        <fieldset>
          <legend>{t("mail.found")}</legend>
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
                {t(`client.${c.client}`)} {c.installed ? "" : t("mail.notFound")}
              </label>
              {c.installed && (
                <p className="plan">{c.client === "thunderbird" && plan ? t("plan.thunderbird", { ...plan, security: t(`security.${plan.security}`) }) : c.client === "thunderbird" ? "" : t(`plan.${c.client}`)}</p>
              )}
              {c.installed && c.account && <AccountPlanLine account={c.account} email={email} />}
              {c.profiles.length > 0 && <p className="small">{t("mail.profile", { name: c.profiles.find((p) => p.isDefault)?.name ?? c.profiles[0]?.name ?? "" })}</p>}
            </div>
          ))}
        </fieldset>
      )}
      <ul className="results" aria-live="polite">
        {results.map((r) => (
          <li key={r.client}>
            <span className={`badge ${BADGE_CLASS[r.status]}`}>{t(`client.badge.${r.status}`)}</span> <strong>{t(`client.${r.client}`)}</strong>
            {(r.status === "done" || r.status === "unchanged") && <> {t(`client.${r.status}`)}</>}
            {r.client === "thunderbird" && (r.status === "done" || r.status === "unchanged") && <p className="note">{t("mail.tbAsksPassword")}</p>}
            {r.client === "thunderbird" && r.status === "manual" && <p>{t("mail.tbNoAccount", { email })}</p>}
            {r.problem && <ProblemBox problem={r.problem} />}
            {r.client === "apple-mail" && r.status === "manual" && (
              <>
                <p>{t("apple.intro")}</p>
                <Steps ids={["apple.step1", "apple.step2", "apple.step3", "apple.step4"]} />
                <button type="button" onClick={() => void call("clients:open-profile")}>
                  {t("apple.open")}
                </button>
              </>
            )}
            {r.client === "outlook" && r.status === "manual" && (
              <>
                <p>{t("outlookNew.intro")}</p>
                <Steps ids={["outlookNew.step1", "outlookNew.step2", "outlookNew.step3", "outlookNew.step4"]} />
              </>
            )}
            {r.status === "failed" && (
              <button type="button" className="primary" disabled={busy} onClick={() => configure([r.client])}>
                {busy ? t("common.tryingAgain") : t("mail.tryApp", { app: t(`client.${r.client}`) })}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!done && !noneFound && clients && (
        <button type="button" className="primary" disabled={busy || chosen.size === 0} onClick={() => configure([...chosen])}>
          {busy ? t("mail.settingUp") : t("mail.setUp")}
        </button>
      )}
      {(noneFound || manual || anyFailedOrManual) && email && <ManualPanel email={email} />}
      {!noneFound && !manual && !anyFailedOrManual && (
        <button type="button" className="link" onClick={() => setManual(true)}>
          {t("mail.byHandInstead")}
        </button>
      )}
      <div className="actions">
        <button type="button" className={done || noneFound || manual ? "primary" : ""} onClick={onNext}>
          {done || noneFound || manual ? t("common.continue") : t("mail.skip")}
        </button>
      </div>
    </section>
  );
}
