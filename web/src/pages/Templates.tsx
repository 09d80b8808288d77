import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Template, TemplateInput } from '../api.ts';
import { ConfirmDelete, ErrorText, Field, FormProblems, problemsByField } from '../components.tsx';
import { SmsPreview } from '../sms-preview.tsx';
import { formatTime } from '../format.ts';
import { useFocusOnMount } from '../hooks.ts';
import { useSession } from '../session.tsx';
import { fillTemplate, variablesOf } from '../template-preview.ts';

const FIELDS = ['name', 'body', 'description'] as const;

export function Templates() {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [templates, setTemplates] = useState<Template[]>([]);
  const [nextCursor, setNextCursor] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [editing, setEditing] = useState<Template | 'new' | undefined>();
  const [status, setStatus] = useState('');

  const load = useCallback(
    async (cursor?: string) => {
      try {
        const page = await api.listTemplates({ limit: 100, cursor });
        setTemplates((all) => (cursor ? [...all, ...page.items] : page.items));
        setNextCursor(page.nextCursor);
        setError(undefined);
      } catch (err) {
        setError(err);
      }
    },
    [api],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const remove = async (t: Template) => {
    try {
      await api.deleteTemplate(t.templateId);
      setTemplates((all) => all.filter((x) => x.templateId !== t.templateId));
      setStatus(`Template "${t.name}" deleted.`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Templates
      </h1>
      <p className="muted">Reusable message text; each {'{{variable}}'} is filled when a message is sent.</p>
      <p role="status" className="status-line">
        {status}
      </p>
      <ErrorText error={error} />
      {editing ? (
        <TemplateForm
          key={editing === 'new' ? 'new' : editing.templateId}
          template={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(undefined)}
          onSaved={(saved, created) => {
            setTemplates((all) => (created ? [saved, ...all] : all.map((t) => (t.templateId === saved.templateId ? saved : t))));
            setEditing(undefined);
            setStatus(created ? `Template "${saved.name}" created.` : `Template "${saved.name}" saved.`);
          }}
        />
      ) : (
        <button type="button" onClick={() => setEditing('new')}>
          New template
        </button>
      )}
      <section aria-labelledby="template-list">
        <h2 id="template-list">Your templates</h2>
        {templates.length === 0 ? <p className="muted">No templates yet.</p> : null}
        <ul className="rule-list">
          {templates.map((t) => (
            <li key={t.templateId} className="card rule" data-template-id={t.templateId}>
              <div className="rule-main">
                <strong>{t.name}</strong>
                {t.description ? <span className="muted">{t.description}</span> : null}
                <span className="bubble small-bubble">{t.body}</span>
                <span className="muted">
                  Variables: {t.variables.length ? t.variables.join(', ') : 'none'} · updated {formatTime(t.updatedAt)}
                </span>
              </div>
              <div className="rule-actions">
                <button type="button" className="secondary" onClick={() => setEditing(t)} aria-label={`Edit template ${t.name}`}>
                  Edit
                </button>
                <ConfirmDelete label={`Delete template ${t.name}`} onDelete={() => remove(t)} />
              </div>
            </li>
          ))}
        </ul>
        {nextCursor ? (
          <button type="button" className="secondary" onClick={() => load(nextCursor)}>
            More templates
          </button>
        ) : null}
      </section>
    </main>
  );
}

export function TemplateForm({ template, onSaved, onCancel }: { template?: Template; onSaved: (t: Template, created: boolean) => void; onCancel: () => void }) {
  const { api } = useSession();
  const [draft, setDraft] = useState<TemplateInput>({ name: template?.name ?? '', body: template?.body ?? '', description: template?.description ?? '' });
  const [samples, setSamples] = useState<Record<string, string>>({});
  const [server, setServer] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const set = (k: keyof TemplateInput, v: string) => {
    setDraft((d) => ({ ...d, [k]: v }));
    setServer(({ [k]: _dropped, ...rest }) => rest);
  };
  const found = variablesOf(draft.body);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setServer({});
    try {
      const input = { name: draft.name.trim(), body: draft.body, description: draft.description?.trim() || null };
      const saved = template ? await api.updateTemplate(template.templateId, input) : await api.createTemplate(input);
      onSaved(saved, !template);
    } catch (err) {
      setServer(problemsByField(err, FIELDS));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card rule-form" onSubmit={submit} aria-labelledby="template-form-title" noValidate>
      <h2 id="template-form-title">{template ? 'Edit template' : 'New template'}</h2>
      <FormProblems problems={server.form} />
      <div className="grid">
        <Field label="Name" hint="Unique among your templates." problems={server.name}>
          {(p) => <input {...p} name="name" value={draft.name} onChange={(e) => set('name', e.target.value)} />}
        </Field>
        <Field label="Description" hint="Optional." problems={server.description}>
          {(p) => <input {...p} name="description" value={draft.description ?? ''} onChange={(e) => set('description', e.target.value)} />}
        </Field>
      </div>
      <Field
        label="Template text"
        hint={<>Name a variable in double braces, such as {'{{firstName}}'}.</>}
        problems={[...(found.problem ? [found.problem] : []), ...(server.body ?? [])]}
      >
        {(p) => <textarea {...p} name="body" rows={3} value={draft.body} onChange={(e) => set('body', e.target.value)} />}
      </Field>
      <fieldset className="variables">
        <legend>Variables found</legend>
        {found.variables.length === 0 ? <p className="muted">None yet.</p> : null}
        <div className="grid">
          {found.variables.map((name) => (
            <Field key={name} label={`Sample ${name}`} hint="For the preview only.">
              {(p) => <input {...p} value={samples[name] ?? ''} onChange={(e) => setSamples((s) => ({ ...s, [name]: e.target.value }))} />}
            </Field>
          ))}
        </div>
      </fieldset>
      <SmsPreview body={fillTemplate(draft.body, samples)} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : template ? 'Save template' : 'Create template'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
