import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, director } from '../../api.ts';
import { ErrorNote, Note, useFlash } from '../../components/feedback.ts';
import { relativeTime } from '../../format.ts';
import { queryClient, useMutation } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import type { PolicyView } from '../../types.ts';

type Doc = 'users' | 'pools';
const DOCS: readonly { key: Doc; file: string }[] = [
  { key: 'users', file: 'users.json' },
  { key: 'pools', file: 'pools.json' },
];
const pretty = (value: unknown) => JSON.stringify(value ?? {}, null, 2);

/** The text's JSON, or why it is not a JSON object (checked as the admin types). */
function readJson(text: string): { value: unknown } | { problem: string } {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? { value } : { problem: 'must be a JSON object' };
  } catch (err) {
    return { problem: `is not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * Edits users.json and pools.json as JSON text, whatever keys they hold: the director checks them as it
 * checks the files (an error names the file and the key, shown under that document) and stores a new
 * version. The edit keeps to the version it started from: when another save landed since, the director
 * refuses it and the editor says so, offering the newest version instead.
 */
export function PolicyEditor({ view }: { view: PolicyView }) {
  const inForce = view.status.version;
  const [base, setBase] = useState(inForce?.version ?? 0);
  const [texts, setTexts] = useState<Record<Doc, string>>({ users: pretty(view.documents.users), pools: pretty(view.documents.pools) });
  const [dirty, setDirty] = useState(false);
  const [done, setDone] = useFlash(10_000);
  const load = () => (setBase(inForce?.version ?? 0), setTexts({ users: pretty(view.documents.users), pools: pretty(view.documents.pools) }), setDirty(false), save.reset());
  // A newer version (saved elsewhere) replaces the text only while nothing is edited here.
  useEffect(() => {
    if (!dirty && (inForce?.version ?? 0) !== base) load();
  }, [inForce?.version, dirty]);

  const parsed = { users: readJson(texts.users), pools: readJson(texts.pools) };
  const save = useMutation({
    mutationFn: () => {
      const value = (doc: Doc) => (parsed[doc] as { value: unknown }).value;
      return call(director.v1.admin.policy.put({ version: base, users: value('users'), pools: value('pools') }));
    },
    onSuccess: async (saved) => {
      setBase(saved.version.version);
      setDirty(false);
      setDone(saved.changed ? `Saved as version ${saved.version.version}. It is in force on every director.` : `Nothing changed: version ${saved.version.version} already holds these documents.`);
      await queryClient.invalidateQueries({ queryKey: queryKeys.adminPolicy });
    },
  });
  const error = save.error;
  const invalidIn = error instanceof ApiError && error.code === 'POLICY_INVALID' ? DOCS.find((doc) => error.message.startsWith(`${doc.file}`))?.key : undefined;
  const conflict = error instanceof ApiError && error.code === 'POLICY_VERSION_CONFLICT';
  const problemOf = (doc: Doc): string | undefined => {
    const local = parsed[doc];
    if ('problem' in local) return `${DOCS.find((d) => d.key === doc)!.file} ${local.problem}`;
    return invalidIn === doc ? error!.message : undefined;
  };
  const newerElsewhere = dirty && inForce && inForce.version !== base;

  return html`<section class="card policy-editor stack" aria-labelledby="policy-edit">
    <h2 id="policy-edit" class="section-title">Edit the policy</h2>
    <p class="muted small">Editing version ${base}. Saving stores a new version, puts it in force on every director and records the change in the audit log (<code>policy.update</code>).</p>
    ${
      newerElsewhere
        ? html`<${Note} tone="warning">Version ${inForce.version} was saved by ${inForce.createdBy} ${relativeTime(inForce.createdAt)}: saving your edit of version ${base} will be refused.
            <button type="button" class="link" onClick=${load}>Load version ${inForce.version}</button> (drops your edits).<//>`
        : null
    }
    <form onSubmit=${(e: Event) => (e.preventDefault(), save.mutate())}>
      <div class="policy-docs">
        ${DOCS.map(({ key, file }) => {
          const problem = problemOf(key);
          return html`<label class="field" key=${key}><span>${file}</span>
            <textarea name=${key} spellcheck=${false} autocapitalize="none" aria-invalid=${problem ? 'true' : 'false'} aria-describedby=${problem ? `${key}-problem` : undefined}
              value=${texts[key]} onInput=${(e: Event) => (setTexts({ ...texts, [key]: (e.currentTarget as HTMLTextAreaElement).value }), setDirty(true), save.reset())}></textarea>
            ${problem ? html`<p id=${`${key}-problem`} class="field-error" role="alert" data-testid=${`${key}-problem`}>${problem}</p>` : null}
          </label>`;
        })}
      </div>
      ${
        conflict
          ? html`<div class="note note-error" role="alert" data-testid="policy-conflict">
              <strong class="note-title">Not saved: someone else saved the policy first</strong>
              <p>${error!.message}</p>
              <button type="button" class="btn btn-small" onClick=${async () => (await queryClient.invalidateQueries({ queryKey: queryKeys.adminPolicy }), setDirty(false))}>Load the newest version</button>
            </div>`
          : null
      }
      ${!conflict && !invalidIn ? html`<${ErrorNote} error=${error} title="The policy was not saved" />` : null}
      <p class="row-actions">
        <button type="submit" class="btn btn-primary" disabled=${save.isPending || !dirty || !!problemOf('users') || !!problemOf('pools')}>${save.isPending ? 'Saving…' : 'Save as a new version'}</button>
        <button type="button" class="btn btn-quiet" disabled=${!dirty || save.isPending} onClick=${load}>Discard changes</button>
      </p>
      <div class="live" aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    </form>
  </section>`;
}
