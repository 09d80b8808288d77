import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { DEFAULT_TEMPLATE, formatKb, renderTemplate, templateProblems } from '../../../shared/domain/message-template.ts';
import { compileUserPattern, loadPatternEngine, UserPatternError } from '../../../shared/domain/user-pattern.ts';
import { channels, type Channel, type Rule, type RuleInput } from '../api.ts';
import { channelLabel, ConfirmDelete, ErrorText, Field, problemsByField } from '../components.tsx';
import { withKeys } from '../format.ts';
import { SmsPreview } from '../sms-preview.tsx';

export { problemsByField } from '../components.tsx';
import { useFocusOnMount } from '../hooks.ts';
import { useSession } from '../session.tsx';

interface Draft {
  fileType: string;
  fileNameRegex: string;
  minSizeKb: string;
  notifyVia: Channel;
  target: string;
  isActive: boolean;
  messageTemplate: string;
}

const blank: Draft = { fileType: '', fileNameRegex: '', minSizeKb: '', notifyVia: 'sms', target: '', isActive: true, messageTemplate: '' };

const fromRule = (r: Rule): Draft => ({
  fileType: r.fileType ?? '',
  fileNameRegex: r.fileNameRegex ?? '',
  minSizeKb: r.minSizeKb == null ? '' : String(r.minSizeKb),
  notifyVia: r.notifyVia,
  target: r.target,
  isActive: r.isActive,
  messageTemplate: r.messageTemplate ?? '',
});

/** The body the API takes; an emptied optional field is sent as null, which clears it. */
export function toInput(d: Draft): RuleInput {
  const minSize = d.minSizeKb.trim();
  return {
    eventType: 'file_upload',
    fileType: d.fileType.trim() || null,
    fileNameRegex: d.fileNameRegex || null,
    minSizeKb: minSize === '' ? null : Number(minSize),
    notifyVia: d.notifyVia,
    target: d.target.trim(),
    isActive: d.isActive,
    messageTemplate: d.messageTemplate || null,
  };
}

/** The RE2 engine the rule tester runs, a chunk of its own: the page shows once it is in (App.tsx). */
export const patternEngineLoaded = loadPatternEngine();

/** The pattern's problem as the server words it, or undefined when RE2 takes it. */
export function patternProblem(pattern: string): string | undefined {
  if (!pattern) return undefined;
  try {
    compileUserPattern(pattern);
    return undefined;
  } catch (err) {
    if (err instanceof UserPatternError) return err.message;
    throw err;
  }
}

/** Whether a rule with these filters would match a file of this name (and size in KiB, when given). */
export function ruleMatchesName(d: Pick<Draft, 'fileType' | 'fileNameRegex'>, name: string): boolean {
  const ext = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  if (d.fileType.trim() && d.fileType.trim().toLowerCase() !== ext) return false;
  if (d.fileNameRegex && (patternProblem(d.fileNameRegex) || !compileUserPattern(d.fileNameRegex).matcher(name).find())) return false;
  return true;
}

export function Rules() {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [rules, setRules] = useState<Rule[]>([]);
  const [nextCursor, setNextCursor] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [editing, setEditing] = useState<Rule | 'new' | undefined>();
  const [status, setStatus] = useState('');

  const load = useCallback(async () => {
    try {
      const page = await api.listRules({ limit: 100 });
      setRules(page.items);
      setNextCursor(page.nextCursor);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  const more = async () => {
    try {
      const page = await api.listRules({ limit: 100, cursor: nextCursor });
      setRules((r) => [...r, ...page.items]);
      setNextCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  };

  const toggle = async (rule: Rule) => {
    try {
      const saved = await api.updateRule(rule.ruleId, { isActive: !rule.isActive });
      setRules((all) => all.map((r) => (r.ruleId === saved.ruleId ? saved : r)));
      setStatus(`Rule for ${saved.target} is now ${saved.isActive ? 'active' : 'paused'}.`);
    } catch (err) {
      setError(err);
    }
  };

  const remove = async (rule: Rule) => {
    try {
      await api.deleteRule(rule.ruleId);
      setRules((all) => all.filter((r) => r.ruleId !== rule.ruleId));
      setStatus(`Rule for ${rule.target} deleted.`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Rules
      </h1>
      <p className="muted">A rule sends a message when an uploaded file matches it.</p>
      <p role="status" className="status-line">
        {status}
      </p>
      <ErrorText error={error} />
      {editing ? (
        <RuleForm
          key={editing === 'new' ? 'new' : editing.ruleId}
          rule={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(undefined)}
          onSaved={(saved, created) => {
            setRules((all) => (created ? [saved, ...all] : all.map((r) => (r.ruleId === saved.ruleId ? saved : r))));
            setEditing(undefined);
            setStatus(created ? `Rule for ${saved.target} created.` : `Rule for ${saved.target} saved.`);
          }}
        />
      ) : (
        <button type="button" onClick={() => setEditing('new')}>
          New rule
        </button>
      )}
      <section aria-labelledby="rule-list">
        <h2 id="rule-list">Your rules</h2>
        {rules.length === 0 ? <p className="muted">No rules yet.</p> : null}
        <ul className="rule-list">
          {rules.map((r) => (
            <RuleRow key={r.ruleId} rule={r} onEdit={() => setEditing(r)} onToggle={() => toggle(r)} onDelete={() => remove(r)} />
          ))}
        </ul>
        {nextCursor ? (
          <button type="button" className="secondary" onClick={more}>
            More rules
          </button>
        ) : null}
      </section>
    </main>
  );
}

function describeFilters(r: Rule): string {
  const parts = [
    r.fileType ? `type ${r.fileType}` : '',
    r.fileNameRegex ? `name matches /${r.fileNameRegex}/` : '',
    r.minSizeKb != null ? `at least ${r.minSizeKb} KiB` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'every upload';
}

function RuleRow({ rule, onEdit, onToggle, onDelete }: { rule: Rule; onEdit: () => void; onToggle: () => void; onDelete: () => void }) {
  return (
    <li className="card rule" data-rule-id={rule.ruleId}>
      <div className="rule-main">
        <strong>
          {rule.notifyVia.toUpperCase()} to {rule.target}
        </strong>
        <span className="muted">When: {describeFilters(rule)}</span>
        <span className="muted">Message: {rule.messageTemplate ?? `${DEFAULT_TEMPLATE} (default)`}</span>
      </div>
      <div className="rule-actions">
        <label className="switch">
          <input type="checkbox" checked={rule.isActive} onChange={onToggle} aria-label={`Active: rule for ${rule.target}`} />
          {rule.isActive ? 'Active' : 'Paused'}
        </label>
        <button type="button" className="secondary" onClick={onEdit} aria-label={`Edit rule for ${rule.target}`}>
          Edit
        </button>
        <ConfirmDelete label={`Delete rule for ${rule.target}`} onDelete={onDelete} />
      </div>
    </li>
  );
}

const FIELDS = ['fileType', 'fileNameRegex', 'minSizeKb', 'notifyVia', 'target', 'isActive', 'messageTemplate'] as const;
const SAMPLE_NAMES = 'q3-report.pdf\ninvoice_2026.PDF\nholiday-photo.jpg';

function RuleForm({ rule, onSaved, onCancel }: { rule?: Rule; onSaved: (rule: Rule, created: boolean) => void; onCancel: () => void }) {
  const { api } = useSession();
  const [draft, setDraft] = useState<Draft>(rule ? fromRule(rule) : blank);
  const [samples, setSamples] = useState(SAMPLE_NAMES);
  const [server, setServer] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  // Editing a field clears what the server said about it.
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }));
    setServer(({ [k]: _dropped, ...rest }) => rest);
  };

  const regexProblem = patternProblem(draft.fileNameRegex);
  const templateIssues = draft.messageTemplate ? templateProblems(draft.messageTemplate) : [];
  const names = samples
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);

  const preview = useMemo(() => {
    const name = names[0] ?? 'report.pdf';
    const body = renderTemplate(draft.messageTemplate || DEFAULT_TEMPLATE, {
      fileName: name,
      fileType: /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '',
      sizeKb: formatKb(240 * 1024),
      tags: 'finance, q3',
      uploadedAt: new Date().toISOString(),
      downloadUrl: 'https://files.example.com/d/0123456789abcdef0123456789abcdef?X-Amz-Signature=0123456789abcdef',
    });
    return { body };
  }, [draft.messageTemplate, names[0]]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setServer({});
    try {
      const input = toInput(draft);
      const saved = rule ? await api.updateRule(rule.ruleId, { ...input, eventType: undefined }) : await api.createRule(input);
      onSaved(saved, !rule);
    } catch (err) {
      setServer(problemsByField(err, FIELDS));
    } finally {
      setBusy(false);
    }
  };

  const targetHint = draft.notifyVia === 'email' ? 'An email address.' : 'A phone number in E.164 form, such as +14155550100.';

  return (
    <form className="card rule-form" onSubmit={submit} aria-labelledby="rule-form-title" noValidate>
      <h2 id="rule-form-title">{rule ? 'Edit rule' : 'New rule'}</h2>
      {server.form ? <ErrorText error={new Error(server.form.join(' '))} /> : null}
      <div className="grid">
        <Field label="Send by" problems={server.notifyVia}>
          {(p) => (
            <select {...p} name="notifyVia" value={draft.notifyVia} onChange={(e) => set('notifyVia', e.target.value as Channel)}>
              {channels.map((c) => (
                <option key={c} value={c}>
                  {channelLabel(c)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="To" hint={targetHint} problems={server.target}>
          {(p) => <input {...p} name="target" value={draft.target} onChange={(e) => set('target', e.target.value)} />}
        </Field>
        <Field label="File type" hint="Extension without the dot, such as pdf; empty for any." problems={server.fileType}>
          {(p) => <input {...p} name="fileType" value={draft.fileType} onChange={(e) => set('fileType', e.target.value)} />}
        </Field>
        <Field label="Minimum size (KiB)" hint="Empty for any size." problems={server.minSizeKb}>
          {(p) => <input {...p} name="minSizeKb" inputMode="numeric" value={draft.minSizeKb} onChange={(e) => set('minSizeKb', e.target.value)} />}
        </Field>
      </div>
      <Field
        label="File name pattern"
        hint="A regular expression (RE2 syntax) searched in the file name; empty for any name."
        problems={[...(regexProblem ? [regexProblem] : []), ...(server.fileNameRegex ?? [])]}
      >
        {(p) => <input {...p} name="fileNameRegex" spellCheck={false} value={draft.fileNameRegex} onChange={(e) => set('fileNameRegex', e.target.value)} />}
      </Field>
      <div className="tester">
        <Field label="Try it on file names" hint="One name a line.">
          {(p) => <textarea {...p} name="samples" rows={3} value={samples} onChange={(e) => setSamples(e.target.value)} />}
        </Field>
        <ul className="matches" aria-label="Which sample names the rule matches">
          {withKeys(names, (name) => name).map(({ key, item: name }) => {
            const hit = ruleMatchesName(draft, name);
            return (
              <li key={key} className={hit ? 'hit' : 'miss'}>
                <span aria-hidden="true">{hit ? '✓' : '✗'}</span> {name} <span className="visually-hidden">{hit ? 'matches' : 'does not match'}</span>
              </li>
            );
          })}
        </ul>
      </div>
      <Field
        label="Message"
        hint={<>Empty for the default. Placeholders: {'{{fileName}} {{fileType}} {{sizeKb}} {{tags}} {{uploadedAt}} {{downloadUrl}}'}</>}
        problems={[...templateIssues, ...(server.messageTemplate ?? [])]}
      >
        {(p) => (
          <textarea
            {...p}
            name="messageTemplate"
            rows={3}
            placeholder={DEFAULT_TEMPLATE}
            value={draft.messageTemplate}
            onChange={(e) => set('messageTemplate', e.target.value)}
          />
        )}
      </Field>
      <SmsPreview
        body={preview.body}
        note={draft.messageTemplate.includes('{{downloadUrl}}') ? ' (with a sample download link; real links vary in length)' : undefined}
      />
      <label className="checkbox">
        <input type="checkbox" name="isActive" checked={draft.isActive} onChange={(e) => set('isActive', e.target.checked)} /> Active
      </label>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
